// The Hetzner layer under mocks: the book's three servers, the firewall exactly as designed,
// the placement group and the private network.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import cloudflareRanges from "../policy/cloudflare-ip-ranges.json";
import type { Registration } from "../offline/capture";
import { dependsOn, ofType, one } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";

let estate: Estate;
let servers: Registration[];
before(async () => {
    estate = await runEstate();
    servers = ofType(estate.resources, "hcloud:index/server:Server");
});

const S = "hcloud:index/server:Server";

describe("Hetzner servers", () => {
    it("creates the book's three CX33 servers in nbg1 on Ubuntu 24.04", () => {
        assert.deepEqual(servers.map((s) => s.inputs.name), ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"]);
        for (const s of servers) {
            assert.equal(s.inputs.serverType, "cx33");
            assert.equal(s.inputs.location, "nbg1");
            assert.equal(s.inputs.image, "ubuntu-24.04");
        }
    });

    it("gives each server its fixed private IP on the network", () => {
        const network = one(estate.resources, "hcloud:index/network:Network", "honeydue-private");
        assert.deepEqual(servers.map((s) => (s.inputs.networks as { ip: string }[])[0].ip), ["10.0.1.11", "10.0.1.12", "10.0.1.13"]);
        for (const s of servers) {
            const net = (s.inputs.networks as { networkId: number }[])[0];
            assert.equal(net.networkId, Number(network.id));
            assert.ok(Number.isInteger(net.networkId) && net.networkId > 0, "networkId is a real number, not NaN");
        }
    });

    it("puts every server in the spread placement group and behind the one firewall", () => {
        const group = one(estate.resources, "hcloud:index/placementGroup:PlacementGroup", "honeydue-spread");
        const firewall = one(estate.resources, "hcloud:index/firewall:Firewall", "honeydue-firewall");
        assert.equal(group.inputs.type, "spread");
        for (const s of servers) {
            assert.ok(dependsOn(s, group, estate.resources) && dependsOn(s, firewall, estate.resources));
            assert.equal((s.inputs.firewallIds as number[]).length, 1);
            assert.ok(Number.isInteger(s.inputs.placementGroupId));
        }
    });

    it("protects servers against deletion and rebuild, in Hetzner and in Pulumi", () => {
        for (const s of servers) {
            assert.equal(s.inputs.deleteProtection, true);
            assert.equal(s.inputs.rebuildProtection, true);
            assert.equal(s.protect, true);
        }
    });

    it("never recreates a node because image, userData or SSH keys changed", () => {
        for (const s of servers) assert.deepEqual([...s.ignoreChanges].sort(), ["image", "sshKeys", "userData"]);
    });

    it("labels every Hetzner resource with the estate", () => {
        for (const r of estate.resources.filter((x) => x.type.startsWith("hcloud:") && "labels" in x.inputs)) {
            assert.equal((r.inputs.labels as Record<string, string>).estate, "honeydue", r.name);
        }
    });

    it("boots every server with the cloud-init that sets k3s's kernel defaults and closes password login", () => {
        for (const s of servers) {
            const ud = String(s.inputs.userData);
            assert.match(ud, /^#cloud-config\n/);
            assert.match(ud, /vm\.overcommit_memory=1/);
            assert.match(ud, /PasswordAuthentication no/);
        }
    });

    it("the node 1 server carries the init role", () => {
        assert.deepEqual(servers.map((s) => (s.inputs.labels as Record<string, string>).role), ["server-init", "server", "server"]);
        assert.equal(one(estate.resources, S, "ubuntu-8gb-nbg1-2").inputs.name, "ubuntu-8gb-nbg1-2");
    });
});

describe("Hetzner firewall", () => {
    const rules = () => one(estate.resources, "hcloud:index/firewall:Firewall", "honeydue-firewall").inputs.rules as Record<string, unknown>[];
    const cloudflare = [...cloudflareRanges.ipv4Cidrs, ...cloudflareRanges.ipv6Cidrs].sort();

    it("has exactly the five inbound rules of the design", () => {
        assert.deepEqual(
            rules().map((r) => `${r.direction} ${r.protocol} ${r.port ?? "-"}`),
            ["in tcp 80", "in tcp 443", "in tcp 22", "in tcp 6443", "in icmp -"],
        );
    });

    it("opens 80 and 443 only to Cloudflare's ranges, taken from the lookup", () => {
        for (const r of rules().filter((x) => x.port === "80" || x.port === "443")) assert.deepEqual([...(r.sourceIps as string[])].sort(), cloudflare);
        assert.ok(estate.invokes.some((i) => i.token === "cloudflare:index/getIpRanges:getIpRanges"), "ranges come from cloudflare.getIpRanges");
    });

    it("opens 22 and 6443 only to adminCidrs", () => {
        for (const r of rules().filter((x) => x.port === "22" || x.port === "6443")) assert.deepEqual(r.sourceIps, ["198.51.100.7/32"]);
    });

    it("opens nothing else: no etcd, kubelet or flannel port is public", () => {
        const ports = rules().map((r) => r.port).filter(Boolean);
        for (const p of ["2379", "2380", "10250", "8472", "51820"]) assert.ok(!ports.includes(p), p);
        for (const r of rules().filter((x) => x.protocol !== "icmp")) {
            assert.ok(!(r.sourceIps as string[]).some((s) => s.endsWith("/0")), `${r.port} is open to the world`);
        }
    });
});

describe("private network", () => {
    it("is 10.0.0.0/16 with a cloud subnet 10.0.1.0/24 in eu-central", () => {
        const network = one(estate.resources, "hcloud:index/network:Network", "honeydue-private");
        const subnet = one(estate.resources, "hcloud:index/networkSubnet:NetworkSubnet", "honeydue-private-nodes");
        assert.equal(network.inputs.ipRange, "10.0.0.0/16");
        assert.deepEqual([subnet.inputs.ipRange, subnet.inputs.networkZone, subnet.inputs.type], ["10.0.1.0/24", "eu-central", "cloud"]);
        assert.ok(dependsOn(subnet, network, estate.resources));
        for (const s of servers) assert.ok(dependsOn(s, subnet, estate.resources), "servers join the network after the subnet exists");
    });
});

describe("outputs", () => {
    it("lists each node's names and addresses", () => {
        assert.deepEqual(estate.outputs.nodes, [
            { name: "ubuntu-8gb-nbg1-1", sshAlias: "hetzner2", publicIpv4: "203.0.113.11", publicIpv6: "2001:db8:0:b::1", privateIp: "10.0.1.11" },
            { name: "ubuntu-8gb-nbg1-2", sshAlias: "hetzner1", publicIpv4: "203.0.113.12", publicIpv6: "2001:db8:0:c::1", privateIp: "10.0.1.12" },
            { name: "ubuntu-8gb-nbg1-3", sshAlias: "hetzner3", publicIpv4: "203.0.113.13", publicIpv6: "2001:db8:0:d::1", privateIp: "10.0.1.13" },
        ]);
    });

    it("writes an ssh config where hetzner1 is ubuntu-8gb-nbg1-2, as in the book", () => {
        const ssh = String(estate.outputs.sshConfig);
        assert.match(ssh, /^Host ubuntu-8gb-nbg1-2 hetzner1\n {2}HostName 203\.0\.113\.12\n/m);
        assert.match(ssh, /^Host ubuntu-8gb-nbg1-1 hetzner2\n {2}HostName 203\.0\.113\.11\n/m);
        assert.match(ssh, /^Host ubuntu-8gb-nbg1-3 hetzner3\n {2}HostName 203\.0\.113\.13\n/m);
    });
});

describe("the captured estate", () => {
    it("has unique URNs (the mocks would silently overwrite a duplicate)", () => {
        assert.deepEqual(estate.duplicates, []);
    });
});
