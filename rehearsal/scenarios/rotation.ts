// 6. A node goes out of rotation (honeydue:outOfRotation), then comes back: only its DNS records go
//    and return; no server, k3s step or workload changes.
import { HOSTS } from "../harness/estate";
import { changed, urnName, type Scenario } from "../harness/scenario";

export const rotation: Scenario = {
    name: "node out of rotation and back",
    async run(estate, check) {
        const n2 = estate.nodeNames[1];
        estate.setPlain({ "honeydue:outOfRotation": [n2] });
        const out = await estate.pulumi.operation("up");
        check.exit(out, "ok", `up with ${n2} out of rotation`);
        const gone = changed(out.steps);
        check.that(gone.length > 0 && gone.every((s) => s.op === "delete" && s.type === "cloudflare:index/dnsRecord:DnsRecord" && urnName(s.urn).includes(n2)), `only ${n2}'s records are deleted: ${gone.map((s) => `${s.op} ${urnName(s.urn)}`).join(", ")}`);
        check.that(!JSON.stringify(estate.cloud("cloudflare") ?? {}).includes(`"${HOSTS[1]}"`), `no record points at ${HOSTS[1]} while ${n2} is out`);

        estate.setPlain({ "honeydue:outOfRotation": [] });
        const back = await estate.pulumi.operation("up");
        check.exit(back, "ok", `up with ${n2} back in rotation`);
        const returned = changed(back.steps);
        check.that(returned.length === gone.length && returned.every((s) => s.op === "create" && urnName(s.urn).includes(n2)), `the same records come back: ${returned.map((s) => `${s.op} ${urnName(s.urn)}`).join(", ")}`);
        check.that(JSON.stringify(estate.cloud("cloudflare") ?? {}).includes(`"${HOSTS[1]}"`), `records point at ${HOSTS[1]} again`);
        return [out, back];
    },
};
