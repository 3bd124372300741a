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

// ---- The origin (README, "The origin"): Origin CA certificates and Authenticated Origin Pulls. ----

/** The zone a hostname belongs to in the simulated account (the longest zone name that is it or a parent). */
function zoneOfHost(c: Cloud, host: string): string | undefined {
    const bare = host.replace(/^\*\./, "");
    return Object.values(zones(c))
        .map((z) => String(z.name))
        .filter((z) => bare === z || bare.endsWith(`.${z}`))
        .sort((a, b) => b.length - a.length)[0];
}

/** A PEM-shaped placeholder: the simulation signs nothing, but the text says what it stands for. */
const pem = (label: string, ...parts: unknown[]) => `-----BEGIN ${label}-----\n${Buffer.from(sha(...parts)).toString("base64")}\n-----END ${label}-----\n`;

// internal/services/origin_ca_certificate: csr, hostnames, request_type RequiresReplace;
// requested_validity RequiresReplaceIfConfigured, Default 5475, OneOf 7…5475 (schema.go); Update
// is empty (resource.go), so nothing else can change. Hostnames must be in the account's zones.
const validities = [7, 30, 90, 365, 730, 1095, 5475];
const originCaCertificate: Kind = {
    table: "originCaCertificates",
    inputs: ["csr", "hostnames", "requestType", "requestedValidity"],
    replaces: {
        csr: src("origin_ca_certificate", "csr"),
        hostnames: src("origin_ca_certificate", "hostnames"),
        requestType: src("origin_ca_certificate", "request_type"),
        requestedValidity: "terraform-provider-cloudflare v5.19.1 internal/services/origin_ca_certificate/schema.go: requested_validity RequiresReplaceIfConfigured()",
    },
    readable: ["csr", "hostnames", "requestType", "requestedValidity"],
    defaults: { requestedValidity: 5475 },
    check: (p) => [
        ...(validities.includes(Number(p.requestedValidity)) ? [] : [{ property: "requestedValidity", reason: `expected one of ${validities.join(", ")}` }]),
        ...(["origin-rsa", "origin-ecc", "keyless-certificate"].includes(String(p.requestType)) ? [] : [{ property: "requestType", reason: "expected origin-rsa, origin-ecc or keyless-certificate" }]),
    ],
    create: (c, p, n) => {
        const hosts = (p.hostnames as string[] | undefined) ?? [];
        if (hosts.length === 0) throw new CloudError("hostnames: at least one hostname is required (1010)");
        for (const h of hosts) if (!zoneOfHost(c, h)) throw new CloudError(`${h} is not in a zone of this account (1010: hostnames must belong to zones on your account)`);
        if (!String(p.csr).includes("BEGIN CERTIFICATE REQUEST")) throw new CloudError("csr: not a PEM certificate request (1001)");
        const expires = new Date(Date.parse(epoch) + Number(p.requestedValidity) * 86400000).toISOString().replace(/\.\d+Z$/, "Z");
        return { id: sha("origin_ca_certificate", n).slice(0, 40), record: { ...p, certificate: pem("CERTIFICATE", "origin-ca", p.csr, hosts), expiresOn: expires } };
    },
};

// internal/services/authenticated_origin_pulls_certificate: zone_id RequiresReplace, certificate
// RequiresReplaceIfNotCertificateSemantic (schema.go); Update is empty and private_key is not read
// back (resource.go); import id `<zone_id>/<certificate_id>` (ImportState).
const originPullCertificate: Kind = {
    table: "originPullCertificates",
    inputs: ["zoneId", "certificate", "privateKey"],
    replaces: { zoneId: src("authenticated_origin_pulls_certificate", "zone_id"), certificate: src("authenticated_origin_pulls_certificate", "certificate") },
    readable: ["zoneId", "certificate"],
    create: (c, p, n) => {
        if (!zones(c)[String(p.zoneId)]) throw new CloudError(`zone ${String(p.zoneId)} not found`);
        if (!String(p.certificate).includes("BEGIN CERTIFICATE") || !String(p.privateKey).includes("PRIVATE KEY")) throw new CloudError("certificate and private_key must be PEM (1400)");
        const id = sha("origin_pull_certificate", n).slice(0, 32);
        return { id, record: { ...p, certificateId: id, status: "active", enabled: true, issuer: "honeyDue", signature: "ECDSAWithSHA256", uploadedOn: epoch, expiresOn: "2036-01-01T00:00:00Z" } };
    },
    update: (_c, _id, _olds, _news, record) => record,
    key: (id) => id.split("/").pop()!,
};

// internal/services/authenticated_origin_pulls_settings: zone_id RequiresReplace (schema.go), the
// id is the zone id (ImportState: data.ID = data.ZoneID), and Delete calls no API (resource.go), so
// removing the resource leaves AOP as it was.
const originPullSettings: Kind = {
    table: "originPullSettings",
    inputs: ["zoneId", "enabled"],
    replaces: { zoneId: src("authenticated_origin_pulls_settings", "zone_id") },
    readable: ["zoneId", "enabled"],
    create: (c, p) => {
        if (!zones(c)[String(p.zoneId)]) throw new CloudError(`zone ${String(p.zoneId)} not found`);
        return { id: String(p.zoneId), record: { ...p } };
    },
    keepOnDelete: true,
};

/** A zone setting never written in the simulated account answers the value a new zone has. */
const settingDefaults: Props = { ssl: "flexible", always_use_https: "off", min_tls_version: "1.0" };

export const kinds: Record<string, Kind> = {
    "cloudflare:index/dnsRecord:DnsRecord": dnsRecord,
    "cloudflare:index/zoneSetting:ZoneSetting": zoneSetting,
    "cloudflare:index/originCaCertificate:OriginCaCertificate": originCaCertificate,
    "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate": originPullCertificate,
    "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings": originPullSettings,
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
        case "cloudflare:index/getZoneSetting:getZoneSetting": {
            const zoneId = String(args.zoneId);
            if (!zones(c)[zoneId]) throw new CloudError(`zone ${zoneId} not found`);
            const id = String(args.settingId);
            const row = table(c, "zoneSettings")[`${zoneId}/${id}`];
            if (!row && !(id in settingDefaults)) throw new CloudError(`the simulated account has no value for zone setting ${id}`);
            return { id, settingId: id, zoneId, value: row ? row.value : settingDefaults[id], editable: true, enabled: true, modifiedOn: epoch, timeRemaining: 0 };
        }
        case "cloudflare:index/getAuthenticatedOriginPullsCertificates:getAuthenticatedOriginPullsCertificates": {
            const zoneId = String(args.zoneId);
            if (!zones(c)[zoneId]) throw new CloudError(`zone ${zoneId} not found`);
            const results = Object.values(table(c, "originPullCertificates")).filter((r) => r.zoneId === zoneId);
            return { zoneId, results: results.map((r) => ({ id: r.certificateId, certificateId: r.certificateId, status: r.status, certificate: r.certificate, expiresOn: r.expiresOn })) };
        }
        default:
            throw new CloudError(`the simulated cloudflare provider has no function ${token}`);
    }
}

export const provider = tableProvider({ name: "cloudflare", version, kinds, unique, invoke });
