// 4. `pulumi up --replace` on node 3's server: node 3 is drained and leaves the cluster before its
//    server goes, then rejoins; nodes 1 and 2 are untouched; only node 3's DNS records change.
import { HOSTS } from "../harness/estate";
import { before, changed, urnName, type Scenario } from "../harness/scenario";

export const replaceNode: Scenario = {
    name: "replace node 3",
    async run(estate, check) {
        const [n1, n2, n3] = estate.nodeNames;
        const exported = JSON.parse((await estate.pulumi.run(["stack", "export", "--stack", "rehearsal"])).stdout);
        const server = exported.deployment.resources.find((r: any) => r.type === "hcloud:index/server:Server" && urnName(r.urn) === n3);
        if (!check.that(server !== undefined, `node 3's server ${n3} is in the state`)) return [];

        const up = await estate.pulumi.operation("up", ["--replace", server.urn]);
        check.exit(up, "ok", `up --replace ${n3}`);

        // The engine's account: the drain (node 3's membership delete) finishes before the old
        // server is deleted; node 3's k3s comes back after the new server.
        const serverSteps = up.steps.filter((s) => urnName(s.urn) === n3).map((s) => s.op);
        check.that(serverSteps.includes("create-replacement") || serverSteps.includes("replace"), `${n3} was replaced (${serverSteps.join(", ")})`);
        before(up, check, [`${n3}-membership`, "delete"], [n3, "delete-replaced"]);
        before(up, check, [n3, "create-replacement"], [`${n3}-k3s`]);
        const touched = changed(up.steps).filter((s) => [n1, n2].some((n) => urnName(s.urn) === n || urnName(s.urn).startsWith(`${n}-`)));
        check.that(touched.length === 0, `nodes 1 and 2 untouched: ${touched.map((s) => `${s.op} ${urnName(s.urn)}`).join(", ")}`);
        const records = changed(up.steps).filter((s) => s.type === "cloudflare:index/dnsRecord:DnsRecord");
        const foreign = records.filter((s) => !urnName(s.urn).includes(n3));
        check.that(foreign.length === 0, `only node 3's DNS records change: ${foreign.map((s) => urnName(s.urn)).join(", ")}`);

        // The hosts: the cluster has three members again, node 3 among them, and it is schedulable.
        const nodes = estate.ssh(HOSTS[0], "k3s kubectl get nodes -o name");
        check.that(nodes.code === 0 && [n1, n2, n3].every((n) => nodes.out.includes(`node/${n}`)), `the cluster lists all three nodes after the rejoin: ${nodes.out.trim()}`);
        const cordoned = estate.ssh(HOSTS[0], `k3s kubectl get node ${n3} -o jsonpath='{.spec.unschedulable}'`);
        check.that(cordoned.code === 0 && cordoned.out.trim() !== "true", `${n3} is schedulable again: ${cordoned.out.trim()}`);
        return [up];
    },
};
