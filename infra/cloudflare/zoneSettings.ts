// The zone's TLS settings. ids are Cloudflare's API ids (snake_case), not the SDK's camelCase.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface TlsSettings {
    /** flexible: Cloudflare → origin over plain HTTP on port 80 (the book's choice); full/strict once the origin has a certificate. */
    sslMode: "flexible" | "full" | "strict";
    minTlsVersion: "1.2" | "1.3";
}

/** settingId → value, in the order they are created. Cloudflare's API spells "Full (strict)" as `strict`. */
export function zoneSettingValues(t: TlsSettings): Record<string, string> {
    return {
        ssl: t.sslMode,
        // Browsers reach Cloudflare over HTTPS only; the origin itself must never redirect (README, "Edge").
        always_use_https: "on",
        min_tls_version: t.minTlsVersion,
    };
}

/** `imports`: settingId → "<zone id>/<setting id>" of a setting to import rather than create (adoption). */
export function createZoneSettings(
    zone: string,
    zoneId: pulumi.Input<string>,
    t: TlsSettings,
    { imports = {}, ...opts }: pulumi.CustomResourceOptions & { imports?: Record<string, string | undefined> },
): cloudflare.ZoneSetting[] {
    return Object.entries(zoneSettingValues(t)).map(
        ([settingId, value]) => new cloudflare.ZoneSetting(`${zone}-${settingId.replace(/_/g, "-")}`, { zoneId, settingId, value }, { ...opts, import: imports[settingId] }),
    );
}
