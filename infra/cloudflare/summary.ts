// The `dns` stack output: what the edge published, read back from the records and settings
// themselves (so it shows what Cloudflare holds, not what the program meant to send).
import type * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { RecordSpec } from "./records";

export interface HostnameSummary {
    proxied: boolean;
    ttl: number;
    /** Which nodes serve the hostname, in node order. */
    nodes: string[];
    a: string[];
    aaaa: string[];
}

export interface DnsSummary {
    zone: string;
    zoneId: string;
    records: Record<string, HostnameSummary>;
    outOfRotation: string[];
    settings: Record<string, string>;
}

export function dnsSummary(
    zone: string,
    zoneId: pulumi.Output<string>,
    records: { spec: RecordSpec; record: cloudflare.DnsRecord }[],
    settings: cloudflare.ZoneSetting[],
    outOfRotation: string[],
): pulumi.Output<DnsSummary> {
    const published = records.map(({ spec, record }) =>
        pulumi.all([record.content, record.proxied, record.ttl]).apply(([content, proxied, ttl]) => ({ ...spec, content, proxied, ttl })),
    );
    const applied = settings.map((s) => pulumi.all([s.settingId, s.value]).apply(([id, value]) => [id, typeof value === "string" ? value : JSON.stringify(value)] as const));
    return pulumi.all([zoneId, pulumi.all(published), pulumi.all(applied)]).apply(([id, recs, sets]) => {
        const byHost: Record<string, HostnameSummary> = {};
        for (const r of recs) {
            const h = (byHost[r.hostname] ??= { proxied: r.proxied, ttl: r.ttl, nodes: [], a: [], aaaa: [] });
            if (!h.nodes.includes(r.node)) h.nodes.push(r.node);
            (r.type === "A" ? h.a : h.aaaa).push(r.content);
        }
        return { zone, zoneId: id, records: byHost, outOfRotation, settings: Object.fromEntries(sets) };
    });
}
