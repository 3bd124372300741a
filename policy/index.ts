// The CrossGuard pack the CLI runs with `pulumi preview --policy-pack policy`. Only the constructor
// lives here: it starts a gRPC server, so tests and the offline plan import ./all instead. Before
// it, the pack records secret-ness and guards its configuration (./serve); after it, checks the guard is on.
import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, packName, policies } from "./all";
import { assertGuarded, prepare } from "./serve";

prepare(policies);

new PolicyPack(packName, {
    policies,
    enforcementLevel: packEnforcementLevel,
    description: "Keeps the honeyDue estate to its conventions: Hetzner, k3s bootstrap, Cloudflare edge, Kubernetes workloads, whole stack.",
});
assertGuarded();
