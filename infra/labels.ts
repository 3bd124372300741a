// One set of labels for every cloud resource, so `hcloud server list -l estate=honeydue` finds them.
import type { EstateConfig } from "../config";

export function estateLabels(config: Pick<EstateConfig, "stack">, extra: Record<string, string> = {}): Record<string, string> {
    return { estate: "honeydue", stack: config.stack, "managed-by": "pulumi", ...extra };
}
