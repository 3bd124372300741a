// Adopting the running estate under mocks: with provider ids configured, exactly those Hetzner and
// Cloudflare resources carry Pulumi's `import` id, the estate is otherwise the fresh one (same
// resources, same names), the policy pack still passes, and the plan says "import", not "create".
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { runPlan } from "../offline/plan";
import { evaluate } from "../offline/policies";
import { ofType, one, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { recordedKeyDials } from "../infra/k3s/connection";
import { hostKeysFor } from "./support/hostKeys";

const zone = "023e105f4ecef8ad9ca31a8372d0c353";
const rec = (n: number) => `${zone}/${String(n).padStart(32, "0")}`;

/** Everything adopted except node 3, a few of node 3's records and the always_use_https setting. */
const adopt = {
    sshKey: "101",
    placementGroup: "102",
    network: "103",
    subnet: "103-10.0.1.0/24",
    firewall: "104",
    servers: { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-2": "202" },
    dnsRecords: {
        "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a": rec(1),
        "api.myhoneydue.com-ubuntu-8gb-nbg1-2-a": rec(2),
        "admin.myhoneydue.com-ubuntu-8gb-nbg1-1-a": rec(3),
        "myhoneydue.com-ubuntu-8gb-nbg1-1-aaaa": rec(4),
    },
    zoneSettings: { ssl: `${zone}/ssl`, min_tls_version: `${zone}/min_tls_version` },
};

/** The host keys the operator recorded for the adopted servers (README, "SSH"). */
const hostKeys = hostKeysFor(adopt.servers);

/** The import id each adopted resource must carry, by type and resource name. */
const expected: Record<string, string> = {
    "hcloud:index/sshKey:SshKey::honeydue-operator": "101",
    "hcloud:index/placementGroup:PlacementGroup::honeydue-spread": "102",
    "hcloud:index/network:Network::honeydue-private": "103",
    "hcloud:index/networkSubnet:NetworkSubnet::honeydue-private-nodes": "103-10.0.1.0/24",
    "hcloud:index/firewall:Firewall::honeydue-firewall": "104",
    "hcloud:index/server:Server::ubuntu-8gb-nbg1-1": "201",
    "hcloud:index/server:Server::ubuntu-8gb-nbg1-2": "202",
    ...Object.fromEntries(Object.entries(adopt.dnsRecords).map(([name, id]) => [`cloudflare:index/dnsRecord:DnsRecord::${name}`, id])),
    "cloudflare:index/zoneSetting:ZoneSetting::myhoneydue.com-ssl": `${zone}/ssl`,
    "cloudflare:index/zoneSetting:ZoneSetting::myhoneydue.com-min-tls-version": `${zone}/min_tls_version`,
};

const key = (r: Registration) => `${r.type}::${r.name}`;
const provider = (r: Registration) => r.custom && /^(hcloud|cloudflare):index\//.test(r.type);

let estate: Estate;
let fresh: Registration[];
let plan: string;
before(async () => {
    // The fresh estate, then the adopted one; the plan renders the adopted configuration's run again.
    // Node 3 has no server id, so it is created: that needs honeydue:newEstate (config/newEstate.ts).
    fresh = (await runEstate()).resources;
    estate = await runEstate({ overrides: { "honeydue:adopt": adopt, "honeydue:newEstate": true, "honeydue:hostKeys": hostKeys } });
    plan = (await runPlan(["--set", `adopt=${JSON.stringify(adopt)}`, "--set", "newEstate=true", "--set", `hostKeys=${JSON.stringify(hostKeys)}`])).stdout;
});

describe("adopting the running estate", () => {
    it("pins an adopted node to the host key the operator recorded, and generates one only for the server it builds", () => {
        const keys = ofType(estate.resources, "tls:index/privateKey:PrivateKey").map((k) => k.name);
        assert.deepEqual(keys, ["ubuntu-8gb-nbg1-3-host-key"]);
        // The server it builds may take minutes to answer SSH: dialled until the step's timeout.
        const built = one(estate.resources, "hcloud:index/server:Server", "ubuntu-8gb-nbg1-3").state.ipv4Address;
        const builtCommands = ofType(estate.resources, "command:remote:Command").filter((c) => (unwrap(c.inputs.connection) as { host: string }).host === built);
        assert.ok(builtCommands.length >= 4);
        for (const c of builtCommands) assert.equal((unwrap(c.inputs.connection) as { dialErrorLimit?: number }).dialErrorLimit, -1, c.name);
        const commands = ofType(estate.resources, "command:remote:Command");
        for (const [node, key] of Object.entries(hostKeys)) {
            const ip = one(estate.resources, "hcloud:index/server:Server", node).state.ipv4Address;
            const own = commands.filter((c) => (unwrap(c.inputs.connection) as { host: string }).host === ip);
            assert.ok(own.length >= 4, node);
            for (const c of own) assert.equal((unwrap(c.inputs.connection) as { hostKey?: string }).hostKey, key, `${c.name} pins the recorded key`);
            // A wrong recorded key fails within minutes with the provider's own "host key mismatch"
            // (infra/k3s/connection.ts), not after the step's 20 min as "context deadline exceeded".
            for (const c of own) assert.equal((unwrap(c.inputs.connection) as { dialErrorLimit?: number }).dialErrorLimit, recordedKeyDials, `${c.name} gives up dialling`);
            // Its sshd was not configured by this program's cloud-init: the wait step checks the hardening, not the key file.
            assert.doesNotMatch(String(one(estate.resources, "command:remote:Command", `${node}-wait`).inputs.create), /hostkey=/);
        }
    });

    it("imports every configured Hetzner and Cloudflare resource by its provider id", () => {
        const got = Object.fromEntries(estate.resources.filter((r) => r.importId).map((r) => [key(r), r.importId]));
        assert.deepEqual(got, expected);
    });

    it("creates the provider resources no id was given for (node 3, its records, always_use_https)", () => {
        const created = estate.resources.filter((r) => provider(r) && !r.importId).map(key);
        assert.ok(created.includes("hcloud:index/server:Server::ubuntu-8gb-nbg1-3"));
        assert.ok(created.includes("cloudflare:index/dnsRecord:DnsRecord::api.myhoneydue.com-ubuntu-8gb-nbg1-3-a"));
        assert.ok(created.includes("cloudflare:index/zoneSetting:ZoneSetting::myhoneydue.com-always-use-https"));
        assert.equal(created.length + Object.keys(expected).length, estate.resources.filter(provider).length);
    });

    it("imports nothing outside the Hetzner and Cloudflare layers (k3s, workloads)", () => {
        assert.deepEqual(estate.resources.filter((r) => r.importId && !provider(r)).map(key), []);
    });

    it("is the fresh estate's shape: the same resources under the same names, none extra, none missing", () => {
        assert.deepEqual(estate.duplicates, []);
        // Less only the host keys of the adopted servers: their keys are recorded, not generated.
        const recorded = Object.keys(hostKeys).map((n) => `${n}-host-key`);
        assert.deepEqual(estate.resources.map((r) => r.urn).sort(), fresh.filter((r) => !recorded.includes(r.name)).map((r) => r.urn).sort());
        assert.ok(fresh.every((r) => !r.importId), "the fresh estate imports nothing");
    });

    it("builds on the adopted ids: servers join the adopted network, placement group and firewall", () => {
        for (const name of ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"]) {
            const s = one(estate.resources, "hcloud:index/server:Server", name);
            assert.equal((s.inputs.networks as { networkId: number }[])[0].networkId, 103);
            assert.equal(s.inputs.placementGroupId, 102);
            assert.deepEqual(s.inputs.firewallIds, [104]);
        }
        assert.equal(one(estate.resources, "hcloud:index/networkSubnet:NetworkSubnet", "honeydue-private-nodes").inputs.networkId, 103);
    });

    it("leaves an adopted server's public networks and placement group alone, a new server's not", () => {
        const s1 = one(estate.resources, "hcloud:index/server:Server", "ubuntu-8gb-nbg1-1");
        const s3 = one(estate.resources, "hcloud:index/server:Server", "ubuntu-8gb-nbg1-3");
        assert.deepEqual([...s1.ignoreChanges].sort(), ["image", "placementGroupId", "publicNets", "sshKeys", "userData"]);
        assert.deepEqual([...s3.ignoreChanges].sort(), ["image", "sshKeys", "userData"]);
        // Still protected and replaced delete-first, like every server.
        for (const s of [s1, s3]) {
            assert.equal(s.protect, true);
            assert.equal(s.deleteBeforeReplace, true);
        }
    });

    it("keeps the inputs of adopted resources what a fresh estate would send (no adoption-only values)", () => {
        const freshByUrn = new Map(fresh.map((r) => [r.urn, r]));
        for (const r of estate.resources.filter((x) => x.importId && x.type.startsWith("cloudflare:"))) {
            assert.deepEqual(r.inputs, freshByUrn.get(r.urn)!.inputs, `${r.name}'s inputs`);
        }
    });

    it("still passes the policy pack", async () => {
        const report = await evaluate(estate.resources);
        assert.deepEqual(report.mandatory, []);
        assert.ok(report.verdicts.some((v) => v.policy.startsWith("hetzner") && v.status === "passed"));
    });

    it("shows adoption in the plan: `=` and the import id instead of `+`, and the counts per layer", () => {
        assert.match(plan, /infra: Nodes \(honeydue\)\s+2 to create, 7 to import/);
        assert.match(plan, /edge: Cloudflare \(honeydue\)\s+15 to create, 6 to import/);
        assert.match(plan, /= hcloud Server\s+ubuntu-8gb-nbg1-1 {2}import 201\n/);
        assert.match(plan, /\+ hcloud Server\s+ubuntu-8gb-nbg1-3\n/);
        assert.match(plan, /= hcloud NetworkSubnet\s+honeydue-private-nodes {2}import 103-10\.0\.1\.0\/24\n/);
        assert.match(plan, new RegExp(`= cloudflare ZoneSetting\\s+myhoneydue\\.com-ssl {2}import ${zone}/ssl\\n`));
        assert.match(plan, /adopted: kept as it runs/);
        assert.doesNotMatch(plan, /\+ hcloud Server\s+ubuntu-8gb-nbg1-1/);
    });
});
