// The pack over the estate the program builds (under mocks): it passes with no mandatory violation,
// and each broken copy of it — one convention broken at a time — fails with exactly the expected policy.
// Layers not on this branch yet (k3s, edge, workloads) are covered by the hand-made tests; their
// broken copies belong here once those layers register resources.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { evaluate } from "../offline/policies";
import { ofType } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { policies } from "../policy/all";

let estate: Estate;
before(async () => {
    estate = await runEstate();
});

const S = "hcloud:index/server:Server";
const F = "hcloud:index/firewall:Firewall";

/** The mandatory policies a set of resources violates, and their messages. */
async function failures(resources: Registration[]) {
    const report = await evaluate(resources);
    return { policies: [...new Set(report.mandatory.map((v) => v.policy))], messages: report.mandatory.map((v) => v.message), report };
}

/** A deep copy of the captured estate with one thing broken. */
function broken(fix: (rs: Registration[]) => void): Registration[] {
    const copy = structuredClone(estate.resources);
    fix(copy);
    return copy;
}

const firstServer = (rs: Registration[]) => ofType(rs, S)[0];
const rules = (rs: Registration[]) => ofType(rs, F)[0].inputs.rules as { port?: string; sourceIps: string[] }[];

describe("the whole estate", () => {
    it("passes every policy with no mandatory violation", async () => {
        const { report } = await failures(estate.resources);
        assert.deepEqual(report.mandatory, []);
        assert.deepEqual(report.violations, []);
    });

    it("is really checked: every Hetzner policy and the server count ran and passed", async () => {
        const { report } = await failures(estate.resources);
        const status = Object.fromEntries(report.verdicts.map((v) => [v.policy, v.status]));
        for (const p of policies.filter((x) => x.name.startsWith("hetzner-")).map((x) => x.name)) assert.equal(status[p], "passed", p);
        assert.equal(status["stack-odd-server-count"], "passed");
        assert.equal(report.verdicts.length, policies.length);
    });
});

const cases: [string, string, (rs: Registration[]) => void, RegExp][] = [
    ["a server of another type", "hetzner-server-type", (rs) => (firstServer(rs).inputs.serverType = "cx53"), /server type cx53 is not allowed/],
    ["a server in another location", "hetzner-server-location", (rs) => (firstServer(rs).inputs.location = "fsn1"), /location fsn1 is not allowed/],
    ["a server outside the placement group", "hetzner-server-placement-group", (rs) => delete firstServer(rs).inputs.placementGroupId, /in no placement group/],
    ["a server without the firewall", "hetzner-server-firewall", (rs) => (firstServer(rs).inputs.firewallIds = []), /has no firewall/],
    ["a server without protect", "hetzner-server-protected", (rs) => (firstServer(rs).protect = false), /set the resource option protect: true/],
    ["a server without Hetzner's delete protection", "hetzner-server-protected", (rs) => (firstServer(rs).inputs.deleteProtection = false), /deleteProtection: true/],
    ["SSH open to the world", "hetzner-firewall-cluster-ports-closed", (rs) => (rules(rs).find((r) => r.port === "22")!.sourceIps = ["0.0.0.0/0"]), /tcp 22 is open to the world/],
    ["the Kubernetes API open to the world", "hetzner-firewall-cluster-ports-closed", (rs) => rules(rs).find((r) => r.port === "6443")!.sourceIps.push("::/0"), /tcp 6443 is open to the world/],
    ["HTTPS from anywhere", "hetzner-firewall-web-from-cloudflare", (rs) => rules(rs).find((r) => r.port === "443")!.sourceIps.push("198.51.100.0/24"), /443 admits 198\.51\.100\.0\/24/],
    ["an even number of servers", "stack-odd-server-count", (rs) => rs.splice(rs.indexOf(ofType(rs, S)[2]), 1), /has 2 servers/],
];

describe("broken copies of the estate", () => {
    for (const [what, policy, fix, message] of cases) {
        it(`${what} fails ${policy}`, async () => {
            const f = await failures(broken(fix));
            assert.deepEqual(f.policies, [policy]);
            assert.match(f.messages.join("\n"), message);
        });
    }

    it("leave the captured estate itself untouched", async () => {
        assert.deepEqual((await failures(estate.resources)).policies, []);
    });
});
