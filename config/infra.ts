// Hetzner servers, their private network and who may reach them: DESIGN §1, §4, §5.
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { keyDataProblem } from "./sshKey";
import { bool, cidr, contains, coversEverything, ipv4, isRfc1918, json, nodeName, parseCidr, rfc1918, strictObject, text } from "./fields";

/** Hetzner Cloud locations and the network zone each belongs to. */
export const networkZones = {
    fsn1: "eu-central",
    nbg1: "eu-central",
    hel1: "eu-central",
    ash: "us-east",
    hil: "us-west",
    sin: "ap-southeast",
} as const;
export type Location = keyof typeof networkZones;
const locations = Object.keys(networkZones) as [Location, ...Location[]];

/** The book's nodes. The ssh aliases are out of order on purpose: that is how the estate runs. */
export const bookNodes = [
    { name: "ubuntu-8gb-nbg1-1", privateIp: "10.0.1.11", sshAlias: "hetzner2" },
    { name: "ubuntu-8gb-nbg1-2", privateIp: "10.0.1.12", sshAlias: "hetzner1" },
    { name: "ubuntu-8gb-nbg1-3", privateIp: "10.0.1.13", sshAlias: "hetzner3" },
];

const node = strictObject(
    {
        name: nodeName,
        privateIp: ipv4,
        sshAlias: nodeName.optional(),
    },
    "expected an object { name, privateIp, sshAlias? }",
);
export type NodeSpec = z.infer<typeof node>;

const publicKeyLine = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?\n?$/;
export const sshPublicKey = text(publicKeyLine, "expected one OpenSSH public key line such as 'ssh-ed25519 AAAA… you@host'").superRefine((v, ctx) => {
    if (!publicKeyLine.test(v)) return;
    const [type, blob] = v.trim().split(" ");
    const problem = keyDataProblem(type, blob, "the whole line of your .pub file");
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
});

export const infraKeys = {
    location: z.enum(locations, { error: `expected one of the Hetzner locations ${locations.join(", ")}` }).default("nbg1"),
    serverType: z
        .string()
        .regex(/^(cx|cpx|cax|ccx)\d{2,3}$/, { error: "expected a Hetzner Cloud server type such as cx33" })
        .default("cx33"),
    image: z
        .string()
        .regex(/^[a-z]+-\d+(\.\d+)*$/, { error: "expected a Hetzner system image such as ubuntu-24.04" })
        .default("ubuntu-24.04"),
    nodes: json(
        z
            .array(node, { error: "expected a JSON list of nodes" })
            .refine((l) => l.length >= 3 && l.length % 2 === 1, {
                error: (iss) => `got ${(iss.input as unknown[]).length} nodes; expected an odd number, at least 3 (etcd keeps quorum only with a majority)`,
            }),
    ).default(bookNodes),
    networkCidr: cidr.default("10.0.0.0/16"),
    subnetCidr: cidr.default("10.0.1.0/24"),
    adminCidrs: json(
        z
            .array(cidr, { error: "expected a JSON list of CIDRs such as [\"198.51.100.7/32\"]" })
            .min(1, { error: "expected at least one CIDR (the address `pulumi up` runs from)" })
            .refine((l) => !l.some((c) => c.endsWith("/0")), {
                error: "SSH and the Kubernetes API must not be open to the world; expected operator addresses such as 198.51.100.7/32",
            }),
    ),
    /** Admin CIDRs broader than /16 (IPv4) or /48 (IPv6) are refused unless this says so on purpose. */
    allowBroadAdminCidrs: bool.default(false),
    ipv6: bool.default(true),
    protect: bool.default(true),
    sshPublicKey,
    sshUser: nodeName.default("root"),
};

/** The addresses no server may take: the subnet's network and broadcast addresses and the network's gateway. */
function reserved(networkCidr: string, subnetCidr: string): string[] {
    if (!ipaddr.IPv4.isValidCIDR(networkCidr) || !ipaddr.IPv4.isValidCIDR(subnetCidr)) return [];
    const gateway = ipaddr.IPv4.networkAddressFromCIDR(networkCidr).toByteArray();
    gateway[3] += 1;
    return [
        ipaddr.IPv4.networkAddressFromCIDR(subnetCidr).toString(),
        ipaddr.IPv4.broadcastAddressFromCIDR(subnetCidr).toString(),
        new ipaddr.IPv4(gateway).toString(),
    ];
}

type Infra = z.infer<z.ZodObject<typeof infraKeys>>;

/** Checks that need more than one key. */
export function checkInfra(c: Infra, issue: (key: string, message: string) => void): void {
    if (c.nodes.length === 0) return;
    const seen = new Map<string, string>();
    for (const n of c.nodes) {
        for (const [what, value] of [["name", n.name], ["privateIp", n.privateIp], ["sshAlias", n.sshAlias]] as const) {
            if (value === undefined) continue;
            const key = `${what}:${value}`;
            if (seen.has(key)) issue("nodes", `${what} ${value} appears twice; expected every node to have its own`);
            seen.set(key, n.name);
        }
        if (!contains(c.subnetCidr, n.privateIp)) {
            issue("nodes", `${n.name} has privateIp ${n.privateIp}, outside subnetCidr ${c.subnetCidr}; expected an address inside it`);
        } else if (reserved(c.networkCidr, c.subnetCidr).includes(n.privateIp)) {
            issue("nodes", `${n.name} has privateIp ${n.privateIp}, which is reserved (network, broadcast or gateway address); expected a host address`);
        }
    }
    checkAdminCidrs(c, issue);
    // Hetzner: a network's ip_range "must be one of the private ipv4 ranges of RFC1918"
    // (node_modules/@pulumi/hcloud/network.d.ts, NetworkArgs.ipRange).
    if (parseCidr(c.networkCidr) !== undefined && !isRfc1918(c.networkCidr)) {
        issue("networkCidr", `${c.networkCidr} is not a private RFC 1918 range; expected a range inside ${rfc1918.join(", ")}, as Hetzner requires`);
    }
    const [subnetBase] = c.subnetCidr.split("/");
    if (!contains(c.networkCidr, subnetBase) || Number(c.subnetCidr.split("/")[1]) < Number(c.networkCidr.split("/")[1])) {
        issue("subnetCidr", `${c.subnetCidr} is not inside networkCidr ${c.networkCidr}; expected a subnet of it`);
    }
}

/** The broadest prefix an operator's address range may have, unless allowBroadAdminCidrs is true. */
export const adminPrefixMin = { ipv4: 16, ipv6: 48 } as const;

/** Who may reach SSH and the Kubernetes API: operators' own ranges, never the internet in pieces. */
function checkAdminCidrs(c: Infra, issue: (key: string, message: string) => void): void {
    const valid = c.adminCidrs.filter((v) => parseCidr(v) !== undefined);
    if (!c.allowBroadAdminCidrs) {
        for (const v of valid) {
            const [addr, prefix] = parseCidr(v)!;
            const min = adminPrefixMin[addr.kind()];
            if (prefix < min) {
                issue("adminCidrs", `${v} is broader than /${min}; expected an operator's own address or range (/${addr.kind() === "ipv4" ? 32 : 128} for one address), or set honeydue:allowBroadAdminCidrs to true on purpose`);
            }
        }
    }
    for (const v of valid) {
        // An IPv4-mapped IPv6 source (::ffff:a.b.c.d) never matches IPv4 traffic: the operator would be locked out.
        const [addr, prefix] = parseCidr(v)!;
        if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
            issue("adminCidrs", `${v} is an IPv4 address written as IPv6; expected ${(addr as ipaddr.IPv6).toIPv4Address().toString()}/${prefix - 96}`);
        }
    }
    for (const family of ["ipv4", "ipv6"] as const) {
        if (coversEverything(valid, family)) {
            issue("adminCidrs", `together cover every ${family === "ipv4" ? "IPv4" : "IPv6"} address (${valid.filter((v) => parseCidr(v)![0].kind() === family).join(" + ")}), which opens SSH and the Kubernetes API to the world; expected operator addresses such as 198.51.100.7/32`);
        }
    }
}
