// Hetzner policies, each over a compliant hand-made resource and a broken copy of it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adminPrefixMin } from "../config/infra";
import * as h from "../policy/hetzner";
import { clone, FIREWALL, firewall, messages, reg, server, verdictOf } from "./policy-fixtures";

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
        assert.deepEqual(messages(await verdictOf(h.serverLocation, [bad])), [
            'location ash is not allowed; set honeydue:location to one of nbg1, or allow it with --policy-pack-config {"hetzner-server-location":{"allowedLocations":[…]}}',
        ]);
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
        for (const empty of [undefined, null]) {
            bad.inputs.placementGroupId = empty;
            assert.equal((await verdictOf(h.serverSpread, [bad])).status, "violated", `placementGroupId: ${empty}`);
        }
    });
});

describe("hetzner-server-firewall", () => {
    it("passes a firewalled server and refuses one with no firewall", async () => {
        assert.equal((await verdictOf(h.serverFirewall, [server()])).status, "passed");
        const bad = server();
        bad.inputs.firewallIds = [];
        assert.match(messages(await verdictOf(h.serverFirewall, [bad]))[0], /^the server has no firewall; set firewallIds/);
        for (const none of [undefined, 5678]) {
            const odd = server();
            if (none === undefined) delete odd.inputs.firewallIds;
            else odd.inputs.firewallIds = none;
            assert.deepEqual(messages(await verdictOf(h.serverFirewall, [odd])), ["the server has no firewall; set firewallIds to [firewall.id.apply(Number)] so inbound traffic is denied by default"], String(none));
        }
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

    const message = (rule: string, world: string, exposed: string) =>
        `${rule} is open to the whole ${world} internet and exposes ${exposed}; allow only honeydue:adminCidrs for 22 and 6443, and leave etcd, kubelet, flannel and NodePorts to the private network`;
    for (const [rule, world, exposed] of [
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }, "ipv4", "22"],
        [{ direction: "in", protocol: "tcp", port: "6443", sourceIps: ["::/0"] }, "ipv6", "6443"],
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] }, "ipv4 and ipv6", "22"],
        [{ direction: "in", protocol: "tcp", port: "2379-2380", sourceIps: ["0.0.0.0/0"] }, "ipv4", "2379-2380"],
        [{ direction: "in", protocol: "udp", port: "8472", sourceIps: ["0.0.0.0/0"] }, "ipv4", "8472"],
        [{ direction: "in", protocol: "tcp", port: "9100", sourceIps: ["0.0.0.0/0"] }, "ipv4", "9100"],
        [{ direction: "in", protocol: "tcp", port: "31000-31010", sourceIps: ["0.0.0.0/0"] }, "ipv4", "30000-32767"],
        // The world split in halves, or in pieces in any order, is still the world.
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/1", "128.0.0.0/1"] }, "ipv4", "22"],
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["192.0.0.0/2", "0.0.0.0/1", "128.0.0.0/2"] }, "ipv4", "22"],
        // The world with a narrower range inside it is still the world.
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "10.0.0.0/8"] }, "ipv4", "22"],
        [{ direction: "in", protocol: "tcp", port: "6443", sourceIps: ["8000::/1", "::/1", "198.51.100.7/32"] }, "ipv6", "6443"],
        // An IPv6 range around the IPv4-mapped block (shorter than /96) is IPv6: it takes nothing from the IPv4 world beside it.
        [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["::ffff:0.0.0.0/80", "0.0.0.0/0"] }, "ipv4", "22"],
        [{ direction: "in", protocol: "tcp", port: "any", sourceIps: ["0.0.0.0/0"] }, "ipv4", "22, 6443, 2379-2380, 10250, 8472, 51820, 9100, 30000-32767"],
    ] as const) {
        it(`refuses ${rule.protocol} ${rule.port} from ${rule.sourceIps.join(" + ")}`, async () => {
            const bad = firewall();
            (bad.inputs.rules as unknown[]).push(clone(rule));
            const v = await verdictOf(h.firewallClosedPorts, [bad]);
            assert.deepEqual(messages(v), [message(`inbound ${rule.protocol} ${rule.port}`, world, exposed)]);
        });
    }

    it("computes coverage of the whole address space, not a /0 suffix", () => {
        assert.deepEqual(h.worldCovered(["0.0.0.0/1", "128.0.0.0/1"]), ["ipv4"]);
        assert.deepEqual(h.worldCovered(["0.0.0.0/1", "128.0.0.0/2"]), []);
        assert.deepEqual(h.worldCovered(["0.0.0.0/2", "128.0.0.0/1"]), [], "a hole between pieces that reach both ends");
        assert.deepEqual(h.worldCovered(["::/1", "8000::/1", "0.0.0.0/0"]), ["ipv4", "ipv6"]);
        assert.deepEqual(h.worldCovered(["0.0.0.0/1", "128.0.0.1/1"]), ["ipv4"]);
        assert.deepEqual(h.worldCovered(["::ffff:0.0.0.0/97", "128.0.0.0/1"]), ["ipv4"]);
        assert.deepEqual(h.worldCovered(["::ffff:0.0.0.0/96"]), ["ipv4"], "all of IPv4, written IPv4-mapped");
        assert.deepEqual(h.worldCovered(["198.51.100.7/32", "not-an-address"]), []);
    });

    // "Everything but one address" as tools write it (one block per prefix length, /1 to /32), with that address added
    // back: every address is admitted, so it is the world, though no source is bigger than a /1.
    it("refuses the world written as every address but one plus that one", async () => {
        const allBut = (ip: string) => {
            const a = ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
            return Array.from({ length: 32 }, (_, i) => {
                const size = 2 ** (31 - i);
                const start = (Math.floor(a / (2 * size)) * 2 + (Math.floor(a / size) % 2 === 0 ? 1 : 0)) * size;
                return `${[24, 16, 8, 0].map((sh) => Math.floor(start / 2 ** sh) % 256).join(".")}/${i + 1}`;
            });
        };
        const sources = [...allBut("198.51.100.7"), "198.51.100.7/32"];
        assert.deepEqual(h.worldCovered(allBut("198.51.100.7")), [], "one address short of the world");
        const fw = firewall();
        (fw.inputs.rules as unknown[]).push({ direction: "in", protocol: "tcp", port: "22", sourceIps: sources });
        assert.deepEqual(messages(await verdictOf(h.firewallClosedPorts, [fw])), [message("inbound tcp 22", "ipv4", "22")]);
    });

    // Outbound rules limit what the nodes reach (SMTP to the mail relay, say), not who reaches them: both policies leave them alone.
    it("ignores outbound rules", async () => {
        const fw = firewall();
        (fw.inputs.rules as unknown[]).push({ direction: "out", protocol: "tcp", port: "22", destinationIps: ["0.0.0.0/0"] });
        (fw.inputs.rules as unknown[]).push({ direction: "out", protocol: "tcp", port: "587", destinationIps: ["0.0.0.0/0", "::/0"] });
        for (const policy of [h.firewallClosedPorts, h.firewallAllowlist]) assert.equal((await verdictOf(policy, [fw])).status, "passed", policy.name);
    });

    // A tcp or udp rule without a port, or with an empty one, is read as opening every port (as "any" does).
    it("refuses a tcp rule without a port (or an empty one) from the world, saying it opens every port", async () => {
        for (const port of [undefined, ""]) {
            const fw = firewall();
            (fw.inputs.rules as unknown[]).push({ direction: "in", protocol: "tcp", port, sourceIps: ["0.0.0.0/0"] });
            assert.deepEqual(messages(await verdictOf(h.firewallClosedPorts, [fw])), [message("inbound tcp (all ports)", "ipv4", "22, 6443, 2379-2380, 10250, 8472, 51820, 9100, 30000-32767")], JSON.stringify(port));
        }
    });

    it("passes a firewall without rules, and a rule that names no source", async () => {
        const bare = reg(FIREWALL, "honeydue-firewall", { name: "honeydue-firewall" });
        const sourceless = firewall();
        (sourceless.inputs.rules as unknown[]).push({ direction: "in", protocol: "tcp", port: "22" });
        for (const policy of [h.firewallClosedPorts, h.firewallAllowlist]) {
            assert.equal((await verdictOf(policy, [bare])).status, "passed", policy.name);
            assert.equal((await verdictOf(policy, [sourceless])).status, "passed", policy.name);
        }
    });
});

describe("hetzner-firewall-allowlist", () => {
    const rules = (fw: ReturnType<typeof firewall>) => fw.inputs.rules as { protocol: string; port?: string; sourceIps: string[] }[];
    const withRule = (rule: Record<string, unknown>) => {
        const fw = firewall();
        (fw.inputs.rules as unknown[]).push({ direction: "in", ...rule });
        return fw;
    };

    it("passes the estate's rules, and web ports from a sub-range of a Cloudflare range", async () => {
        assert.equal((await verdictOf(h.firewallAllowlist, [firewall()])).status, "passed");
        const fw = firewall();
        rules(fw)[0].sourceIps = ["173.245.48.0/24", "2400:cb00::/48"];
        assert.equal((await verdictOf(h.firewallAllowlist, [fw])).status, "passed");
    });

    // udp 443 (HTTP/3) and udp 22 are not the allowed tcp rules of the same ports.
    for (const [port, protocol] of [["8080", "tcp"], ["9100", "tcp"], ["30000-32767", "tcp"], ["53", "udp"], ["80-443", "tcp"], ["443", "udp"], ["22", "udp"]] as const) {
        it(`refuses ${protocol} ${port}, which is not an allowed rule`, async () => {
            const v = await verdictOf(h.firewallAllowlist, [withRule({ protocol, port, sourceIps: ["0.0.0.0/0"] })]);
            assert.deepEqual(messages(v), [
                `inbound ${protocol} ${port} is not an allowed rule (allowed: tcp 80, tcp 443, tcp 22, tcp 6443, icmp); remove it, or reach the service over the private network or through Cloudflare`,
            ]);
        });
    }

    it("refuses web ports from a range that only overlaps Cloudflare's (a broader prefix), from the world, and from a stranger", async () => {
        const fw = firewall();
        rules(fw)[0].sourceIps = ["104.16.0.0/12", "198.51.100.7/32"];
        rules(fw)[1].sourceIps = ["0.0.0.0/0", "::/0"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), [
            "inbound tcp 80 admits 104.16.0.0/12, 198.51.100.7/32, not inside Cloudflare's ranges (a source must lie within one, not merely overlap it); take the sources from cloudflare.getIpRanges (edgeRanges()) only",
            "inbound tcp 443 admits 0.0.0.0/0, ::/0, not inside Cloudflare's ranges (a source must lie within one, not merely overlap it); take the sources from cloudflare.getIpRanges (edgeRanges()) only",
        ]);
    });

    it("refuses admin ports from sources that cover the internet together, or from a broad range", async () => {
        const fw = firewall();
        rules(fw)[2].sourceIps = ["0.0.0.0/1", "128.0.0.0/1"];
        rules(fw)[3].sourceIps = ["198.48.0.0/12"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), [
            "inbound tcp 22 admits the whole ipv4 internet; set honeydue:adminCidrs to the operators' own addresses",
            "inbound tcp 22 admits 0.0.0.0/1, 128.0.0.0/1, broader than /16 (IPv4) or /48 (IPv6); list the operators' addresses in honeydue:adminCidrs",
            "inbound tcp 6443 admits 198.48.0.0/12, broader than /16 (IPv4) or /48 (IPv6); list the operators' addresses in honeydue:adminCidrs",
        ]);
        rules(fw)[3].sourceIps = ["0.0.0.0/0", "::/0"];
        assert.equal(messages(await verdictOf(h.firewallAllowlist, [fw]))[2], "inbound tcp 6443 admits the whole ipv4 and ipv6 internet; set honeydue:adminCidrs to the operators' own addresses");
    });

    it("admits exactly the admin ranges the configuration accepts: a /16 and a /48 pass, a /15 and a /47 fail", async () => {
        assert.deepEqual(adminPrefixMin, { ipv4: 16, ipv6: 48 });
        const fw = firewall();
        rules(fw)[2].sourceIps = ["198.51.0.0/16", "2001:db8:1::/48"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), []);
        rules(fw)[2].sourceIps = ["198.50.0.0/15", "2001:db8::/47"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), [
            "inbound tcp 22 admits 198.50.0.0/15, 2001:db8::/47, broader than /16 (IPv4) or /48 (IPv6); list the operators' addresses in honeydue:adminCidrs",
        ]);
    });

    it("reads sources as Hetzner takes them: bare addresses as /32 and /128, padded, IPv4-mapped IPv6 as IPv4", async () => {
        const fw = firewall();
        rules(fw)[2].sourceIps = ["198.51.100.7", " 198.51.100.8/32 ", "2001:db8::1", "2001:db8::2/128", "::ffff:198.51.100.9/128"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), []);
        rules(fw)[0].sourceIps = ["::ffff:198.51.100.7/120"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), [
            "inbound tcp 80 admits ::ffff:198.51.100.7/120, not inside Cloudflare's ranges (a source must lie within one, not merely overlap it); take the sources from cloudflare.getIpRanges (edgeRanges()) only",
        ]);
        rules(fw)[0].sourceIps = ["::ffff:173.245.48.0/120"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), [], "an IPv4-mapped sub-range of a Cloudflare range is inside it");
    });

    it("tells a source inside a range from one that merely overlaps it", () => {
        assert.ok(h.inside("104.16.1.0/24", ["104.16.0.0/13"]));
        assert.ok(!h.inside("104.16.0.0/12", ["104.16.0.0/13"]));
        assert.ok(!h.inside("2400:cb00::/31", ["2400:cb00::/32"]));
        assert.ok(!h.inside("198.51.100.7", ["104.16.0.0/13"]));
    });

    // A protocol without ports (gre, esp) is named alone.
    it("refuses a rule of a protocol the allowlist does not name, naming the protocol alone", async () => {
        for (const protocol of ["gre", "esp"]) {
            assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [withRule({ protocol, sourceIps: ["198.51.100.7/32"] })])), [
                `inbound ${protocol} is not an allowed rule (allowed: tcp 80, tcp 443, tcp 22, tcp 6443, icmp); remove it, or reach the service over the private network or through Cloudflare`,
            ]);
        }
    });

    // Named once, as what they are: not also as strangers to Cloudflare's ranges on a web rule.
    it("refuses sources that are not addresses or CIDRs, naming them", async () => {
        const fw = firewall();
        rules(fw)[0].sourceIps = ["173.245.48.0/20", "cloudflare-edge"];
        rules(fw)[2].sourceIps = ["198.51.100.7/32", "office-vpn", "198.51.100.300"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [fw])), [
            "inbound tcp 80 has sources that are not addresses or CIDRs: cloudflare-edge; fix them",
            "inbound tcp 22 has sources that are not addresses or CIDRs: office-vpn, 198.51.100.300; fix them",
        ]);
        assert.ok(!h.inside("office-vpn", h.allowlistDefaults.cloudflareRanges), "a source that does not parse lies inside no range");
    });

    it("takes the operator's allowlist and Cloudflare ranges from the configuration", async () => {
        const fw = withRule({ protocol: "tcp", port: "8080", sourceIps: ["198.51.100.7/32"] });
        const cfg = { "hetzner-firewall-allowlist": { allowedRules: [...h.allowlistDefaults.allowedRules, { protocol: "tcp", port: "8080", sources: "admin" }] } };
        assert.equal((await verdictOf(h.firewallAllowlist, [fw], cfg)).status, "passed");
        // A configured Cloudflare range that does not parse admits nobody: the web rules' sources must lie in the others.
        const typo = { "hetzner-firewall-allowlist": { cloudflareRanges: ["173.245.48.0/20", "103.21.244.0/222"] } };
        const web = firewall();
        (web.inputs.rules as { sourceIps: string[] }[])[0].sourceIps = ["173.245.48.0/24"];
        (web.inputs.rules as { sourceIps: string[] }[])[1].sourceIps = ["173.245.48.0/24", "103.21.244.0/24"];
        assert.deepEqual(messages(await verdictOf(h.firewallAllowlist, [web], typo)), [
            "inbound tcp 443 admits 103.21.244.0/24, not inside Cloudflare's ranges (a source must lie within one, not merely overlap it); take the sources from cloudflare.getIpRanges (edgeRanges()) only",
        ]);
    });
});
