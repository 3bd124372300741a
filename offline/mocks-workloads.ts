// What the Kubernetes API server would answer for the workloads, offline: objects without a
// metadata.name get one the way Pulumi auto-names them (the resource name plus a suffix), so the
// pods that reference them see a real name. Deterministic: the suffix is a hash of the name.
import { addResourceState, mockHash } from "./mockRegistry";

const autoNamed = ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"];

for (const type of autoNamed) {
    addResourceState(type, (a) => {
        const metadata = (a.inputs.metadata ?? {}) as Record<string, unknown>;
        if (metadata.name) return {};
        const suffix = mockHash(`${type}/${a.name}`).slice(0, 8);
        return { metadata: { ...metadata, name: `${a.name}-${suffix}` } };
    });
}
