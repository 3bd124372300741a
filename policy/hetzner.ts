// The Hetzner layer's conventions (DESIGN §5, §9): servers of the agreed type and place, spread,
// firewalled and protected; a firewall that opens nothing of the cluster to the world and web
// ports to Cloudflare only.
import * as hcloud from "@pulumi/hcloud";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import { cloudflareRanges } from "./cloudflareRanges";
import { list, schemaOf, settings, stackOf } from "./lib";

export const serverTypeDefaults = { allowedServerTypes: ["cx33"] };
export const serverType: ResourceValidationPolicy = {
    name: "hetzner-server-type",
    description: "Servers are of a server type the operator allows (the book's CX33).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(serverTypeDefaults, { allowedServerTypes: "Hetzner server types servers may have, e.g. [\"cx33\"]." }),
    validateResource: validateResourceOfType(hcloud.Server, (server, args, report) => {
        const { allowedServerTypes } = settings(args, serverTypeDefaults);
        if (!allowedServerTypes.includes(server.serverType)) {
            report(
                `server type ${server.serverType} is not allowed; set honeydue:serverType to one of ${list(allowedServerTypes)}, ` +
                    `or allow it with --policy-pack-config {"hetzner-server-type":{"allowedServerTypes":[…]}}`,
            );
        }
    }),
};

export const serverLocationDefaults = { allowedLocations: ["nbg1"] };
export const serverLocation: ResourceValidationPolicy = {
    name: "hetzner-server-location",
    description: "Servers are in a location the operator allows (the book's nbg1).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(serverLocationDefaults, { allowedLocations: "Hetzner locations servers may be in, e.g. [\"nbg1\"]." }),
    validateResource: validateResourceOfType(hcloud.Server, (server, args, report) => {
        const { allowedLocations } = settings(args, serverLocationDefaults);
        if (server.location === undefined || !allowedLocations.includes(server.location)) {
            report(
                `location ${server.location ?? "(none: Hetzner picks one)"} is not allowed; set honeydue:location to one of ${list(allowedLocations)}, ` +
                    `or allow it with --policy-pack-config {"hetzner-server-location":{"allowedLocations":[…]}}`,
            );
        }
    }),
};

export const serverSpread: ResourceValidationPolicy = {
    name: "hetzner-server-placement-group",
    description: "Every server is in a placement group, so no two nodes share a physical host.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(hcloud.Server, (server, _args, report) => {
        // Checked by presence: the group's id is unknown during the first preview.
        if (!("placementGroupId" in server) || server.placementGroupId === undefined || server.placementGroupId === null) {
            report("the server is in no placement group; set placementGroupId to the spread placement group's id (placementGroup.id.apply(Number))");
        }
    }),
};

export const serverFirewall: ResourceValidationPolicy = {
    name: "hetzner-server-firewall",
    description: "Every server is behind a firewall (inbound denied unless a rule allows it).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(hcloud.Server, (server, _args, report) => {
        if (!("firewallIds" in server) || !Array.isArray(server.firewallIds) || server.firewallIds.length === 0) {
            report("the server has no firewall; set firewallIds to [firewall.id.apply(Number)] so inbound traffic is denied by default");
        }
    }),
};

export const serverProtectedDefaults = { protectedStacks: ["prod"] };
export const serverProtected: ResourceValidationPolicy = {
    name: "hetzner-server-protected",
    description: "In protected stacks (prod), servers are protected from deletion in Pulumi and from deletion and rebuild in Hetzner.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(serverProtectedDefaults, { protectedStacks: "Stacks whose servers must be protected, e.g. [\"prod\"]." }),
    validateResource: validateResourceOfType(hcloud.Server, (server, args, report) => {
        const { protectedStacks } = settings(args, serverProtectedDefaults);
        const stack = stackOf(args.urn);
        if (!protectedStacks.includes(stack)) return;
        const missing = [
            ...(args.opts.protect ? [] : ["the resource option protect: true"]),
            ...(server.deleteProtection === true ? [] : ["deleteProtection: true"]),
            ...(server.rebuildProtection === true ? [] : ["rebuildProtection: true"]),
        ];
        if (missing.length > 0) report(`a server of the ${stack} stack must be protected; set ${missing.join(", ")} (honeydue:protect)`);
    }),
};

/** Ports nobody on the internet may reach: SSH, the Kubernetes API, etcd, kubelet, flannel, node exporter, NodePorts. */
export const closedPortsDefaults = { closedPorts: ["22", "6443", "2379-2380", "10250", "8472", "51820", "9100", "30000-32767"] };

type Family = "ipv4" | "ipv6";
const familyBits: Record<Family, number> = { ipv4: 32, ipv6: 128 };

const parsed = new Map<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined>();
/** A source as ipaddr.js parses it: a CIDR, or a bare address as its /32 or /128. Undefined when it does not parse. */
function parseSource(source: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
    if (!parsed.has(source)) parsed.set(source, parseFresh(source));
    return parsed.get(source);
}

function parseFresh(source: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
    const s = source.trim();
    try {
        const [addr, bits] = ipaddr.parseCIDR(s.includes("/") ? s : `${s}/${s.includes(":") ? 128 : 32}`);
        // An IPv4-mapped IPv6 source (::ffff:a.b.c.d/n) is IPv4 traffic.
        if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
        return [addr, bits];
    } catch {
        return undefined;
    }
}

const toBig = (addr: ipaddr.IPv4 | ipaddr.IPv6) => addr.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);

/**
 * The address families whose whole space the sources cover together (0.0.0.0/1 plus 128.0.0.0/1
 * is the IPv4 internet as surely as 0.0.0.0/0): the ranges are sorted and merged, then compared
 * with the family's first and last address.
 */
export function worldCovered(sources: string[]): Family[] {
    const ranges: Record<Family, [bigint, bigint][]> = { ipv4: [], ipv6: [] };
    for (const src of sources) {
        const parsed = parseSource(src);
        if (!parsed) continue;
        const [addr, bits] = parsed;
        const kind = addr.kind() as Family;
        const width = BigInt(familyBits[kind] - bits);
        const start = (toBig(addr) >> width) << width;
        ranges[kind].push([start, start + (1n << width) - 1n]);
    }
    return (Object.keys(ranges) as Family[]).filter((kind) => {
        let next = 0n;
        for (const [lo, hi] of ranges[kind].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
            if (lo > next) return false;
            if (hi + 1n > next) next = hi + 1n;
        }
        return next === 1n << BigInt(familyBits[kind]);
    });
}

/** The ports a rule opens: "80", "2379-2380", "any" or none given (every port) for tcp/udp. */
function portRange(rule: { protocol: string; port?: string }): [number, number] | undefined {
    if (rule.protocol !== "tcp" && rule.protocol !== "udp") return undefined;
    if (rule.port === undefined || rule.port === "" || rule.port === "any") return [1, 65535];
    const [lo, hi] = rule.port.split("-").map((p) => Number(p.trim()));
    return [lo, hi ?? lo];
}

/** A firewall rule as the provider takes it (hcloud FirewallRule). */
interface Rule {
    direction: string;
    protocol: string;
    port?: string;
    sourceIps?: string[];
}

const inbound = (rules: Rule[] | undefined) => (rules ?? []).filter((r) => r.direction === "in");
const showRule = (rule: Rule) => `inbound ${rule.protocol}${rule.port ? ` ${rule.port}` : portRange(rule) ? " (all ports)" : ""}`;

export const firewallClosedPorts: ResourceValidationPolicy = {
    name: "hetzner-firewall-cluster-ports-closed",
    description:
        "No inbound rule opens SSH (22), the Kubernetes API (6443), etcd (2379-2380), kubelet (10250), flannel (8472, 51820), node exporter (9100) or the NodePorts (30000-32767) to the whole IPv4 or IPv6 internet, however its sources are split.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(closedPortsDefaults, { closedPorts: "Ports or ranges (\"30000-32767\") no inbound rule may open to the whole internet (sources are merged: 0.0.0.0/1 + 128.0.0.0/1 is the world)." }),
    validateResource: validateResourceOfType(hcloud.Firewall, (firewall, args, report) => {
        const { closedPorts } = settings(args, closedPortsDefaults);
        for (const rule of inbound(firewall.rules as Rule[] | undefined)) {
            const range = portRange(rule);
            const world = worldCovered(rule.sourceIps ?? []);
            if (!range || world.length === 0) continue;
            const open = closedPorts.filter((p) => {
                const [lo, hi] = portRange({ protocol: "tcp", port: String(p) })!;
                return lo <= range[1] && hi >= range[0];
            });
            if (open.length > 0) {
                report(
                    `${showRule(rule)} is open to the whole ${world.join(" and ")} internet and exposes ${open.join(", ")}; ` +
                        "allow only honeydue:adminCidrs for 22 and 6443, and leave etcd, kubelet, flannel and NodePorts to the private network",
                );
            }
        }
    }),
};

/** True when `cidr` lies inside one of `ranges`: same family, a prefix at least as long, and the range's leading bits. */
export function inside(cidr: string, ranges: string[]): boolean {
    const parsed = parseSource(cidr);
    if (!parsed) return false;
    const [addr, bits] = parsed;
    return ranges.some((r) => {
        const range = parseSource(r);
        return range !== undefined && range[0].kind() === addr.kind() && bits >= range[1] && addr.match(range);
    });
}

/** One allowed kind of rule: a protocol, a port (or range) for tcp/udp, and whom it may admit. */
export interface AllowedRule {
    protocol: string;
    port?: string;
    /** cloudflare: each source inside Cloudflare's ranges; admin: narrow sources that never cover the internet; any: anyone. */
    sources: "cloudflare" | "admin" | "any";
}

export const allowlistDefaults = {
    allowedRules: [
        { protocol: "tcp", port: "80", sources: "cloudflare" },
        { protocol: "tcp", port: "443", sources: "cloudflare" },
        { protocol: "tcp", port: "22", sources: "admin" },
        { protocol: "tcp", port: "6443", sources: "admin" },
        { protocol: "icmp", sources: "any" },
    ] as AllowedRule[],
    cloudflareRanges,
    // The configuration's own limit (config/infra.ts adminPrefixMin): what config accepts, the pack accepts.
    adminMinPrefixIpv4: 16,
    adminMinPrefixIpv6: 48,
};

const samePorts = (rule: Rule, allowed: AllowedRule) => {
    const a = portRange(rule);
    const b = portRange({ protocol: allowed.protocol, port: allowed.port });
    return a === undefined ? b === undefined : b !== undefined && a[0] === b[0] && a[1] === b[1];
};

export const firewallAllowlist: ResourceValidationPolicy = {
    name: "hetzner-firewall-allowlist",
    description:
        "Every inbound rule is one the estate allows: 80/443 from Cloudflare's ranges only (each source inside one), 22/6443 from narrow admin sources that never cover the internet, ICMP from anyone; nothing else.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(allowlistDefaults, {
        allowedRules: "Allowed inbound rules, each {protocol, port, sources} with sources one of cloudflare, admin, any.",
        cloudflareRanges: "Cloudflare's published ranges (https://www.cloudflare.com/ips/); update when Cloudflare adds one.",
        adminMinPrefixIpv4: "The broadest IPv4 prefix an admin source may have (16: at most a /16).",
        adminMinPrefixIpv6: "The broadest IPv6 prefix an admin source may have.",
    }),
    validateResource: validateResourceOfType(hcloud.Firewall, (firewall, args, report) => {
        const cfg = settings(args, allowlistDefaults);
        for (const rule of inbound(firewall.rules as Rule[] | undefined)) {
            const sources = rule.sourceIps ?? [];
            const entry = cfg.allowedRules.find((a) => a.protocol === rule.protocol && samePorts(rule, a));
            const allowed = cfg.allowedRules.map((a) => `${a.protocol}${a.port ? ` ${a.port}` : ""}`).join(", ");
            if (!entry) {
                report(`${showRule(rule)} is not an allowed rule (allowed: ${allowed}); remove it, or reach the service over the private network or through Cloudflare`);
                continue;
            }
            const unparsed = sources.filter((s) => parseSource(s) === undefined);
            if (unparsed.length > 0) report(`${showRule(rule)} has sources that are not addresses or CIDRs: ${list(unparsed)}; fix them`);
            if (entry.sources === "cloudflare") {
                const strangers = sources.filter((ip) => parseSource(ip) !== undefined && !inside(ip, cfg.cloudflareRanges));
                if (strangers.length > 0) {
                    report(`${showRule(rule)} admits ${list(strangers)}, not inside Cloudflare's ranges (a source must lie within one, not merely overlap it); take the sources from cloudflare.getIpRanges (edgeRanges()) only`);
                }
            } else if (entry.sources === "admin") {
                const world = worldCovered(sources);
                if (world.length > 0) report(`${showRule(rule)} admits the whole ${world.join(" and ")} internet; set honeydue:adminCidrs to the operators' own addresses`);
                const broad = sources.filter((s) => {
                    const p = parseSource(s);
                    return p !== undefined && p[1] < (p[0].kind() === "ipv4" ? cfg.adminMinPrefixIpv4 : cfg.adminMinPrefixIpv6);
                });
                if (broad.length > 0) {
                    report(`${showRule(rule)} admits ${list(broad)}, broader than /${cfg.adminMinPrefixIpv4} (IPv4) or /${cfg.adminMinPrefixIpv6} (IPv6); list the operators' addresses in honeydue:adminCidrs`);
                }
            }
        }
    }),
};

export const hetznerPolicies = [serverType, serverLocation, serverSpread, serverFirewall, serverProtected, firewallClosedPorts, firewallAllowlist];
