// The edge with another configuration (a second process, since mocks are process-global): IPv6 off,
// node 3 out of rotation, a DNS-only API hostname, a pinned zone id and the strict SSL mode.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { ofType } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";

const R = "cloudflare:index/dnsRecord:DnsRecord";
const pinnedZoneId = "0123456789abcdef0123456789abcdef";
const serving = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2"];

let estate: Estate;
let records: Registration[];
before(async () => {
    estate = await runEstate({
        overrides: {
            "honeydue:ipv6": "false",
            "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-3"],
            "honeydue:apiHostname": "k8s.myhoneydue.com",
            "honeydue:zoneId": pinnedZoneId,
            "honeydue:sslMode": "strict",
            "honeydue:minTlsVersion": "1.3",
        },
    });
    records = ofType(estate.resources, R);
});

const nodeOf = (r: Registration) => /; node (\S+)$/.exec(String(r.inputs.comment))?.[1];
const byHost = (host: string) => records.filter((r) => r.inputs.name === host);

describe("edge: another configuration", () => {
    it("publishes no AAAA record when ipv6 is off", () => {
        assert.ok(records.length > 0);
        assert.deepEqual(records.filter((r) => r.inputs.type !== "A").map((r) => r.name), []);
    });

    it("gives the servers no public IPv6 address when ipv6 is off", () => {
        const servers = ofType(estate.resources, "hcloud:index/server:Server");
        assert.equal(servers.length, 3);
        for (const s of servers) assert.deepEqual(s.inputs.publicNets, [{ ipv4Enabled: true, ipv6Enabled: false }], s.name);
    });

    it("withdraws every record of a node out of rotation, and only that node's", () => {
        for (const host of ["api.myhoneydue.com", "admin.myhoneydue.com", "myhoneydue.com", "k8s.myhoneydue.com"]) {
            assert.deepEqual(byHost(host).map(nodeOf).sort(), serving, host);
        }
        assert.ok(!records.some((r) => nodeOf(r) === "ubuntu-8gb-nbg1-3"));
        assert.equal(ofType(estate.resources, "hcloud:index/server:Server").length, 3, "the server itself stays");
    });

    it("gives the API hostname DNS-only A records with a short TTL, to the nodes' real addresses", () => {
        const api = byHost("k8s.myhoneydue.com");
        assert.equal(api.length, 2);
        for (const r of api) {
            assert.equal(r.inputs.type, "A");
            assert.equal(r.inputs.proxied, false);
            assert.equal(r.inputs.ttl, 60);
        }
        assert.deepEqual(api.map((r) => r.inputs.content).sort(), ["203.0.113.11", "203.0.113.12"]);
        for (const r of records.filter((x) => x.inputs.name !== "k8s.myhoneydue.com")) assert.equal(r.inputs.proxied, true, r.name);
    });

    it("uses a configured zone id without looking the zone up", () => {
        assert.deepEqual(estate.invokes.filter((i) => i.token === "cloudflare:index/getZone:getZone"), []);
        for (const r of [...records, ...ofType(estate.resources, "cloudflare:index/zoneSetting:ZoneSetting")]) assert.equal(r.inputs.zoneId, pinnedZoneId, r.name);
    });

    it("sets the configured SSL mode and minimum TLS version", () => {
        const settings = ofType(estate.resources, "cloudflare:index/zoneSetting:ZoneSetting");
        assert.deepEqual(Object.fromEntries(settings.map((s) => [s.inputs.settingId, s.inputs.value])), { ssl: "strict", always_use_https: "on", min_tls_version: "1.3" });
    });

    it("reports the withdrawn node and the DNS-only name in the dns output", () => {
        const dns = estate.outputs.dns as { zoneId: string; outOfRotation: string[]; records: Record<string, { proxied: boolean; ttl: number; nodes: string[]; a: string[]; aaaa: string[] }> };
        assert.equal(dns.zoneId, pinnedZoneId);
        assert.deepEqual(dns.outOfRotation, ["ubuntu-8gb-nbg1-3"]);
        assert.deepEqual(dns.records["k8s.myhoneydue.com"], { proxied: false, ttl: 60, nodes: serving, a: ["203.0.113.11", "203.0.113.12"], aaaa: [] });
        assert.deepEqual(dns.records["myhoneydue.com"], { proxied: true, ttl: 1, nodes: serving, a: ["203.0.113.11", "203.0.113.12"], aaaa: [] });
    });
});
