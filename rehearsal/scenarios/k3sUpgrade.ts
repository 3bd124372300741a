// 5. A k3s version bump upgrades node by node, in order, and changes nothing else (DESIGN.md §6:
//    "Changing the k3s version upgrades node by node").
import { HOSTS, k3sPins } from "../harness/estate";
import { before, changed, urnName, type Scenario } from "../harness/scenario";

export const NEXT_K3S = "v1.34.7+k3s1";

export const k3sUpgrade: Scenario = {
    name: "k3s version bump",
    async run(estate, check) {
        // A version bump records the new release's hashes with it (docs/runbook/upgrade-k3s.md).
        estate.setPlain({ "honeydue:k3sVersion": NEXT_K3S, ...k3sPins(estate.root, NEXT_K3S) });
        const up = await estate.pulumi.operation("up");
        check.exit(up, "ok", `up with k3sVersion ${NEXT_K3S}`);
        const [n1, n2, n3] = estate.nodeNames;
        before(up, check, [`${n1}-ready`], [`${n2}-k3s`]);
        before(up, check, [`${n2}-ready`], [`${n3}-k3s`]);
        const allowed = new Set(estate.nodeNames.flatMap((n) => [`${n}-k3s`, `${n}-ready`]));
        const others = changed(up.steps).filter((s) => !allowed.has(urnName(s.urn)));
        check.that(others.length === 0, `only the nodes' k3s steps change: ${others.map((s) => `${s.op} ${urnName(s.urn)}`).join(", ")}`);
        check.that(!up.changes.replace && !up.changes.delete && !up.changes.create, `nothing created, replaced or deleted: ${JSON.stringify(up.changes)}`);
        HOSTS.forEach((host, i) => {
            const v = estate.ssh(host, "k3s --version");
            check.that(v.out.includes(NEXT_K3S), `${estate.nodeNames[i]} runs ${NEXT_K3S}: ${v.out.split("\n")[0]}`);
        });
        return [up];
    },
};
