// Adopting the estate that already runs (built by hand): the provider ids of what exists, so the
// first `pulumi up` imports it (Pulumi's `import` option) instead of creating a second copy.
import { z } from "zod";
import { bool, json, nodeName } from "./fields";

const hcloudId = z.string().regex(/^\d+$/, { error: "expected a Hetzner id (digits), as `hcloud … list -o columns=id,name` prints it" });
const cloudflareId = z.string().regex(/^[a-f0-9]{32}\/[A-Za-z0-9_]+$/, { error: "expected <zone id>/<id>, as Cloudflare's import ids are written" });

export const adoptKeys = {
    adopt: json(
        z.object(
            {
                sshKey: hcloudId.optional(),
                placementGroup: hcloudId.optional(),
                network: hcloudId.optional(),
                subnet: z.string().regex(/^\d+-[\d.]+\/\d+$/, { error: "expected <network id>-<ip range>, such as 1234567-10.0.1.0/24" }).optional(),
                firewall: hcloudId.optional(),
                /** node name → Hetzner server id */
                servers: z.record(nodeName, hcloudId, { error: "expected a JSON object of node name → server id" }).default({}),
                /** record resource name (`<hostname>-<node>-a`) → <zone id>/<record id> */
                dnsRecords: z.record(z.string(), cloudflareId, { error: "expected a JSON object of record name → <zone id>/<record id>" }).default({}),
                /** setting id → <zone id>/<setting id> */
                zoneSettings: z
                    .partialRecord(z.enum(["ssl", "always_use_https", "min_tls_version"], { error: "expected ssl, always_use_https or min_tls_version" }), cloudflareId)
                    .default({}),
                /** The nodes already run k3s: a node on the pinned version is left alone, not reinstalled. */
                k3s: bool.default(false),
            },
            { error: "expected a JSON object of provider ids to import (README, Adopting the running estate)" },
        ),
    ).prefault({}),
};

type Adopt = z.infer<z.ZodObject<typeof adoptKeys>> & { nodes: { name: string }[] };

export function checkAdopt(c: Adopt, issue: (key: string, message: string) => void): void {
    const names = c.nodes.map((n) => n.name);
    for (const node of Object.keys(c.adopt.servers)) {
        if (!names.includes(node)) issue("adopt", `servers names ${node}, which is not one of the nodes (${names.join(", ")}); expected node names`);
    }
}
