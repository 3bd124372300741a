// Which records the edge publishes, as plain data: hostname, node, type, proxied, TTL. No Outputs,
// no provider: the configuration check (config/adopt.ts) uses it to know every record's resource
// name before the program runs, and records.ts adds each record's address to it.

export type RecordType = "A" | "AAAA";

/** Cloudflare's "automatic" TTL; proxied records take no other. */
export const AUTO_TTL = 1;
/** DNS-only names should follow a replaced node within a minute; 60 s is the lowest outside Enterprise. */
export const DNS_ONLY_TTL = 60;

export interface PlannedRecord {
    hostname: string;
    node: string;
    type: RecordType;
    proxied: boolean;
    ttl: number;
}

export interface RecordPlanInput {
    /** App hostnames: proxied through Cloudflare. */
    routes: string[];
    /** The Kubernetes API's name: DNS-only (Cloudflare does not proxy 6443), IPv4 only like adminCidrs. */
    apiHostname?: string;
    ipv6: boolean;
    /** Node names, in node order. */
    nodes: string[];
    outOfRotation: string[];
}

/** Every record the edge publishes, hostname by hostname, node by node. */
export function plannedRecords(p: RecordPlanInput): PlannedRecord[] {
    const serving = p.nodes.filter((n) => !p.outOfRotation.includes(n));
    const app = p.routes.flatMap((hostname) =>
        serving.flatMap((node) => [
            { hostname, node, type: "A" as const, proxied: true, ttl: AUTO_TTL },
            ...(p.ipv6 ? [{ hostname, node, type: "AAAA" as const, proxied: true, ttl: AUTO_TTL }] : []),
        ]),
    );
    const api = p.apiHostname === undefined ? [] : serving.map((node) => ({ hostname: p.apiHostname!, node, type: "A" as const, proxied: false, ttl: DNS_ONLY_TTL }));
    return [...app, ...api];
}

/** Stable per hostname, node and type: "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a". */
export const recordName = (r: Pick<PlannedRecord, "hostname" | "node" | "type">) => `${r.hostname}-${r.node}-${r.type.toLowerCase()}`;
