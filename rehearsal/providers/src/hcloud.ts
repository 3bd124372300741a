// Simulated Hetzner Cloud (pulumi-hcloud 1.41.0): the resource types the estate uses. Replacement
// rules are terraform-provider-hcloud's (v1.66.1, the version the last bridge upgrade recorded in
// pulumi/pulumi-hcloud's history pins, commit 043b3476; unchanged in v1.68.0): `ForceNew: true` in
// internal/<kind>/resource.go (SDKv2) or `RequiresReplace()` plan modifiers (plugin framework).
// Ids are Hetzner's numeric ids (the network subnet's is the provider's faux `<network id>-<ip range>`),
// which are also the import ids.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readJson, stateDir } from "./cloud";
import { installHostKey } from "./hostKey";
import { type Cloud, type Kind, table, tableProvider } from "./table";
import { CloudError, same, type Props } from "./values";

export const version = "1.41.0";

const src = (file: string, what: string) => `terraform-provider-hcloud v1.66.1 ${file}: ${what}`;

/** A public IPv4 per server name: the loopback address of its SSH test host. */
export function hostAddress(name: string): string {
    const file = join(stateDir(), "hosts", "addresses.json");
    const addresses = readJson<Record<string, string>>(file, () => ({}));
    const address = addresses[name];
    if (!address) throw new CloudError(`no test host for server ${name}: add "${name}": "127.0.1.x" to ${file}`);
    return address;
}

/** A documentation IPv6 (RFC 3849), never routed. */
export const ipv6Of = (id: string) => `2001:db8:0:${(Number(id) % 0xffff).toString(16)}::1`;


const sshKey: Kind = {
    table: "sshKeys",
    inputs: ["name", "publicKey", "labels"],
    replaces: { publicKey: src("internal/sshkey/resource.go", "public_key stringplanmodifier.RequiresReplace()") },
    readable: ["name", "publicKey", "labels"],
    create: (_c, p, id) => ({ id, record: { ...p, fingerprint: fingerprint(String(p.publicKey)) } }),
};

function fingerprint(publicKey: string): string {
    const body = Buffer.from(publicKey.split(/\s+/)[1] ?? publicKey, "base64");
    return (createHash("md5").update(body).digest("hex").match(/../g) ?? []).join(":");
}

const placementGroup: Kind = {
    table: "placementGroups",
    // `type` has no ForceNew in internal/placementgroup/resource.go; "spread" is the only valid value.
    inputs: ["name", "type", "labels"],
    replaces: {},
    readable: ["name", "type", "labels"],
    check: (p) => (p.type === "spread" ? [] : [{ property: "type", reason: `unsupported placement group type ${String(p.type)}: only spread` }]),
    create: (_c, p, id) => ({ id, record: { ...p, servers: [] } }),
};

const network: Kind = {
    table: "networks",
    inputs: ["name", "ipRange", "labels", "deleteProtection", "exposeRoutesToVswitch"],
    replaces: { ipRange: src("internal/network/resource.go", "ip_range ForceNew") },
    readable: ["name", "ipRange", "labels", "deleteProtection", "exposeRoutesToVswitch"],
    defaults: { deleteProtection: false, exposeRoutesToVswitch: false },
    create: (_c, p, id) => ({ id, record: { ...p } }),
    beforeDelete: (_c, id, r) => {
        if (r.deleteProtection) throw new CloudError(`network ${id} is delete protected: disable delete protection first (protected)`);
    },
};

const subnet: Kind = {
    table: "networkSubnets",
    inputs: ["networkId", "type", "networkZone", "ipRange", "vswitchId"],
    replaces: Object.fromEntries(
        ["networkId", "type", "networkZone", "ipRange", "vswitchId"].map((k) => [k, src("internal/network/resource_subnet.go", `${k} ForceNew`)]),
    ),
    readable: ["networkId", "type", "networkZone", "ipRange"],
    create: (c, p) => {
        const net = String(p.networkId);
        if (!table(c, "networks")[net]) throw new CloudError(`network ${net} not found (not_found)`);
        // internal/network/resource_subnet.go ParseSubnetID: the id is `<network id>-<ip range>`.
        const id = `${net}-${String(p.ipRange)}`;
        if (table(c, "networkSubnets")[id]) throw new CloudError(`subnet ${String(p.ipRange)} overlaps with an existing subnet (conflict)`);
        return { id, record: { ...p, networkId: Number(net), gateway: gatewayOf(String(p.ipRange)) } };
    },
};

function gatewayOf(cidr: string): string {
    const [a, b, c, d] = cidr.split("/")[0].split(".").map(Number);
    return [a, b, c, d + 1].join(".");
}

const firewall: Kind = {
    table: "firewalls",
    // internal/firewall/resource.go has no ForceNew: name, rules and labels are updated in place.
    inputs: ["name", "rules", "labels", "applyTos"],
    replaces: {},
    readable: ["name", "rules", "labels"],
    create: (_c, p, id) => ({ id, record: { ...p } }),
    beforeDelete: (c, id) => {
        const users = Object.entries(table(c, "servers")).filter(([, s]) => ((s.firewallIds as number[]) ?? []).map(String).includes(id));
        if (users.length) throw new CloudError(`firewall ${id} is still in use by server ${users.map(([sid]) => sid).join(", ")} (resource_in_use)`);
    },
};

/**
 * Inputs of a server whose change powers it off (terraform-provider-hcloud v1.66.1
 * internal/server/resource.go: resourceServerUpdate's server_type branch, updatePublicNet and
 * setPlacementGroup each call Server.Poweroff on a running server).
 */
export const powerCycling = ["serverType", "publicNets", "placementGroupId"];

const server: Kind = {
    table: "servers",
    inputs: [
        "name", "serverType", "image", "location", "datacenter", "userData", "sshKeys", "keepDisk", "backups", "iso", "rescue", "labels",
        "publicNets", "networks", "firewallIds", "ignoreRemoteFirewallIds", "placementGroupId", "deleteProtection", "rebuildProtection",
        "shutdownBeforeDeletion",
    ],
    replaces: {
        image: src("internal/server/resource.go", "image ForceNew"),
        location: src("internal/server/resource.go", "location ForceNew"),
        datacenter: src("internal/server/resource.go", "datacenter ForceNew"),
        userData: src("internal/server/resource.go", "user_data ForceNew"),
        sshKeys: src("internal/server/resource.go", "ssh_keys ForceNew"),
    },
    // The API returns neither user data nor the SSH keys a server was created with, and the provider
    // does not read public_net back on import (infra/hetzner/servers.ts adoptedServerInputs).
    // Optional+Computed in internal/server/resource.go's schema.
    computed: ["image", "location", "datacenter", "firewallIds"],
    readable: ["name", "serverType", "image", "location", "labels", "networks", "firewallIds", "placementGroupId", "deleteProtection", "rebuildProtection", "backups"],
    defaults: { keepDisk: false, backups: false, deleteProtection: false, rebuildProtection: false, shutdownBeforeDeletion: false, ignoreRemoteFirewallIds: false },
    create: (c, p, id) => {
        const name = String(p.name);
        for (const n of (p.networks as Props[]) ?? []) {
            const net = String(n.networkId);
            if (!table(c, "networks")[net]) throw new CloudError(`network ${net} not found (not_found)`);
            const taken = Object.values(table(c, "servers")).some((s) => ((s.networks as Props[]) ?? []).some((o) => same(String(o.networkId), net) && o.ip === n.ip));
            if (n.ip && taken) throw new CloudError(`IP ${String(n.ip)} is already in use in network ${net} (ip_not_available)`);
        }
        for (const k of (p.sshKeys as string[]) ?? []) if (!table(c, "sshKeys")[String(k)]) throw new CloudError(`SSH key ${k} not found (not_found)`);
        const ipv6 = p.publicNets && (p.publicNets as Props[])[0]?.ipv6Enabled === false ? "" : ipv6Of(id);
        const ipv4 = hostAddress(name);
        // First boot: the user data's host key is what the server presents from its first answer.
        installHostKey(name, ipv4, p.userData);
        return {
            id,
            record: {
                ...p,
                networks: ((p.networks as Props[]) ?? []).map((n, i) => ({ ...n, networkId: Number(n.networkId), aliasIps: [], macAddress: `86:00:00:${id.slice(-2)}:00:${String(i).padStart(2, "0")}` })),
                ipv4Address: ipv4,
                ipv6Address: ipv6,
                ipv6Network: ipv6 ? ipv6.replace(/::1$/, "::/64") : "",
                status: "running",
                datacenter: `${String(p.location)}-dc3`,
                primaryDiskSize: 80,
                backupWindow: "",
                boots: 1,
            },
        };
    },
    update: (_c, _id, olds, news, record) => {
        const next: Props = { ...record, ...news, networks: ((news.networks as Props[]) ?? []).map((n) => ({ ...n, networkId: Number(n.networkId), aliasIps: [] })) };
        // Each change the provider makes with the server powered off is one more boot of the node.
        if (powerCycling.some((k) => !same(olds[k], news[k]))) next.boots = Number(record.boots ?? 1) + 1;
        return next;
    },
    beforeDelete: (_c, id, r) => {
        if (r.deleteProtection) throw new CloudError(`server ${id} is delete protected: disable delete protection first (protected)`);
    },
};

export const kinds: Record<string, Kind> = {
    "hcloud:index/sshKey:SshKey": sshKey,
    "hcloud:index/placementGroup:PlacementGroup": placementGroup,
    "hcloud:index/network:Network": network,
    "hcloud:index/networkSubnet:NetworkSubnet": subnet,
    "hcloud:index/firewall:Firewall": firewall,
    "hcloud:index/server:Server": server,
};

/** Hetzner names are unique per project and resource kind (the API's uniqueness_error); an SSH key's fingerprint too. */
function unique(c: Cloud, kind: Kind, p: Props, selfId?: string): void {
    if (!kind.inputs.includes("name")) return;
    for (const [id, r] of Object.entries(table(c, kind.table))) {
        if (id === selfId) continue;
        if (r.name === p.name) throw new CloudError(`name is already used (uniqueness_error)`);
        if (kind === sshKey && r.publicKey === p.publicKey) throw new CloudError(`SSH key with the same fingerprint already exists (uniqueness_error)`);
    }
}

export const provider = tableProvider({ name: "hcloud", version, kinds, unique });
