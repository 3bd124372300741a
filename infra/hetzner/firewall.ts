// One firewall on every server. Inbound is denied unless a rule allows it; what k3s needs between
// nodes (etcd, kubelet, flannel) travels over the private network, which this firewall does not filter.
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeRanges } from "../cloudflare/ipRanges";

export interface Rule {
    direction: "in";
    protocol: "tcp" | "udp" | "icmp";
    port?: string;
    sourceIps: string[];
    description: string;
}

const world = ["0.0.0.0/0", "::/0"];

/**
 * The inbound rules: web from Cloudflare only, SSH and the Kubernetes API from operators only, ICMP.
 * Port 80 only while Cloudflare may use it (SSL Flexible, infra/cloudflare/zone.ts port80Open):
 * Cloudflare's ranges are every Cloudflare customer's proxies, and plain HTTP skips the client
 * certificate check on 443 (Authenticated Origin Pulls), so an open 80 lets any zone reach the apps.
 */
export function firewallRules(edge: EdgeRanges, adminCidrs: string[], port80: boolean): Rule[] {
    const cloudflare = [...edge.ipv4, ...edge.ipv6];
    return [
        ...(port80 ? [{ direction: "in" as const, protocol: "tcp" as const, port: "80", sourceIps: cloudflare, description: "HTTP from Cloudflare (SSL Flexible)" }] : []),
        { direction: "in", protocol: "tcp", port: "443", sourceIps: cloudflare, description: "HTTPS from Cloudflare" },
        { direction: "in", protocol: "tcp", port: "22", sourceIps: adminCidrs, description: "SSH from operators" },
        { direction: "in", protocol: "tcp", port: "6443", sourceIps: adminCidrs, description: "Kubernetes API from operators" },
        { direction: "in", protocol: "icmp", sourceIps: world, description: "ICMP (ping, path MTU discovery)" },
    ];
}

export function createFirewall(
    name: string,
    rules: pulumi.Input<Rule[]>,
    labels: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): hcloud.Firewall {
    return new hcloud.Firewall(name, { name, rules, labels }, opts);
}
