// Hetzner policies, each over a compliant hand-made resource and a broken copy of it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as h from "../policy/hetzner";
import { clone, firewall, messages, server, verdictOf } from "./policy-fixtures";

describe("hetzner-server-type", () => {
    it("passes a CX33 and names the allowed types when another type is used", async () => {
        assert.equal((await verdictOf(h.serverType, [server()])).status, "passed");
        const bad = server();
        bad.inputs.serverType = "cx53";
        const v = await verdictOf(h.serverType, [bad]);
        assert.equal(v.status, "violated");
        assert.deepEqual(messages(v), [
            'server type cx53 is not allowed; set honeydue:serverType to one of cx33, or allow it with --policy-pack-config {"hetzner-server-type":{"allowedServerTypes":[…]}}',
        ]);
        assert.equal(v.violations[0].urn, bad.urn);
        assert.equal(v.violations[0].enforcementLevel, "mandatory");
    });

    it("takes the allowed types from the operator's policy configuration", async () => {
        const bad = server();
        bad.inputs.serverType = "cx53";
        assert.equal((await verdictOf(h.serverType, [bad], { "hetzner-server-type": { allowedServerTypes: ["cx33", "cx53"] } })).status, "passed");
        assert.equal((await verdictOf(h.serverType, [server()], { "hetzner-server-type": { allowedServerTypes: ["cx43"] } })).status, "violated");
    });

    it("is not applicable to anything but servers", async () => {
        assert.equal((await verdictOf(h.serverType, [firewall()])).status, "not applicable");
    });
});

describe("hetzner-server-location", () => {
    it("passes nbg1 and refuses another location or none", async () => {
        assert.equal((await verdictOf(h.serverLocation, [server()])).status, "passed");
        const bad = server();
        bad.inputs.location = "ash";
        assert.match(messages(await verdictOf(h.serverLocation, [bad]))[0], /^location ash is not allowed; set honeydue:location to one of nbg1/);
        delete bad.inputs.location;
        assert.match(messages(await verdictOf(h.serverLocation, [bad]))[0], /^location \(none: Hetzner picks one\) is not allowed/);
    });
});

describe("hetzner-server-placement-group", () => {
    it("passes a server in a group and refuses one outside", async () => {
        assert.equal((await verdictOf(h.serverSpread, [server()])).status, "passed");
        const bad = server();
        delete bad.inputs.placementGroupId;
        assert.deepEqual(messages(await verdictOf(h.serverSpread, [bad])), [
            "the server is in no placement group; set placementGroupId to the spread placement group's id (placementGroup.id.apply(Number))",
        ]);
    });
});

describe("hetzner-server-firewall", () => {
    it("passes a firewalled server and refuses one with no firewall", async () => {
        assert.equal((await verdictOf(h.serverFirewall, [server()])).status, "passed");
        const bad = server();
        bad.inputs.firewallIds = [];
        assert.match(messages(await verdictOf(h.serverFirewall, [bad]))[0], /^the server has no firewall; set firewallIds/);
    });
});

describe("hetzner-server-protected", () => {
    it("passes a protected prod server and lists every missing protection", async () => {
        assert.equal((await verdictOf(h.serverProtected, [server()])).status, "passed");
        const bad = server();
        bad.protect = false;
        bad.inputs.rebuildProtection = false;
        assert.deepEqual(messages(await verdictOf(h.serverProtected, [bad])), [
            "a server of the prod stack must be protected; set the resource option protect: true, rebuildProtection: true (honeydue:protect)",
        ]);
    });

    it("leaves servers of other stacks alone", async () => {
        const dev = server();
        dev.protect = false;
        dev.urn = dev.urn.replace(":prod::", ":dev::");
        assert.equal((await verdictOf(h.serverProtected, [dev])).status, "passed");
    });
});

describe("hetzner-firewall-cluster-ports-closed", () => {
    it("passes the estate's rules (ICMP from anywhere is fine)", async () => {
        assert.equal((await verdictOf(h.firewallClosedPorts, [firewall()])).status, "passed");
    });

    for (const [rule, exposed] of [
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }, "22"],
        [{ direction: "in", protocol: "tcp", port: "6443", sourceIps: ["::/0"] }, "6443"],
        [{ direction: "in", protocol: "tcp", port: "2379-2380", sourceIps: ["0.0.0.0/0"] }, "2379, 2380"],
        [{ direction: "in", protocol: "udp", port: "8472", sourceIps: ["0.0.0.0/0"] }, "8472"],
        [{ direction: "in", protocol: "tcp", port: "any", sourceIps: ["0.0.0.0/0"] }, "22, 6443, 2379, 2380, 10250, 8472, 51820"],
    ] as const) {
        it(`refuses ${rule.protocol} ${rule.port} from the world`, async () => {
            const bad = firewall();
            (bad.inputs.rules as unknown[]).push(clone(rule));
            const v = await verdictOf(h.firewallClosedPorts, [bad]);
            assert.deepEqual(messages(v), [
                `inbound ${rule.protocol} ${rule.port} is open to the world and exposes ${exposed}; allow only honeydue:adminCidrs for 22 and 6443, and leave etcd, kubelet and flannel to the private network`,
            ]);
        });
    }

    it("ignores outbound rules", async () => {
        const fw = firewall();
        (fw.inputs.rules as unknown[]).push({ direction: "out", protocol: "tcp", port: "22", destinationIps: ["0.0.0.0/0"] });
        assert.equal((await verdictOf(h.firewallClosedPorts, [fw])).status, "passed");
    });
});

describe("hetzner-firewall-web-from-cloudflare", () => {
    it("passes web ports from Cloudflare's ranges (or a sub-range of one)", async () => {
        const fw = firewall();
        (fw.inputs.rules as { sourceIps: string[] }[])[0].sourceIps = ["173.245.48.0/24"];
        assert.equal((await verdictOf(h.firewallWebFromCloudflare, [fw])).status, "passed");
    });

    it("refuses 443 from the world and 80 from an address outside Cloudflare", async () => {
        const bad = firewall();
        (bad.inputs.rules as { sourceIps: string[] }[])[1].sourceIps = ["0.0.0.0/0", "::/0"];
        (bad.inputs.rules as { sourceIps: string[] }[])[0].sourceIps = [...(bad.inputs.rules as { sourceIps: string[] }[])[0].sourceIps, "198.51.100.7/32"];
        assert.deepEqual(messages(await verdictOf(h.firewallWebFromCloudflare, [bad])), [
            "inbound tcp 80 admits 198.51.100.7/32, outside Cloudflare's ranges; take the sources from cloudflare.getIpRanges (edgeRanges()) only",
            "inbound tcp 443 admits 0.0.0.0/0, ::/0, outside Cloudflare's ranges; take the sources from cloudflare.getIpRanges (edgeRanges()) only",
        ]);
    });
});
