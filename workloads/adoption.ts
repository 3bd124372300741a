// Adopting the objects that already run in the book's cluster (adopt.kubernetes, `Kind/name`).
// pulumi-kubernetes refuses to create an object that exists: without upsertExistingObjects its
// create is a plain POST, and AlreadyExists becomes "The resource already exists in the cluster"
// (pulumi/pulumi-kubernetes provider/pkg/await/await.go, Creation). We do not set the provider's
// upsertExistingObjects (server-side apply on create): that would silently write our spec over
// every running object on the first `up` (a Redis restart, new app pods, an immutable-field
// error on the PVC), and it would also turn any later rename into an overwrite-then-delete.
// Instead each listed object is imported by its id: `namespace/name`, or `name` for a
// cluster-scoped object (provider/pkg/provider/util.go, parseFqName, used by Read). An import reads
// the object; with the CLI this README targets, inputs that differ from it are then applied as an
// in-place update in the same `up`, and a difference that needs a replacement is refused
// (pulumi/pulumi#19339; README, Adopting the running estate). While an object is listed, its spec
// and metadata are ignored (ignoreChanges), so the adopting `up` only imports and writes nothing
// to what serves but an Ingress's class (see `ignored`); the operator then empties the list, and the next preview shows each remaining
// difference (a rolling update of an app, a Redis restart) to review on its own.
import type * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import { namespaceName } from "./namespace";

const ignored: Record<string, string[]> = {
    Secret: ["metadata", "type", "data", "stringData"],
    // An Ingress is the exception: the running ones carry class `traefik`, which our Traefik does not
    // serve (workloads/traefik.ts), and the bundled Traefik that served it is gone by then
    // (bundled-traefik.sh). So the adopting `up` switches the class (and adds our labels and
    // annotations) once our Traefik serves on every node, and keeps the running rules until the list
    // is emptied. The class belongs to another field manager, hence pulumi.com/patchForce (ingress.ts).
    Ingress: ["spec.rules", "spec.tls", "spec.defaultBackend"],
};

/**
 * Fields the cluster fills in that pulumi-kubernetes treats as forcing a replacement
 * (provider/pkg/provider/diff.go, forceNew). An import records every input property of the live
 * object (provider/pkg/provider/provider.go, Read, readFromCluster), so once the object leaves
 * adopt.kubernetes the diff from those inputs to ours would drop these and delete-then-recreate it:
 * an empty claim, a Service with a new address. Ignored for good, the recorded value is kept
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, processIgnoreChanges); on an object we
 * created the path is absent from the inputs, and ignoring it changes nothing.
 */
const allocated: Record<string, string[]> = {
    PersistentVolumeClaim: ["spec.volumeName"],
    Service: ["spec.clusterIP"],
};

/** The import id and options for `kind/name` when adopt.kubernetes lists it; otherwise only the allocated fields. */
export function adoptOptions(config: Pick<EstateConfig, "adopt">, kind: string, name: string): pulumi.CustomResourceOptions {
    if (!config.adopt.kubernetes.includes(`${kind}/${name}`)) return allocated[kind] ? { ignoreChanges: allocated[kind] } : {};
    const id = kind === "Namespace" ? name : `${namespaceName}/${name}`;
    return { import: id, ignoreChanges: ignored[kind] ?? ["metadata", "spec"] };
}
