// The edge's conventions (DESIGN §7, §9): app records go through Cloudflare's proxy, TLS is never
// off, and records use the current DnsRecord resource.
import * as cloudflare from "@pulumi/cloudflare";
import { validateResourceOfType, type PolicyResource, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { isProtected } from "./configGuard";
import { known, list, schemaOf, settings, stackOf } from "./lib";

const addressTypes = ["A", "AAAA", "CNAME"];

export const recordProxiedDefaults = { dnsOnlyNames: [] as string[] };
export const recordProxied: ResourceValidationPolicy = {
    name: "cloudflare-record-proxied",
    description: "App DNS records (A, AAAA, CNAME) are proxied by Cloudflare, so the origin's addresses stay behind the edge; DNS-only names are excepted by name.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(recordProxiedDefaults, { dnsOnlyNames: "Names that are DNS-only on purpose, e.g. the Kubernetes API's hostname (honeydue:apiHostname)." }),
    validateResource: validateResourceOfType(cloudflare.DnsRecord, (record, args, report) => {
        const { dnsOnlyNames } = settings(args, recordProxiedDefaults);
        if (!addressTypes.includes(record.type) || dnsOnlyNames.includes(record.name)) return;
        if (record.proxied !== true) {
            report(`${record.type} record ${record.name} is not proxied; set proxied: true (and ttl: 1), or list ${record.name} in dnsOnlyNames if it is DNS-only on purpose`);
        }
    }),
};

export const sslModeDefaults = { allowedSslModes: ["flexible", "full", "strict"] };
export const sslNotOff: ResourceValidationPolicy = {
    name: "cloudflare-ssl-not-off",
    description: "The zone's SSL mode is never off: visitors always get HTTPS at the edge.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(sslModeDefaults, { allowedSslModes: "SSL modes the zone may have." }),
    validateResource: validateResourceOfType(cloudflare.ZoneSetting, (setting, args, report) => {
        if (setting.settingId !== "ssl") return;
        const { allowedSslModes } = settings(args, sslModeDefaults);
        const mode = typeof setting.value === "string" ? setting.value : JSON.stringify(setting.value);
        if (!allowedSslModes.includes(mode)) report(`the zone's SSL mode is ${mode}; set the ssl ZoneSetting to one of ${list(allowedSslModes)} (honeydue:sslMode)`);
    }),
};

export const minTlsDefaults = { allowedMinTlsVersions: ["1.2", "1.3"] };
export const minTls: ResourceValidationPolicy = {
    name: "cloudflare-min-tls-version",
    description: "The zone refuses TLS older than 1.2.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(minTlsDefaults, { allowedMinTlsVersions: "Minimum TLS versions the zone may have." }),
    validateResource: validateResourceOfType(cloudflare.ZoneSetting, (setting, args, report) => {
        if (setting.settingId !== "min_tls_version") return;
        const { allowedMinTlsVersions } = settings(args, minTlsDefaults);
        if (!allowedMinTlsVersions.includes(String(setting.value))) {
            report(`the zone's minimum TLS version is ${String(setting.value)}; set the min_tls_version ZoneSetting to one of ${list(allowedMinTlsVersions)} (honeydue:minTlsVersion)`);
        }
    }),
};

export const noLegacyRecord: ResourceValidationPolicy = {
    name: "cloudflare-dns-record-resource",
    description: "DNS records use cloudflare.DnsRecord, not the deprecated cloudflare.Record.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(cloudflare.Record, (record, _args, report) => {
        report(`record ${record.name} uses the deprecated cloudflare.Record; declare it as cloudflare.DnsRecord`);
    }),
};


/** The zone a ZoneSetting belongs to, and its value, as stack policies see them. */
const zoneSettings = (rs: PolicyResource[], id: string) =>
    rs.filter((r) => r.type === "cloudflare:index/zoneSetting:ZoneSetting" && known(() => r.props.settingId) === id).map((r) => ({ r, zone: String(known(() => r.props.zoneId) ?? "?"), value: known(() => r.props.value) }));

export const flexibleNeedsHttps: StackValidationPolicy = {
    name: "cloudflare-flexible-always-https",
    description: "A zone on SSL Flexible has always_use_https on: visitors are sent to HTTPS at the edge, since the origin leg is plain HTTP.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const flexible = zoneSettings(args.resources, "ssl").filter((s) => s.value === "flexible");
        if (flexible.length === 0) args.notApplicable("no zone is on SSL Flexible");
        const https = zoneSettings(args.resources, "always_use_https");
        for (const f of flexible) {
            const on = https.find((h) => h.zone === f.zone);
            if (on?.value !== "on") {
                report(`zone ${f.zone} is on SSL Flexible with always_use_https ${on ? JSON.stringify(on.value) : "unset"}; add the always_use_https ZoneSetting with value "on" (or move the zone to SSL full/strict)`, (on ?? f).r.urn);
            }
        }
    },
};

export const originEncryptedDefaults = { warnSslModes: ["flexible", "full"] };
const weakness: Record<string, string> = {
    flexible: "Cloudflare sends logins, JWTs and cookies to the nodes as plain HTTP over the internet, and Authenticated Origin Pulls cannot work",
    full: "Cloudflare encrypts to the nodes but accepts any certificate, so whoever sits on the path can pose as the origin",
};
export const originEncrypted: ResourceValidationPolicy = {
    name: "cloudflare-origin-strict",
    description:
        "In a protected stack (prod) the zone's SSL mode is strict: the origin leg is encrypted and Cloudflare verifies the origin's certificate. " +
        "Advisory while prod still runs Flexible (README, \"The origin\", gives the switch-over); make it mandatory with --policy-pack-config {\"cloudflare-origin-strict\":\"mandatory\"}.",
    enforcementLevel: "advisory",
    configSchema: schemaOf(originEncryptedDefaults, { warnSslModes: "SSL modes reported in a protected stack." }),
    validateResource: validateResourceOfType(cloudflare.ZoneSetting, (setting, args, report) => {
        if (setting.settingId !== "ssl" || !isProtected(stackOf(args.urn))) return;
        const mode = typeof setting.value === "string" ? setting.value : JSON.stringify(setting.value);
        if (!settings(args, originEncryptedDefaults).warnSslModes.includes(mode)) return;
        report(`the ${stackOf(args.urn)} zone is on SSL ${mode}: ${weakness[mode] ?? "the origin leg is not verified"}; move to strict (honeydue:sslMode strict, README "The origin")`);
    }),
};

export const cloudflarePolicies = [recordProxied, sslNotOff, minTls, noLegacyRecord, flexibleNeedsHttps, originEncrypted];
