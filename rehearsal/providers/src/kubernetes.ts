// Simulated Kubernetes (pulumi-kubernetes 4.34.2): a cluster of objects in
// $REHEARSAL_STATE/clouds/kubernetes.json, keyed `<apiVersion>/<Kind>/<namespace>/<name>`.
// The rules are pulumi-kubernetes's own (pulumi/pulumi-kubernetes, provider/pkg/):
// - replacement: provider/diff.go forceNewProperties (metadata.name/namespace always; Job
//   .spec.template/.completions/.parallelism/.selector; Deployment .spec.selector; PVC
//   .spec.accessModes/.selector/.storageClassName/.volumeName; Secret .type/.data/.stringData and
//   ConfigMap .data/.binaryData while enableSecretMutable/enableConfigMapMutable are off; Service
//   .spec.clusterIP; ClusterRoleBinding and RoleBinding .roleRef), plus provider.go Diff's
//   replaceUnready for a Job that is not ready;
// - delete-before-replace: provider.go Diff, only for a named (not autonamed) object whose name and
//   namespace stay the same;
// - autonaming: metadata/naming.go AssignNameIfAutonamable (`<urn name>-<suffix>`, annotated
//   pulumi.com/autonamed) and AdoptOldAutonameIfUnnamed;
// - awaits: await/job.go + await/checker/job/check.go (a Job is ready once Complete; a Failed
//   condition with BackoffLimitExceeded/DeadlineExceeded fails at once as "[reason] message",
//   reported as await/error.go's initializationError "Resource '<name>' was created but failed to
//   initialize"); a Deployment is ready once its new ReplicaSet is rolled out (await/deployment.go).
// Ids are `<namespace>/<name>` (cluster-scoped: `<name>`), which is also the import id.
import type * as sdk from "@pulumi/pulumi/provider";
import { peekCloud, withCloud } from "./cloud";
import { CloudError, gone, hasUnknown, isSecret, plain, same, sha, type Props } from "./values";

export const version = "4.34.2";

export interface Cluster {
    nextUid: number;
    objects: Record<string, Props>;
    /** key → the inputs the object was last applied with (what Diff compares the new inputs to). */
    applied: Record<string, Props>;
    /** image → how a Job running it ends (default: Complete). The scenarios' way to fail a migration. */
    jobOutcomes: Record<string, { reason: string; message: string }>;
    /** image → why a Deployment running it never becomes available (default: it rolls out). */
    rolloutFailures: Record<string, string>;
    /** Every change the provider made, in order (`<op> <key>`): what a scenario checks besides the engine's events. */
    operations?: string[];
    /** pulumi-kubernetes's upsertExistingObjects provider option (see README: Configure is not forwarded). */
    upsertExistingObjects: boolean;
}

export const emptyCluster = (): Cluster => ({ nextUid: 1, objects: {}, applied: {}, jobOutcomes: {}, rolloutFailures: {}, upsertExistingObjects: false });

const clusterScoped = new Set(["Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass", "CustomResourceDefinition", "IngressClass"]);
const builtIn = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** `kubernetes:apps/v1:Deployment` → apps/v1, Deployment (the core group is spelled `core` in tokens). */
export function gvk(urn: string): { apiVersion: string; kind: string } {
    const type = urn.split("::")[2]?.split("$").pop() ?? "";
    const [, groupVersion, kind] = type.split(":");
    const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice(5) : groupVersion;
    return { apiVersion, kind };
}

interface Meta {
    name?: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
}

const metaOf = (o: Props) => (plain<Props>(o).metadata ?? {}) as Meta;
const namespaceOf = (kind: string, m: Meta) => (clusterScoped.has(kind) ? "" : m.namespace || "default");
const idOf = (kind: string, m: Meta) => (clusterScoped.has(kind) ? String(m.name) : `${namespaceOf(kind, m)}/${String(m.name)}`);
const keyOf = (apiVersion: string, kind: string, namespace: string, name: string) => `${apiVersion}/${kind}/${namespace}/${name}`;

function keyOfId(urn: string, id: string): string {
    const { apiVersion, kind } = gvk(urn);
    const [namespace, name] = id.includes("/") ? id.split("/") : [clusterScoped.has(kind) ? "" : "default", id];
    return keyOf(apiVersion, kind, namespace, name);
}

const autonamed = "pulumi.com/autonamed";

/** diff.go forceNew (the group/version/kind table) for the kinds the estate uses. */
export function forceNewPaths(apiVersion: string, kind: string): string[] {
    const selector = (p: string) => [p, `${p}.matchExpressions`, `${p}.matchLabels`];
    const paths = [".metadata.name", ".metadata.namespace"];
    const byKind: Record<string, string[]> = {
        "apps/v1/Deployment": selector(".spec.selector"),
        "apps/v1/DaemonSet": selector(".spec.selector"),
        "batch/v1/Job": [".spec.completions", ".spec.parallelism", ".spec.template", ...selector(".spec.selector")],
        "v1/PersistentVolumeClaim": [".spec.accessModes", ".spec.storageClassName", ".spec.volumeName", ...selector(".spec.selector")],
        "v1/Secret": [".type", ".stringData", ".data"],
        "v1/ConfigMap": [".binaryData", ".data"],
        "v1/Service": [".spec.clusterIP"],
        // diff.go: roleBinding = properties{".roleRef"} for ClusterRoleBinding and RoleBinding (the API refuses to change it).
        "rbac.authorization.k8s.io/v1/ClusterRoleBinding": [".roleRef"],
        "rbac.authorization.k8s.io/v1/RoleBinding": [".roleRef"],
    };
    return [...paths, ...(byKind[`${apiVersion}/${kind}`] ?? [])];
}

/** Leaf paths (`.spec.template.spec.containers[0].image`) where two plain values differ. */
export function differingPaths(a: unknown, b: unknown, at = ""): string[] {
    if (same(a, b)) return [];
    const obj = (v: unknown) => typeof v === "object" && v !== null;
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((x, i) => differingPaths(x, b[i], `${at}[${i}]`));
    if (obj(a) && obj(b) && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = new Set([...Object.keys(a as Props), ...Object.keys(b as Props)]);
        return [...keys].flatMap((k) => differingPaths((a as Props)[k], (b as Props)[k], `${at}.${k}`));
    }
    return [at];
}

const matches = (path: string, forceNew: string) => {
    const p = path.replace(/\[\d+\]/g, "[*]");
    return p === forceNew || p.startsWith(`${forceNew}.`) || p.startsWith(`${forceNew}[`) || forceNew.startsWith(`${p}.`);
};

/** `live` cut down to the paths `shape` has: what an imported object's live state says about the inputs. */
function prune(live: unknown, shape: unknown): unknown {
    if (Array.isArray(live) && Array.isArray(shape)) return live.map((x, i) => (i < shape.length ? prune(x, shape[i]) : x));
    const object = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (object(live) && object(shape)) return Object.fromEntries(Object.keys(shape as Props).filter((k) => k in (live as Props)).map((k) => [k, prune((live as Props)[k], (shape as Props)[k])]));
    return live;
}

/** What the API server and the provider add to an object: not part of the inputs. */
function inputsOf(live: Props): Props {
    const o = { ...live };
    delete o.status;
    delete o.id;
    const m = { ...((o.metadata as Props) ?? {}) };
    for (const k of ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"]) delete m[k];
    o.metadata = m;
    return o;
}

function firstImage(o: Props): string {
    const spec = (o.spec ?? {}) as Props;
    const pod = ((spec.template as Props)?.spec ?? spec) as Props;
    return String(((pod.containers as Props[]) ?? [])[0]?.image ?? "");
}

class InitError extends Error {
    constructor(
        message: string,
        readonly id: string,
        readonly properties: Props,
        readonly reasons: string[],
    ) {
        super(message);
    }
}

/** The object as the API server returns it, with status settled as the await logic would see it. */
function settle(c: Cluster, kind: string, obj: Props, old?: Props): { live: Props; failure?: string } {
    const m = { ...((obj.metadata as Props) ?? {}) };
    const oldMeta = (old?.metadata ?? {}) as Props;
    const templateChanged = !old || !same((old.spec as Props)?.template, (obj.spec as Props)?.template) || !same(old.spec, obj.spec);
    m.uid = oldMeta.uid ?? `${sha("uid", c.nextUid++).slice(0, 8)}-0000-4000-8000-${sha("uid2", c.nextUid).slice(0, 12)}`;
    m.generation = Number(oldMeta.generation ?? 0) + (templateChanged ? 1 : 0);
    m.resourceVersion = String(c.nextUid++);
    m.creationTimestamp = oldMeta.creationTimestamp ?? "2026-01-01T00:00:00Z";
    const live: Props = { ...obj, metadata: m };
    const spec = (obj.spec ?? {}) as Props;
    const image = firstImage(obj);
    switch (kind) {
        case "Job": {
            const outcome = c.jobOutcomes[image];
            const type = outcome ? "Failed" : "Complete";
            live.status = {
                startTime: "2026-01-01T00:00:00Z",
                ...(outcome ? { failed: Number(spec.backoffLimit ?? 6) + 1 } : { succeeded: 1, completionTime: "2026-01-01T00:00:01Z" }),
                conditions: [{ type, status: "True", ...(outcome ?? {}) }],
            };
            return { live, failure: outcome ? `[${outcome.reason}] ${outcome.message}` : undefined };
        }
        case "Deployment": {
            const replicas = Number(spec.replicas ?? 1);
            const why = c.rolloutFailures[image];
            live.status = {
                observedGeneration: m.generation,
                replicas,
                updatedReplicas: replicas,
                readyReplicas: why ? 0 : replicas,
                availableReplicas: why ? 0 : replicas,
                conditions: [
                    { type: "Available", status: why ? "False" : "True", reason: why ? "MinimumReplicasUnavailable" : "MinimumReplicasAvailable" },
                    { type: "Progressing", status: "True", reason: why ? "ReplicaSetUpdated" : "NewReplicaSetAvailable" },
                ],
            };
            return { live, failure: why ? `Minimum number of live Pods was not attained: ${why}` : undefined };
        }
        case "Service":
            live.spec = { ...spec, clusterIP: spec.clusterIP ?? `10.43.${parseInt(sha(m.uid).slice(0, 2), 16) % 250}.${(parseInt(sha(m.uid).slice(2, 4), 16) % 250) + 2}` };
            return { live };
        case "Ingress":
            live.status = { loadBalancer: { ingress: [{ hostname: "traefik" }] } };
            return { live };
        case "PersistentVolumeClaim":
            live.status = { phase: old ? ((old.status as Props)?.phase ?? "Bound") : "Pending" };
            return { live };
        default:
            return { live };
    }
}

/** Keep the secret wrappers the engine sent on the values it sent (acceptSecrets: it does not re-annotate). */
function withSecrets(live: Props, inputs: Props): Props {
    const out = { ...live };
    for (const [k, v] of Object.entries(inputs)) if (isSecret(v)) out[k] = { ...v, value: live[k] };
    return out;
}

export const provider: sdk.Provider = {
    version,
    async check(urn, olds, news) {
        const { apiVersion, kind } = gvk(urn);
        const inputs: Props = { ...news, apiVersion, kind };
        const m = { ...((news.metadata as Props) ?? {}) } as Props & Meta;
        if (!m.name) {
            const old = metaOf(olds ?? {});
            if (old.name && old.annotations?.[autonamed] === "true") {
                m.name = old.name; // naming.go AdoptOldAutonameIfUnnamed
            } else {
                // naming.go AssignNameIfAutonamable; the suffix is a hash of the inputs (no random seed reaches a Node.js provider).
                m.name = `${urn.split("::").pop()}-${sha(urn, plain(news)).slice(0, 8)}`;
            }
            m.annotations = { ...(m.annotations ?? {}), [autonamed]: "true" };
        }
        inputs.metadata = m;
        return { inputs, failures: [] };
    },
    async diff(id, urn, olds, news) {
        const { apiVersion, kind } = gvk(urn);
        const after = plain<Props>(news);
        // The old inputs, as pulumi-kubernetes compares them (provider.go Diff: old live state pruned
        // to the inputs' shape); the @pulumi/pulumi server hands a provider the old outputs only, so
        // the cluster file keeps the applied inputs, and an imported object is pruned to the new ones.
        const cluster = peekCloud("kubernetes", emptyCluster);
        const before = cluster.applied?.[keyOfId(urn, id)] ?? (prune(inputsOf(plain(olds)), after) as Props);
        const paths = differingPaths(before, after);
        const forceNew = forceNewPaths(apiVersion, kind);
        const replaces = paths.filter((p) => forceNew.some((f) => matches(p, f))).map((p) => p.slice(1));
        const m = metaOf(news);
        if (kind === "Job" && m.annotations?.["pulumi.com/replaceUnready"] === "true") {
            const live = cluster.objects[keyOfId(urn, id)];
            const complete = ((live?.status as Props)?.conditions as Props[] | undefined)?.some((c) => c.type === "Complete" && c.status === "True");
            if (live && !complete) replaces.push('metadata.annotations["pulumi.com/replaceUnready"]');
        }
        const old = metaOf(olds);
        const deleteBeforeReplace =
            replaces.length > 0 && !!m.name && m.annotations?.[autonamed] !== "true" && m.name === old.name && namespaceOf(kind, m) === namespaceOf(kind, old);
        return { changes: paths.length > 0 || replaces.length > 0, replaces, deleteBeforeReplace };
    },
    async create(urn, inputs) {
        const { apiVersion, kind } = gvk(urn);
        if (hasUnknown(inputs)) throw new CloudError(`create of ${urn} with unknown inputs`);
        const obj = plain<Props>(inputs);
        const m = metaOf(obj);
        const ns = namespaceOf(kind, m);
        const id = idOf(kind, m);
        const { live, failure } = withCloud("kubernetes", emptyCluster, (c) => {
            if (ns && !builtIn.has(ns) && !c.objects[keyOf("v1", "Namespace", "", ns)]) throw new CloudError(`namespaces "${ns}" not found`);
            const key = keyOf(apiVersion, kind, ns, String(m.name));
            const existing = c.objects[key];
            if (existing && !c.upsertExistingObjects) {
                throw new CloudError(`resource "${id}" was not successfully created by the Kubernetes API server: ${kind.toLowerCase()}s "${String(m.name)}" already exists`);
            }
            const settled = settle(c, kind, obj, existing);
            c.objects[key] = settled.live;
            (c.applied ??= {})[key] = obj;
            (c.operations ??= []).push(`create ${key}`);
            return settled;
        });
        const outs = withSecrets(live, inputs);
        if (failure) throw new InitError(`Resource '${String(m.name)}' was created but failed to initialize`, id, outs, [failure]);
        return { id, outs };
    },
    async read(id, urn, props) {
        const live = peekCloud("kubernetes", emptyCluster).objects[keyOfId(urn, id)];
        if (!live) return gone(id, props);
        const { kind } = gvk(urn);
        const realId = idOf(kind, metaOf(live));
        return { id: realId, props: withSecrets(live, props ?? {}), inputs: withSecrets(inputsOf(live), props ?? {}) };
    },
    async update(id, urn, olds, news) {
        const { kind } = gvk(urn);
        const obj = plain<Props>(news);
        const { live, failure } = withCloud("kubernetes", emptyCluster, (c) => {
            const key = keyOfId(urn, id);
            const existing = c.objects[key];
            if (!existing) throw new CloudError(`${kind.toLowerCase()}s "${id}" not found`);
            const settled = settle(c, kind, obj, existing);
            c.objects[key] = settled.live;
            (c.applied ??= {})[key] = obj;
            (c.operations ??= []).push(`update ${key}`);
            return settled;
        });
        const outs = withSecrets(live, news);
        if (failure) throw new InitError(`Resource '${String(metaOf(obj).name)}' was updated but failed to initialize`, id, outs, [failure]);
        void olds;
        return { outs };
    },
    async delete(id, urn) {
        const { kind } = gvk(urn);
        withCloud("kubernetes", emptyCluster, (c) => {
            const key = keyOfId(urn, id);
            if (c.objects[key]) (c.operations ??= []).push(`delete ${key}`);
            delete c.objects[key];
            delete c.applied?.[key];
            // Deleting a namespace deletes everything in it.
            if (kind === "Namespace") for (const k of Object.keys(c.objects)) if (k.split("/").slice(-2, -1)[0] === id && !k.includes("/Namespace/")) {
                    delete c.objects[k];
                    delete c.applied?.[k];
                }
        });
    },
};
