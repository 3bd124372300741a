// The zone's TLS settings. ids are Cloudflare's API ids (snake_case), not the SDK's camelCase.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface TlsSettings {
    /** flexible: Cloudflare → origin over plain HTTP on port 80 (the book's choice); full/strict once the origin has a certificate. */
    sslMode: "flexible" | "full" | "strict";
    minTlsVersion: "1.2" | "1.3";
}

/**
 * HSTS at the edge, off Flexible (README, "The origin"): browsers refuse plain HTTP to these names
 * for max_age seconds (half a year; raise it once the switch has held). The API's nested keys, as
 * terraform-provider-cloudflare docs/resources/zone_setting.md spells the `security_header` value.
 * Not include_subdomains or preload: names under the zone that are not ours to vouch for (a
 * DNS-only apiHostname, mail) would be bound by it, and preload cannot be taken back quickly.
 */
export const hsts = { strict_transport_security: { enabled: true, max_age: 15552000, include_subdomains: false, preload: false, nosniff: true } };

export type SettingValue = string | typeof hsts;

/** settingId → value, in the order they are created. Cloudflare's API spells "Full (strict)" as `strict`. */
export function zoneSettingValues(t: TlsSettings): Record<string, SettingValue> {
    return {
        ssl: t.sslMode,
        // Browsers reach Cloudflare over HTTPS only; the origin itself must never redirect (README, "Edge").
        always_use_https: "on",
        min_tls_version: t.minTlsVersion,
        ...(t.sslMode === "flexible" ? {} : { security_header: hsts }),
    };
}

/**
 * `imports`: settingId → "<zone id>/<setting id>" of a setting to import rather than create (adoption).
 * `sslAfter`: what the `ssl` setting waits for. Off Flexible that is Traefik serving the origin
 * certificate and checking the client certificate on every node, and Authenticated Origin Pulls on:
 * Cloudflare starts using 443 (and verifying the certificate) only once the origin is ready for it.
 */
export function createZoneSettings(
    zone: string,
    zoneId: pulumi.Input<string>,
    t: TlsSettings,
    {
        imports = {},
        sslAfter,
        ssl,
        ...opts
    }: pulumi.CustomResourceOptions & { imports?: Record<string, string | undefined>; sslAfter: pulumi.Resource[]; ssl: pulumi.Input<string> },
): cloudflare.ZoneSetting[] {
    return Object.entries(zoneSettingValues(t)).map(
        ([settingId, value]) =>
            new cloudflare.ZoneSetting(
                `${zone}-${settingId.replace(/_/g, "-")}`,
                // `ssl`: the value this run may set (zone.ts sslValue), when given.
                { zoneId, settingId, value: settingId === "ssl" ? ssl : value },
                { ...opts, import: imports[settingId], ...(settingId === "ssl" && sslAfter.length > 0 ? { dependsOn: sslAfter } : {}) },
            ),
    );
}
