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
export function port80Open(c: Port80Config, current: pulumi.Output<unknown> | undefined): pulumi.Output<boolean> {
    // Only `auto` off Flexible depends on the zone; Flexible and an explicit value do not.
    if (c.originPort80 !== "auto" || current === undefined) return pulumi.output(keepPort80(c, undefined));
    return current.apply((mode) => keepPort80(c, mode));
}

/**
 * The zone's `ssl` value as Cloudflare holds it before this run, read once and shared by the port-80
 * decision and the ssl gate; on Flexible neither depends on it, so it is not read (no call, no
 * Zone Settings Read permission needed).
 */
export function currentSsl(c: { sslMode: string }, zoneId: pulumi.Input<string>, opts?: pulumi.InvokeOutputOptions): pulumi.Output<unknown> | undefined {
    if (c.sslMode === "flexible") return undefined;
    return cloudflare.getZoneSettingOutput({ zoneId, settingId: "ssl" }, opts).apply((s) => s.value);
}

/**
 * The `ssl` value this run sets. Leaving Flexible waits for Cloudflare to have deployed our
 * origin-pull certificate (Origin.pullsActive): before that Cloudflare would connect on 443 without
 * the client certificate Traefik requires, and the whole site would answer 525. So the `up` that
 * uploads it keeps Flexible and says so; the next `up` switches. A zone already off Flexible is
 * never moved back by this gate (its port 80 may be closed already: keepPort80), whatever the
 * certificate's state; going back to Flexible is the operator's explicit `sslMode: flexible`.
 */
export function sslToSet(desired: string, current: unknown, pullsActive: boolean): string {
    if (desired === "flexible" || httpsOnly(current) || pullsActive) return desired;
    return "flexible";
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

/** The `ssl` value for the zone setting: the configured mode, gated by sslToSet off Flexible. */
export function sslValue(sslMode: string, current: pulumi.Output<unknown> | undefined, pullsActive: pulumi.Output<boolean> | undefined): pulumi.Input<string> {
    if (sslMode === "flexible" || current === undefined || pullsActive === undefined) return sslMode;
    return pulumi.all([current, pullsActive]).apply(([now, active]) => {
        const value = sslToSet(sslMode, now, active);
        if (value !== sslMode) {
            pulumi.log.warn(
                `ssl stays ${value}: Cloudflare has not yet deployed the origin-pull certificate (Authenticated Origin Pulls), and Traefik would refuse its connections on 443; ` +
                    `run \`npm run up\` again in a few minutes to switch to ${sslMode} (README, "The origin")`,
            );
        }
        return value;
    });
}
