// The edge under mocks with the prod stack: round-robin DNS (one proxied A and one AAAA record per
// node per app hostname, apex included), each record following only its own server, the zone
// looked up by name, the zone's TLS settings and the `dns` output.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { stripVTControlCharacters } from "node:util";
import type { Registration } from "../offline/capture";
import { mockZoneId } from "../offline/mocks-edge";
import { dependsOn, ofType } from "../offline/query";
import { resourceSections } from "../offline/render";
import { runEstate, type Estate } from "../offline/run";

const R = "cloudflare:index/dnsRecord:DnsRecord";
const Z = "cloudflare:index/zoneSetting:ZoneSetting";
const hosts = ["api.myhoneydue.com", "admin.myhoneydue.com", "myhoneydue.com"];
const nodeNames = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];

let estate: Estate;
let records: Registration[];
let servers: Map<string, Registration>;
/** What offline/mocks-edge.ts answers for the zone's lookup by name. */
const zoneId = mockZoneId("myhoneydue.com");
before(async () => {
    estate = await runEstate();
    records = ofType(estate.resources, R);
    servers = new Map(ofType(estate.resources, "hcloud:index/server:Server").map((s) => [String(s.inputs.name), s]));
});

/** Records of one hostname and type, keyed by the node named in the comment. */
const recordsOf = (host: string, type: string) => records.filter((r) => r.inputs.name === host && r.inputs.type === type);
const nodeOf = (r: Registration) => /; node (\S+)$/.exec(String(r.inputs.comment))?.[1];

describe("edge: the zone", () => {
    it("is looked up by name, with a name filter, and its id used by every record and setting", () => {
        const lookups = estate.invokes.filter((i) => i.token === "cloudflare:index/getZone:getZone");
        assert.deepEqual(lookups.map((l) => l.inputs), [{ filter: { name: "myhoneydue.com" } }], "looked up once, by name");
        for (const r of [...records, ...ofType(estate.resources, Z)]) assert.equal(r.inputs.zoneId, zoneId, r.name);
    });

    // infra/cloudflare/zone.ts currentSsl: on Flexible neither port 80 nor the ssl gate depends on the zone's current mode.
    it("reads nothing else of the zone on Flexible: no setting, no origin-pull certificates (the API token needs no Zone Settings Read)", () => {
        assert.deepEqual([...new Set(estate.invokes.map((i) => i.token))].filter((t) => t.startsWith("cloudflare:")).sort(), [
            "cloudflare:index/getIpRanges:getIpRanges",
            "cloudflare:index/getZone:getZone",
        ]);
    });

    it("puts every record and setting in one honeydue:edge:Cloudflare component at the top level", () => {
        const edge = estate.resources.filter((r) => r.type === "honeydue:edge:Cloudflare");
        assert.equal(edge.length, 1);
        const stack = estate.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
        assert.equal(edge[0].parent, stack.urn);
        for (const r of [...records, ...ofType(estate.resources, Z)]) assert.equal(r.parent, edge[0].urn, r.name);
        assert.deepEqual(estate.duplicates, []);
    });
});

describe("edge: round-robin records", () => {
    it("publishes exactly one proxied A record per node per app hostname, TTL automatic", () => {
        assert.equal(records.filter((r) => r.inputs.type === "A").length, hosts.length * nodeNames.length);
        for (const host of hosts) {
            const a = recordsOf(host, "A");
            assert.deepEqual(a.map(nodeOf).sort(), nodeNames, host);
            for (const r of a) {
                assert.equal(r.inputs.proxied, true, r.name);
                assert.equal(r.inputs.ttl, 1, r.name);
            }
        }
    });

    it("points each A record at its own server's public IPv4", () => {
        for (const host of hosts) {
            for (const r of recordsOf(host, "A")) {
                const server = servers.get(nodeOf(r)!)!;
                assert.equal(r.inputs.content, server.state.ipv4Address, r.name);
            }
            assert.deepEqual(recordsOf(host, "A").map((r) => r.inputs.content).sort(), ["203.0.113.11", "203.0.113.12", "203.0.113.13"]);
        }
    });

    it("publishes a proxied AAAA record per node per hostname to its server's IPv6 when ipv6 is on", () => {
        assert.equal(records.filter((r) => r.inputs.type === "AAAA").length, hosts.length * nodeNames.length);
        for (const host of hosts) {
            const aaaa = recordsOf(host, "AAAA");
            assert.deepEqual(aaaa.map(nodeOf).sort(), nodeNames, host);
            for (const r of aaaa) {
                assert.equal(r.inputs.content, servers.get(nodeOf(r)!)!.state.ipv6Address, r.name);
                assert.match(String(r.inputs.content), /^2001:db8:/);
                assert.equal(r.inputs.proxied, true);
                assert.equal(r.inputs.ttl, 1);
            }
        }
    });

    it("handles the apex by its full name (the zone), never '@'", () => {
        const apex = records.filter((r) => r.inputs.name === "myhoneydue.com");
        assert.equal(apex.length, 6);
        assert.deepEqual(apex.filter((r) => r.inputs.type === "A").map(nodeOf).sort(), nodeNames);
        assert.ok(!records.some((r) => r.inputs.name === "@" || String(r.inputs.name).endsWith(".")));
    });

    it("says in every record's comment that the estate manages it, and for which node", () => {
        for (const r of records) assert.match(String(r.inputs.comment), /^managed by the honeydue estate \(pulumi\); node ubuntu-8gb-nbg1-[123]$/);
    });

    it("names records stably per hostname, node and type", () => {
        for (const r of records) assert.equal(r.name, `${r.inputs.name}-${nodeOf(r)}-${String(r.inputs.type).toLowerCase()}`);
        assert.equal(new Set(records.map((r) => r.name)).size, records.length);
    });

    it("makes each record depend on its own server and nothing else, so replacing a node touches only its records", () => {
        for (const r of records) {
            const own = servers.get(nodeOf(r)!)!;
            const direct = new Set([...r.dependencies, ...Object.values(r.propertyDependencies).flat()]);
            assert.deepEqual([...direct], [own.urn], r.name);
            assert.deepEqual(r.propertyDependencies.content, [own.urn], r.name);
            for (const other of servers.values()) if (other !== own) assert.ok(!dependsOn(r, other, estate.resources), `${r.name} must not wait for ${other.name}`);
        }
    });
});

describe("edge: zone settings", () => {
    it("sets ssl flexible, always_use_https on and min_tls_version 1.2 by their API ids", () => {
        const settings = ofType(estate.resources, Z);
        assert.deepEqual(
            Object.fromEntries(settings.map((s) => [s.inputs.settingId, s.inputs.value])),
            { ssl: "flexible", always_use_https: "on", min_tls_version: "1.2" },
        );
        assert.equal(settings.length, 3);
        // ssl waits for the firewall (port 80 open before Cloudflare uses it: the way back from strict, README "The origin").
        const firewall = ofType(estate.resources, "hcloud:index/firewall:Firewall")[0];
        for (const s of settings) {
            const waits = [...s.dependencies, ...Object.values(s.propertyDependencies).flat()];
            assert.deepEqual(waits, s.inputs.settingId === "ssl" ? [firewall.urn] : [], `${s.name} waits for ${s.inputs.settingId === "ssl" ? "the firewall" : "nothing"}`);
        }
    });
});

describe("edge: the dns output", () => {
    it("lists every hostname's addresses, whether it is proxied, and the zone settings", () => {
        const a = ["203.0.113.11", "203.0.113.12", "203.0.113.13"];
        const aaaa = ["2001:db8:0:b::1", "2001:db8:0:c::1", "2001:db8:0:d::1"];
        const host = { proxied: true, ttl: 1, nodes: nodeNames, a, aaaa };
        assert.deepEqual(estate.outputs.dns, {
            zone: "myhoneydue.com",
            zoneId,
            records: { "api.myhoneydue.com": host, "admin.myhoneydue.com": host, "myhoneydue.com": host },
            outOfRotation: [],
            settings: { ssl: "flexible", always_use_https: "on", min_tls_version: "1.2" },
        });
    });
});

describe("edge: the plan", () => {
    it("shows each record as hostname → address (node) and each zone setting with what it means", () => {
        const edge = resourceSections(estate).find((s) => s.title === "edge: Cloudflare (honeydue)");
        assert.ok(edge, "the edge has its own section");
        const text = stripVTControlCharacters(edge.lines.join("\n"));
        for (const host of hosts) {
            for (const [i, node] of nodeNames.entries()) {
                assert.ok(text.includes(`A ${host} → 203.0.113.1${i + 1} (${node}), proxied through Cloudflare, TTL auto`), `${host} ${node}`);
            }
        }
        assert.match(text, /ssl = flexible - Cloudflare → origin over plain HTTP on port 80; the origin must not redirect to HTTPS/);
        assert.match(text, /always_use_https = on/);
        assert.match(text, /min_tls_version = 1\.2/);
    });
});
