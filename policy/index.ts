// The CrossGuard pack the CLI runs with `pulumi preview --policy-pack policy`. Only the constructor
// lives here: it starts a gRPC server, so tests and the offline plan import ./all instead.
import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, packName, policies } from "./all";

new PolicyPack(packName, {
    policies,
    enforcementLevel: packEnforcementLevel,
    description: "Keeps the honeyDue estate to its conventions: Hetzner, k3s bootstrap, Cloudflare edge, Kubernetes workloads, whole stack.",
});
