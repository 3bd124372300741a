// 11. `pulumi destroy` is refused while protect is on; with it off, everything goes and the hosts
//     are drained.
import { HOSTS } from "../harness/estate";
import type { Scenario } from "../harness/scenario";

export const destroy: Scenario = {
    name: "destroy, protected then not",
    async run(estate, check) {
        const refused = await estate.pulumi.operation("destroy");
        check.exit(refused, "fail", "destroy with protect on");
        check.that(/protect/i.test(refused.stdout + refused.stderr), "the CLI names protection as the reason");
        check.that(JSON.stringify(estate.cloud("hcloud") ?? {}).includes(estate.nodeNames[0]), "the servers are still there");

        estate.setPlain({ "honeydue:protect": false });
        const unprotect = await estate.pulumi.operation("up");
        check.exit(unprotect, "ok", "up with protect off");
        const gone = await estate.pulumi.operation("destroy");
        check.exit(gone, "ok", "destroy with protect off");
        const hcloud = JSON.stringify(estate.cloud("hcloud") ?? {});
        for (const n of estate.nodeNames) check.that(!hcloud.includes(`"${n}"`), `server ${n} is gone from the simulated hcloud`);
        const nodes = estate.ssh(HOSTS[0], "k3s kubectl get nodes -o name");
        check.that(!nodes.out.includes(`node/${estate.nodeNames[2]}`), `the cluster no longer lists ${estate.nodeNames[2]}: ${nodes.out.trim()}`);
        return [refused, unprotect, gone];
    },
};
