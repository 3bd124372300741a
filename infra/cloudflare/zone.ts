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
