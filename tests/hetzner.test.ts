// The Hetzner layer under mocks: the book's three servers, the firewall exactly as designed,
// the placement group and the private network.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import cloudflareRanges from "../policy/cloudflare-ip-ranges.json";
import type { Node } from "../infra/hetzner";
import { sshConfig } from "../infra/sshConfig";
import type { Registration } from "../offline/capture";
import { dependsOn, ofType, one, unwrap } from "../offline/query";
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
        // The names `hcloud placement-group list` and `hcloud firewall list` show, one per estate.
        assert.deepEqual([group.inputs.name, firewall.inputs.name], ["honeydue-spread", "honeydue-firewall"]);
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
        // The private network carries etcd and flannel between the nodes: losing it cuts the cluster.
        const network = one(estate.resources, "hcloud:index/network:Network", "honeydue-private");
        assert.equal(network.inputs.deleteProtection, true);
        assert.equal(network.protect, true);
    });

    it("shuts each server down cleanly before Hetzner deletes it (k3s and etcd stop, not a power cut)", () => {
        for (const s of servers) assert.equal(s.inputs.shutdownBeforeDeletion, true, s.name);
    });

    it("never recreates a node because image, userData or SSH keys changed", () => {
        for (const s of servers) assert.deepEqual([...s.ignoreChanges].sort(), ["image", "sshKeys", "userData"]);
    });

    it("labels every Hetzner resource that takes labels with the estate", () => {
        // Which resources take labels is the SDK's word: its Args interface has `labels`.
        const takesLabels = (type: string) => {
            const file = join(__dirname, "..", "node_modules", "@pulumi", "hcloud", `${type.split(":")[1].split("/")[1]}.d.ts`);
            return /^\s+labels\?: pulumi\.Input</m.test(readFileSync(file, "utf8").split("export interface ").find((b) => b.startsWith(`${type.split(":")[2]}Args`)) ?? "");
        };
        const labelled = estate.resources.filter((x) => x.type.startsWith("hcloud:") && takesLabels(x.type));
        assert.ok(labelled.length >= 3 + 4, labelled.map((r) => r.type).join(", "));
        // `hcloud … list -l estate=honeydue` finds the estate, `-l stack=prod` one stack of it, managed-by says who owns it.
        for (const r of labelled) {
            const { estate: e, stack, "managed-by": by } = (r.inputs.labels ?? {}) as Record<string, string>;
            assert.deepEqual({ estate: e, stack, by }, { estate: "honeydue", stack: "prod", by: "pulumi" }, r.name);
        }
    });

    it("keeps every Hetzner resource and generated host key in the one honeydue:infra:Nodes component, at the top level (a resource moved out gets a new URN: Pulumi would replace it)", () => {
        const component = estate.resources.filter((r) => r.type === "honeydue:infra:Nodes");
        assert.deepEqual(component.map((c) => c.name), ["honeydue"]);
        assert.equal(component[0].parent, estate.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn);
        const own = estate.resources.filter((r) => r.type.startsWith("hcloud:index/") || r.name.endsWith("-host-key"));
        assert.equal(own.length, 1 + 1 + 2 + 1 + 3 + 3, own.map((r) => r.name).join(", "));
        for (const r of own) assert.equal(r.parent, component[0].urn, r.name);
    });

    it("boots every server with the cloud-init that sets k3s's kernel defaults and the whole sshd hardening, then applies both", () => {
        for (const s of servers) {
            const ud = String(unwrap(s.inputs.userData));
            assert.match(ud, /^#cloud-config\n/);
            const doc = parse(ud) as { write_files: { path: string; content: string }[]; runcmd: string[][] };
            const file = (path: string) => doc.write_files.find((f) => f.path === path)?.content.trim().split("\n").sort();
            assert.deepEqual(file("/etc/sysctl.d/90-kubelet.conf"), ["kernel.panic=10", "kernel.panic_on_oops=1", "vm.overcommit_memory=1", "vm.panic_on_oom=0"]);
            assert.deepEqual(file("/etc/ssh/sshd_config.d/00-honeydue.conf"), [
                "HostKey /etc/ssh/ssh_host_ed25519_key",
                "KbdInteractiveAuthentication no",
                "PasswordAuthentication no",
                "PermitRootLogin prohibit-password",
                "X11Forwarding no",
            ]);
            // Root's to change, everyone's to read: a drop-in others could write would let them undo the hardening.
            assert.deepEqual(doc.write_files.map((f) => [f.path, (f as { permissions?: string }).permissions]), [
                ["/etc/sysctl.d/90-kubelet.conf", "0644"],
                ["/etc/ssh/sshd_config.d/00-honeydue.conf", "0644"],
            ]);
            // The kernel settings are loaded before sshd reloads (and before k3s is ever installed).
            assert.deepEqual(doc.runcmd, [["sysctl", "--system"], ["systemctl", "try-reload-or-restart", "ssh"]]);
        }
    });

    it("makes the sshd hardening win over cloud-init's own drop-in, and reloads ssh even when it is socket-activated", () => {
        const doc = parse(String(unwrap(servers[0].inputs.userData)).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[]; runcmd: string[][] };
        const dropIn = doc.write_files.find((f) => f.path.startsWith("/etc/ssh/sshd_config.d/"));
        assert.ok(dropIn, "an sshd drop-in");
        // sshd keeps the first value it reads for a keyword and reads sshd_config.d/*.conf in lexical order.
        const name = dropIn.path.split("/").pop()!;
        assert.ok([name, "50-cloud-init.conf"].sort()[0] === name, `${name} must sort before 50-cloud-init.conf`);
        assert.match(dropIn.content, /^PasswordAuthentication no$/m);
        assert.match(dropIn.content, /^PermitRootLogin prohibit-password$/m);
        assert.deepEqual(doc.runcmd.find((c) => c[0] === "systemctl"), ["systemctl", "try-reload-or-restart", "ssh"], "reload fails on an inactive ssh.service");
    });

    it("turns password logins off in cloud-init too (ssh_pwauth), not only in the drop-in", () => {
        for (const s of servers) assert.equal((parse(String(unwrap(s.inputs.userData))) as { ssh_pwauth?: boolean }).ssh_pwauth, false, s.name);
    });

    it("gives every server it builds its own ed25519 host key, through cloud-init, as a secret", () => {
        const keys = ofType(estate.resources, "tls:index/privateKey:PrivateKey");
        assert.deepEqual(keys.map((k) => k.name), servers.map((s) => `${s.name}-host-key`));
        const publics = new Set<string>();
        for (const s of servers) {
            const key = one(estate.resources, "tls:index/privateKey:PrivateKey", `${s.name}-host-key`);
            assert.equal(key.inputs.algorithm, "ED25519");
            assert.ok(dependsOn(s, key, estate.resources), `${s.name} is built after its key`);
            // The private key is in the user data: the whole input must be secret (state and plan).
            assert.ok(s.inputs.userData && typeof s.inputs.userData === "object" && "secret" in s.inputs.userData, `${s.name}: userData must be secret`);
            const doc = parse(String(unwrap(s.inputs.userData))) as { ssh_deletekeys?: boolean; ssh_keys?: Record<string, string> };
            // cloud-init cc_ssh.py: the image's keys deleted, only these written; no other type generated.
            assert.equal(doc.ssh_deletekeys, true);
            assert.deepEqual(Object.keys(doc.ssh_keys ?? {}).sort(), ["ed25519_private", "ed25519_public"]);
            assert.equal(doc.ssh_keys!.ed25519_private, key.state.privateKeyOpenssh);
            assert.match(doc.ssh_keys!.ed25519_private, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
            assert.equal(doc.ssh_keys!.ed25519_public, String(key.state.publicKeyOpenssh).trim());
            assert.match(doc.ssh_keys!.ed25519_public, /^ssh-ed25519 \S+$/);
            publics.add(doc.ssh_keys!.ed25519_public);
        }
        assert.equal(publics.size, servers.length, "one key per server");
    });

    it("replaces the operator's SSH key delete-first (its name is unique in the project); the servers ignore sshKeys", () => {
        const key = one(estate.resources, "hcloud:index/sshKey:SshKey", "honeydue-operator");
        assert.equal(key.inputs.name, "honeydue-operator");
        // public_key RequiresReplace (terraform-provider-hcloud internal/sshkey/resource.go): create-first
        // would make a second key of the same name. A delete-first replacement deletes first only the
        // dependents whose own diff says replace (step_generator.go calculateDependentReplacements), and
        // that diff applies ignoreChanges: the servers are not touched.
        assert.equal(key.deleteBeforeReplace, true);
        for (const s of servers) {
            assert.ok(dependsOn(s, key, estate.resources));
            assert.ok(s.ignoreChanges.includes("sshKeys"), s.name);
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

    it("says in each rule, as Hetzner's console shows it, what it admits and from whom", () => {
        assert.deepEqual(
            rules().map((r) => [r.port ?? r.protocol, r.description]),
            [
                ["80", "HTTP from Cloudflare (SSL Flexible)"],
                ["443", "HTTPS from Cloudflare"],
                ["22", "SSH from operators"],
                ["6443", "Kubernetes API from operators"],
                ["icmp", "ICMP (ping, path MTU discovery)"],
            ],
        );
    });

    it("admits ICMP from anywhere, IPv4 and IPv6: ping, and path MTU discovery (without it large responses stall)", () => {
        assert.deepEqual(rules().filter((r) => r.protocol === "icmp").map((r) => r.sourceIps), [["0.0.0.0/0", "::/0"]]);
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
        // Each host offers only the estate's key: an agent holding many keys would otherwise hit
        // sshd's MaxAuthTries before the right one, and the login would fail.
        const blocks = ssh.split(/^(?=Host )/m).filter((b) => b.trim() !== "");
        assert.equal(blocks.length, 3);
        for (const block of blocks) {
            assert.match(block, /^ {2}IdentityFile \S+$/m, block);
            assert.match(block, /^ {2}IdentitiesOnly yes$/m, block);
        }
    });

    it("writes an ssh config ssh can read: Host lines, indented options it knows, blank lines between hosts", () => {
        // ssh refuses the whole file at one unknown keyword ("Bad configuration option").
        const lines = String(estate.outputs.sshConfig).split("\n");
        const option = /^ {2}(HostName|User|IdentityFile|IdentitiesOnly|HostKeyAlias|UserKnownHostsFile|StrictHostKeyChecking) \S+$/;
        for (const line of lines) assert.ok(line === "" || /^Host \S+( \S+)?$/.test(line) || option.test(line), JSON.stringify(line));
        assert.equal(lines.filter((l) => l === "").length, 2 + 1, "a blank line between the three host blocks (and the file's last newline)");
        assert.equal(lines.at(-1), "");
    });

    it("writes a node without an sshAlias as a Host of its name alone, with the same verification", async () => {
        const node = (name: string, ip: string, sshAlias?: string) => ({ spec: { name, privateIp: "10.0.1.14", sshAlias }, publicIpv4: pulumi.output(ip) }) as unknown as Node;
        const text = await new Promise<string>((resolve) => sshConfig([node("ubuntu-8gb-nbg1-4", "203.0.113.14"), node("ubuntu-8gb-nbg1-1", "203.0.113.11", "hetzner2")], "root").apply(resolve));
        assert.deepEqual(text.split("\n").filter((l) => l.startsWith("Host ")), ["Host ubuntu-8gb-nbg1-4", "Host ubuntu-8gb-nbg1-1 hetzner2"]);
        assert.match(text, /^Host ubuntu-8gb-nbg1-4\n {2}HostName 203\.0\.113\.14\n {2}User root\n(.+\n)* {2}HostKeyAlias ubuntu-8gb-nbg1-4\n/m);
    });

    it("makes `ssh hetzner1` verify the node's host key: the estate's known_hosts, by node name, strictly", () => {
        const ssh = String(estate.outputs.sshConfig);
        const known = String(estate.outputs.knownHosts).trim().split("\n");
        for (const s of servers) {
            const block = ssh.split(/^(?=Host )/m).find((b) => b.startsWith(`Host ${s.name} `))!;
            assert.match(block, new RegExp(`^ {2}HostKeyAlias ${s.name}$`, "m"));
            assert.match(block, /^ {2}UserKnownHostsFile ~\/\.ssh\/known_hosts\.d\/honeydue$/m);
            assert.match(block, /^ {2}StrictHostKeyChecking yes$/m);
            const key = String(one(estate.resources, "tls:index/privateKey:PrivateKey", `${s.name}-host-key`).state.publicKeyOpenssh).trim();
            assert.ok(known.includes(`${s.name} ${key}`), `${s.name}: known_hosts has the key the commands pin`);
        }
        assert.equal(known.length, servers.length);
    });
});

describe("the captured estate", () => {
    it("has unique URNs (the mocks would silently overwrite a duplicate)", () => {
        assert.deepEqual(estate.duplicates, []);
    });
});
