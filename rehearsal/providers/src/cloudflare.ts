// Simulated Cloudflare (pulumi-cloudflare 6.22.1, which bridges terraform-provider-cloudflare v5:
// v5.19.1 is the last upgrade in pulumi/pulumi-cloudflare's history, commit 33201a382; the rules
// below are unchanged in v5.22.0). Replacement rules are the `RequiresReplace()` plan modifiers
// of internal/services/<resource>/schema.go; import ids are ImportState's `<zone_id>/<record_id>`
// and `<zone_id>/<setting_id>` (internal/services/<resource>/resource.go).
import { type Cloud, type Kind, table, tableProvider } from "./table";
import { CloudError, sha, type Props } from "./values";

export const version = "6.22.1";

const src = (resource: string, attr: string) => `terraform-provider-cloudflare v5.19.1 internal/services/${resource}/schema.go: ${attr} RequiresReplace()`;

/** A fixed instant: the simulation is deterministic. */
const epoch = "2026-01-01T00:00:00Z";

/** The zone every simulated account holds unless the cloud file lists its own `tables.zones` (the estate's zone, DESIGN §7). */
export const defaultZone = "myhoneydue.com";
export const zoneIdOf = (name: string) => sha("zone", name).slice(0, 32);

function zones(c: Cloud): Record<string, Props> {
    return c.tables.zones ?? { [zoneIdOf(defaultZone)]: { name: defaultZone, status: "active" } };
}

/** Cloudflare's published edge ranges (www.cloudflare.com/ips); a cloud file's `ipRanges` overrides them. */
export const publishedRanges = {
    ipv4Cidrs: [
        "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18", "108.162.192.0/18",
        "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15", "104.16.0.0/13",
        "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
    ],
    ipv6Cidrs: ["2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32"],
};

const dnsRecord: Kind = {
    table: "dnsRecords",
    inputs: ["zoneId", "name", "type", "content", "proxied", "ttl", "comment", "tags", "priority", "data", "settings"],
    replaces: { zoneId: src("dns_record", "zone_id"), type: src("dns_record", "type") },
    readable: ["zoneId", "name", "type", "content", "proxied", "ttl", "comment", "tags", "priority", "data", "settings"],
    create: (c, p, n) => {
        if (!zones(c)[String(p.zoneId)]) throw new CloudError(`zone ${String(p.zoneId)} not found (7003: Could not route to /zones/${String(p.zoneId)}/dns_records)`);
        const id = sha("dns_record", n).slice(0, 32);
        return { id, record: { ...p, proxiable: true, createdOn: epoch, modifiedOn: epoch, commentModifiedOn: epoch, meta: "{}" } };
    },
    // The id alone names a record; an import id `<zone_id>/<record_id>` is split as ImportState does.
    key: (id) => id.split("/").pop()!,
};

const zoneSetting: Kind = {
    table: "zoneSettings",
    inputs: ["zoneId", "settingId", "value", "enabled"],
    replaces: { zoneId: src("zone_setting", "zone_id"), settingId: src("zone_setting", "setting_id") },
    readable: ["zoneId", "settingId", "value"],
    // A setting always exists in a zone: "creating" it sets its value (PATCH /zones/:zone/settings/:id).
    create: (c, p) => {
        if (!zones(c)[String(p.zoneId)]) throw new CloudError(`zone ${String(p.zoneId)} not found`);
        return { id: `${String(p.zoneId)}/${String(p.settingId)}`, record: { ...p, editable: true, modifiedOn: epoch } };
    },
    key: (id, props) => (id.includes("/") ? id : `${String(props.zoneId)}/${id}`),
    idOf: (key) => key.split("/").pop()!,
};

export const kinds: Record<string, Kind> = {
    "cloudflare:index/dnsRecord:DnsRecord": dnsRecord,
    "cloudflare:index/zoneSetting:ZoneSetting": zoneSetting,
};

/** Cloudflare refuses a second record with the same name, type and content (error 81058). */
function unique(c: Cloud, kind: Kind, p: Props, selfKey?: string): void {
    if (kind !== dnsRecord) return;
    for (const [id, r] of Object.entries(table(c, "dnsRecords"))) {
        if (id !== selfKey && r.zoneId === p.zoneId && r.name === p.name && r.type === p.type && r.content === p.content) {
            throw new CloudError(`An identical record already exists. (81058)`);
        }
    }
}

function invoke(c: Cloud, token: string, args: Props): Props {
    switch (token) {
        case "cloudflare:index/getIpRanges:getIpRanges": {
            const ranges = (c.ipRanges as typeof publishedRanges | undefined) ?? publishedRanges;
            return { ...ranges, etag: sha(ranges).slice(0, 16), jdcloudCidrs: [], id: "cloudflare-ip-ranges" };
        }
        case "cloudflare:index/getZone:getZone": {
            const all = Object.entries(zones(c));
            const filter = (args.filter as Props | undefined) ?? {};
            const match = all.filter(([id, z]) => (args.zoneId ? id === args.zoneId : z.name === filter.name));
            if (match.length !== 1) throw new CloudError(`no zone matches ${JSON.stringify(args)} (zones in the simulated account: ${all.map(([, z]) => String(z.name)).join(", ") || "none"})`);
            const [id, z] = match[0];
            return { ...z, id, zoneId: id, status: z.status ?? "active", paused: false, type: "full" };
        }
        default:
            throw new CloudError(`the simulated cloudflare provider has no function ${token}`);
    }
}

export const provider = tableProvider({ name: "cloudflare", version, kinds, unique, invoke });
