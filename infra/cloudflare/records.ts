// Round-robin DNS: one record per node per hostname. Each record's address comes from its own
// server's output, so a record depends on that server alone: replacing a node rewrites only its
// records, and adding or removing a node adds or removes only its records (names are per node).
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { plannedRecords, recordName, type PlannedRecord, type RecordPlanInput } from "./recordPlan";

/** What the edge needs from a node (infra/hetzner's Node satisfies it). */
export interface EdgeNode {
    spec: { name: string };
    publicIpv4: pulumi.Output<string>;
    publicIpv6: pulumi.Output<string>;
}

export { AUTO_TTL, DNS_ONLY_TTL, recordName, type RecordType } from "./recordPlan";

export interface RecordSpec extends PlannedRecord {
    content: pulumi.Output<string>;
}

export interface RecordPlan extends Omit<RecordPlanInput, "nodes"> {
    nodes: EdgeNode[];
}

/** Every record the edge publishes (recordPlan.ts), each with its own node's address. */
export function recordSpecs(p: RecordPlan): RecordSpec[] {
    const byName = new Map(p.nodes.map((n) => [n.spec.name, n]));
    return plannedRecords({ ...p, nodes: p.nodes.map((n) => n.spec.name) }).map((r) => {
        const node = byName.get(r.node)!;
        return { ...r, content: r.type === "A" ? node.publicIpv4 : node.publicIpv6 };
    });
}

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
