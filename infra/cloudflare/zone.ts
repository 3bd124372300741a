// The Cloudflare zone the records and settings belong to: looked up by name, so nobody copies a
// zone id by hand. A configured `zoneId` skips the lookup (and the Zone Read call it needs).
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export function zoneIdOf(zone: string, configuredId: string | undefined, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    if (configuredId !== undefined) return pulumi.output(configuredId);
    return cloudflare.getZoneOutput({ filter: { name: zone } }, opts).apply((z) => {
        // The name filter matches exactly by default; a different answer means the token sees another account.
        if (z.name !== zone) throw new pulumi.RunError(`Cloudflare zone lookup for ${zone} returned ${z.name}; expected the zone itself (set honeydue:zoneId to pin it)`);
        return z.id;
    });
}

/**
 * Whether port 80 stays open at the firewall. Flexible reaches the nodes on 80 only. Off Flexible,
 * `auto` keeps it open until Cloudflare already uses HTTPS: the firewall is built before the zone's
 * `ssl` setting changes (the servers need it), so closing 80 in the same `up` that leaves Flexible
 * would cut the site off until the switch. The zone's current mode is read, so the `up` after the
 * switch closes it.
 */
export function port80Open(c: Port80Config, zoneId: pulumi.Input<string>, opts?: pulumi.InvokeOutputOptions): pulumi.Output<boolean> {
    // Only a decision that depends on the zone reads it: Flexible and an explicit value need no call.
    if (c.originPort80 !== "auto" || c.sslMode === "flexible") return pulumi.output(keepPort80(c, undefined));
    return cloudflare.getZoneSettingOutput({ zoneId, settingId: "ssl" }, opts).apply((s) => keepPort80(c, s.value));
}

export interface Port80Config {
    sslMode: string;
    originPort80: "auto" | "open" | "closed";
}

/** The decision itself, given the zone's current `ssl` value (undefined when not read). */
export function keepPort80(c: Port80Config, current: unknown): boolean {
    if (c.originPort80 !== "auto") return c.originPort80 === "open";
    return c.sslMode === "flexible" || !httpsOnly(current);
}

/** Modes in which Cloudflare never connects to the origin on port 80. */
export const httpsOnly = (mode: unknown) => mode === "full" || mode === "strict";
