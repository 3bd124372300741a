// The cluster token node 1 starts (or keeps running) the cluster with. Configured
// (honeydue:k3sToken): the running cluster's when adopting it, a new one when rotating it; the
// RandomPassword is then not created at all. Otherwise a RandomPassword, as on a cluster this
// program built. Either way a secret that reaches the node only on a command's stdin.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { EstateConfig } from "../../config";

export function clusterToken(name: string, config: EstateConfig, parent: pulumi.Resource): pulumi.Output<string> {
    // Optional secrets are absent from config.secrets when unset (the type cannot say so).
    const configured = (config.secrets as Partial<EstateConfig["secrets"]>).k3sToken;
    if (configured) return pulumi.secret(configured.apply((t) => t ?? ""));
    const generated = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent });
    return pulumi.secret(generated.result);
}
