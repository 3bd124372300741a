// Cloudflare's published edge ranges: the only sources allowed to reach 80/443 on the nodes,
// and the only proxies Traefik trusts for X-Forwarded-*. Looked up, never hand-copied.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface EdgeRanges {
    ipv4: string[];
    ipv6: string[];
}

export function edgeRanges(opts?: pulumi.InvokeOutputOptions): pulumi.Output<EdgeRanges> {
    return cloudflare.getIpRangesOutput({}, opts).apply((r) => ({ ipv4: [...r.ipv4Cidrs].sort(), ipv6: [...r.ipv6Cidrs].sort() }));
}
