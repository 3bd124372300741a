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

/** The inbound rules: web from Cloudflare only, SSH and the Kubernetes API from operators only, ICMP. */
export function firewallRules(edge: EdgeRanges, adminCidrs: string[]): Rule[] {
    const cloudflare = [...edge.ipv4, ...edge.ipv6];
    return [
        { direction: "in", protocol: "tcp", port: "80", sourceIps: cloudflare, description: "HTTP from Cloudflare (SSL Flexible)" },
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
