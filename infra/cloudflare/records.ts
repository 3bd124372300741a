// Round-robin DNS: one record per node per hostname. Each record's address comes from its own
// server's output, so a record depends on that server alone: replacing a node rewrites only its
// records, and adding or removing a node adds or removes only its records (names are per node).
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/** What the edge needs from a node (infra/hetzner's Node satisfies it). */
export interface EdgeNode {
    spec: { name: string };
    publicIpv4: pulumi.Output<string>;
    publicIpv6: pulumi.Output<string>;
}

export type RecordType = "A" | "AAAA";

export interface RecordSpec {
    hostname: string;
    node: string;
    type: RecordType;
    proxied: boolean;
    ttl: number;
    content: pulumi.Output<string>;
}

/** Cloudflare's "automatic" TTL; proxied records take no other. */
export const AUTO_TTL = 1;
/** DNS-only names should follow a replaced node within a minute; 60 s is the lowest outside Enterprise. */
export const DNS_ONLY_TTL = 60;

export interface RecordPlan {
    /** App hostnames: proxied through Cloudflare. */
    routes: string[];
    /** The Kubernetes API's name: DNS-only (Cloudflare does not proxy 6443), IPv4 only like adminCidrs. */
    apiHostname?: string;
    ipv6: boolean;
    nodes: EdgeNode[];
    outOfRotation: string[];
}

/** Every record the edge publishes, hostname by hostname, node by node. */
export function recordSpecs(p: RecordPlan): RecordSpec[] {
    const serving = p.nodes.filter((n) => !p.outOfRotation.includes(n.spec.name));
    const app = p.routes.flatMap((hostname) =>
        serving.flatMap((n) => [
            { hostname, node: n.spec.name, type: "A" as const, proxied: true, ttl: AUTO_TTL, content: n.publicIpv4 },
            ...(p.ipv6 ? [{ hostname, node: n.spec.name, type: "AAAA" as const, proxied: true, ttl: AUTO_TTL, content: n.publicIpv6 }] : []),
        ]),
    );
    const api = p.apiHostname === undefined ? [] : serving.map((n) => ({ hostname: p.apiHostname!, node: n.spec.name, type: "A" as const, proxied: false, ttl: DNS_ONLY_TTL, content: n.publicIpv4 }));
    return [...app, ...api];
}

/** Stable per hostname, node and type: "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a". */
export const recordName = (r: Pick<RecordSpec, "hostname" | "node" | "type">) => `${r.hostname}-${r.node}-${r.type.toLowerCase()}`;

export function createRecord(r: RecordSpec, zoneId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): cloudflare.DnsRecord {
    return new cloudflare.DnsRecord(
        recordName(r),
        {
            zoneId,
            // The full name, apex included: the API stores FQDNs, and "@" would show a diff on every preview.
            name: r.hostname,
            type: r.type,
            content: r.content,
            proxied: r.proxied,
            ttl: r.ttl,
            comment: `managed by the honeydue estate (pulumi); node ${r.node}`,
        },
        opts,
    );
}
