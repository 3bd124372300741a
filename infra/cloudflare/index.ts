// The edge as one component: the zone, round-robin DNS records for every app hostname (and the
// optional DNS-only API name), and the zone's TLS settings. A thin class; each piece is built by
// the function in its own file. DESIGN §7.
import type * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import { createRecord, recordName, recordSpecs, type EdgeNode, type RecordSpec } from "./records";
import { dnsSummary, type DnsSummary } from "./summary";
import { zoneIdOf } from "./zone";
import { createZoneSettings } from "./zoneSettings";

export type EdgeConfig = Pick<EstateConfig, "zone" | "zoneId" | "routes" | "apiHostname" | "ipv6" | "sslMode" | "minTlsVersion" | "outOfRotation"> & {
    /** Records and settings that already exist, imported by id instead of created (README, "Adopting the running estate"). */
    adopt: Pick<EstateConfig["adopt"], "dnsRecords" | "zoneSettings">;
};

export class Edge extends pulumi.ComponentResource {
    readonly zoneId: pulumi.Output<string>;
    readonly records: { spec: RecordSpec; record: cloudflare.DnsRecord }[];
    readonly settings: cloudflare.ZoneSetting[];
    /** Every record (hostname → addresses, proxied or not) and the zone settings: the `dns` output. */
    readonly dns: pulumi.Output<DnsSummary>;

    /** `zone.id`: the zone's id when already looked up (zoneIdOf); `zone.sslAfter`: what the `ssl` setting waits for (zoneSettings.ts); `zone.ssl`: the value it may set this run (zone.ts sslValue). */
    constructor(name: string, config: EdgeConfig, nodes: EdgeNode[], zone: { id?: pulumi.Output<string>; sslAfter: pulumi.Resource[]; ssl: pulumi.Input<string> }, opts?: pulumi.ComponentResourceOptions) {
        super("honeydue:edge:Cloudflare", name, {}, opts);
        const child = { parent: this };

        this.zoneId = zone.id ?? zoneIdOf(config.zone, config.zoneId, child);
        const specs = recordSpecs({
            routes: Object.keys(config.routes),
            apiHostname: config.apiHostname,
            ipv6: config.ipv6,
            nodes,
            outOfRotation: config.outOfRotation,
        });
        const adopted = config.adopt;
        this.records = specs.map((spec) => ({ spec, record: createRecord(spec, this.zoneId, { ...child, import: adopted.dnsRecords[recordName(spec)] }) }));
        this.settings = createZoneSettings(config.zone, this.zoneId, config, { ...child, imports: adopted.zoneSettings, sslAfter: zone.sslAfter, ssl: zone.ssl });
        this.dns = dnsSummary(config.zone, this.zoneId, this.records, this.settings, config.outOfRotation);
        this.registerOutputs({});
    }
}
