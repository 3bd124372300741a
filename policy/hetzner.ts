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

/** Ports nobody on the internet may reach: SSH, the Kubernetes API, etcd, kubelet, flannel. */
export const closedPortsDefaults = { closedPorts: [22, 6443, 2379, 2380, 10250, 8472, 51820] };

const world = (cidr: string) => cidr.trim().endsWith("/0");

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

export const firewallClosedPorts: ResourceValidationPolicy = {
    name: "hetzner-firewall-cluster-ports-closed",
    description: "No firewall rule opens SSH (22), the Kubernetes API (6443), etcd (2379-2380), kubelet (10250) or flannel (8472, 51820) to the world.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(closedPortsDefaults, { closedPorts: "Ports no inbound rule may open to 0.0.0.0/0 or ::/0." }),
    validateResource: validateResourceOfType(hcloud.Firewall, (firewall, args, report) => {
        const { closedPorts } = settings(args, closedPortsDefaults);
        for (const rule of inbound(firewall.rules as Rule[] | undefined)) {
            const range = portRange(rule);
            if (!range || !(rule.sourceIps ?? []).some(world)) continue;
            const open = closedPorts.filter((p) => p >= range[0] && p <= range[1]);
            if (open.length > 0) {
                report(
                    `inbound ${rule.protocol} ${rule.port ?? "(all ports)"} is open to the world and exposes ${open.join(", ")}; ` +
                        "allow only honeydue:adminCidrs for 22 and 6443, and leave etcd, kubelet and flannel to the private network",
                );
            }
        }
    }),
};

/** True when `cidr` lies inside one of `ranges`. */
function inside(cidr: string, ranges: string[]): boolean {
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
        parsed = ipaddr.parseCIDR(cidr.includes("/") ? cidr : `${cidr}/${cidr.includes(":") ? 128 : 32}`);
    } catch {
        return false;
    }
    const [addr, bits] = parsed;
    return ranges.some((r) => {
        try {
            const range = ipaddr.parseCIDR(r);
            return range[0].kind() === addr.kind() && bits >= range[1] && addr.match(range);
        } catch {
            return false;
        }
    });
}

export const webFromCloudflareDefaults = { webPorts: [80, 443], cloudflareRanges };
export const firewallWebFromCloudflare: ResourceValidationPolicy = {
    name: "hetzner-firewall-web-from-cloudflare",
    description: "Inbound HTTP and HTTPS (80, 443) come only from Cloudflare's edge ranges: the origin is reachable only through the proxy.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(webFromCloudflareDefaults, {
        webPorts: "The web ports that only Cloudflare may reach.",
        cloudflareRanges: "Cloudflare's published ranges (https://www.cloudflare.com/ips/); update when Cloudflare adds one.",
    }),
    validateResource: validateResourceOfType(hcloud.Firewall, (firewall, args, report) => {
        const { webPorts, cloudflareRanges: edge } = settings(args, webFromCloudflareDefaults);
        for (const rule of inbound(firewall.rules as Rule[] | undefined)) {
            const range = portRange(rule);
            if (!range || !webPorts.some((p) => p >= range[0] && p <= range[1])) continue;
            const strangers = (rule.sourceIps ?? []).filter((ip) => !inside(ip, edge));
            if (strangers.length > 0) {
                report(
                    `inbound ${rule.protocol} ${rule.port ?? "(all ports)"} admits ${list(strangers)}, outside Cloudflare's ranges; ` +
                        "take the sources from cloudflare.getIpRanges (edgeRanges()) only",
                );
            }
        }
    }),
};

export const hetznerPolicies = [serverType, serverLocation, serverSpread, serverFirewall, serverProtected, firewallClosedPorts, firewallWebFromCloudflare];
