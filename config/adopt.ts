// Adopting the estate that already runs (built by hand): the provider ids of what exists, so the
// first `pulumi up` imports it (Pulumi's `import` option) instead of creating a second copy.
// Import ids as the providers document them (`## Import` in node_modules/@pulumi/{hcloud,cloudflare}):
// Hetzner resources by their numeric id, a subnet as `<network id>-<ip range>`, a DNS record as
// `<zone id>/<record id>`, a zone setting as `<zone id>/<setting id>`.
import { z } from "zod";
import { plannedRecords, recordName } from "../infra/cloudflare/recordPlan";
import { hostLabel } from "../workloads/names";
import { bool, json, nodeName } from "./fields";

// `pulumi config set --path … 12345678` stores a number, so a whole number is taken as the id it spells.
const hcloudId = z.preprocess(
    (v) => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? String(v) : v),
    z.string({ error: "expected a Hetzner id (digits)" }).regex(/^\d+$/, { error: "expected a Hetzner id (digits), as `hcloud … list -o columns=id,name` prints it" }),
);
const cloudflareHex = "[a-f0-9]{32}";
const recordId = z
    .string({ error: "expected <zone id>/<record id>" })
    .regex(new RegExp(`^${cloudflareHex}/${cloudflareHex}$`), { error: "expected <zone id>/<record id>, two 32-character hex ids, as the Cloudflare API lists them" });
const settingIds = ["ssl", "always_use_https", "min_tls_version"] as const;
const settingId = z
    .string({ error: "expected <zone id>/<setting id>" })
    .regex(new RegExp(`^${cloudflareHex}/[a-z0-9_]+$`), { error: "expected <zone id>/<setting id>, such as 023e105f4ecef8ad9ca31a8372d0c353/ssl" });

const adoptFields = {
    sshKey: hcloudId.optional(),
    placementGroup: hcloudId.optional(),
    network: hcloudId.optional(),
    subnet: z
        .string({ error: "expected <network id>-<ip range>" })
        .regex(/^\d+-\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "expected <network id>-<ip range>, such as 1234567-10.0.1.0/24" })
        .optional(),
    firewall: hcloudId.optional(),
    /** node name → Hetzner server id */
    servers: z.record(nodeName, hcloudId, { error: "expected a JSON object of node name → server id" }).default({}),
    /** record resource name (`<hostname>-<node>-a`) → <zone id>/<record id> */
    dnsRecords: z.record(z.string(), recordId, { error: "expected a JSON object of record name → <zone id>/<record id>" }).default({}),
    /** setting id → <zone id>/<setting id> */
    zoneSettings: z
        .strictObject(Object.fromEntries(settingIds.map((id) => [id, settingId.optional()])) as Record<(typeof settingIds)[number], z.ZodOptional<typeof settingId>>, {
            error: (iss) =>
                iss.code === "unrecognized_keys"
                    ? `${iss.keys.join(", ")} is not a zone setting the edge manages; expected ${settingIds.join(", ")}`
                    : "expected a JSON object of setting id → <zone id>/<setting id>",
        })
        .default({}),
    /** The nodes already run k3s: a node on the pinned version is left alone, not reinstalled. */
    k3s: bool.default(false),
    /** The Kubernetes objects that already run, as `Kind/name` (README, Adopting the running estate). */
    kubernetes: z
        .array(z.string().regex(/^[A-Z][A-Za-z]+\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "expected Kind/name, such as PersistentVolumeClaim/redis-data" }), {
            error: "expected a list of Kind/name, such as [\"Namespace/honeydue\", \"PersistentVolumeClaim/redis-data\"]",
        })
        .default([]),
};
const fieldNames = Object.keys(adoptFields).join(", ");

export const adoptKeys = {
    adopt: json(
        z.strictObject(adoptFields, {
            error: (iss) =>
                iss.code === "unrecognized_keys"
                    ? `${iss.keys.join(", ")} is not something this program adopts; expected only ${fieldNames}`
                    : `expected a JSON object of provider ids to import (${fieldNames}; README, Adopting the running estate)`,
        }),
    ).prefault({}),
};

type AdoptConfig = z.infer<z.ZodObject<typeof adoptKeys>>["adopt"];
type Adopt = { adopt: AdoptConfig } & {
    api: { replicas: number };
    admin: { replicas: number };
    worker: { replicas: number };
    redis: { claimName: string };
    nodes: { name: string }[];
    routes: Record<string, string>;
    apiHostname?: string;
    ipv6: boolean;
    outOfRotation: string[];
    zoneId?: string;
    subnetCidr: string;
};

/** The resource names of every DNS record the edge creates with this configuration (infra/cloudflare/recordPlan.ts). */
export function edgeRecordNames(c: Omit<Adopt, "adopt" | "zoneId" | "subnetCidr">): string[] {
    return plannedRecords({ routes: Object.keys(c.routes), apiHostname: c.apiHostname, ipv6: c.ipv6, nodes: c.nodes.map((n) => n.name), outOfRotation: c.outOfRotation }).map(recordName);
}

/**
 * The fixed-name objects the workloads create, as `Kind/name`: what adopt.kubernetes may list.
 * (The settings ConfigMap, the app Secret and the migrations Job are named per release: new ones.)
 */
export function adoptableObjects(c: Pick<Adopt, "routes" | "api" | "admin" | "worker" | "redis">): string[] {
    const budgets = (["api", "admin", "worker"] as const).filter((app) => c[app].replicas >= 2).map((app) => `PodDisruptionBudget/${app}`);
    return [
        "Namespace/honeydue",
        "Secret/registry",
        `PersistentVolumeClaim/${c.redis.claimName}`,
        "Deployment/redis",
        "Service/redis",
        "NetworkPolicy/redis-clients",
        "Deployment/api",
        "Service/api",
        "Deployment/admin",
        "Service/admin",
        "Deployment/worker",
        ...budgets,
        ...Object.keys(c.routes).map((host) => `Ingress/${hostLabel(host)}`),
    ];
}

export function checkAdopt(c: Adopt, issue: (key: string, message: string) => void): void {
    const a = c.adopt;
    const objects = adoptableObjects(c);
    for (const o of a.kubernetes) {
        if (!objects.includes(o)) issue("adopt.kubernetes", `${o} is not an object the workloads create; expected some of: ${objects.join(", ")}`);
    }
    if (new Set(a.kubernetes).size !== a.kubernetes.length) issue("adopt.kubernetes", "lists an object twice; expected each once");
    const names = c.nodes.map((n) => n.name);
    for (const node of Object.keys(a.servers)) {
        if (!names.includes(node)) issue("adopt.servers", `${node} is not one of the nodes (${names.join(", ")}); expected node names from honeydue:nodes`);
    }
    const byId = new Map<string, string[]>();
    for (const [node, id] of Object.entries(a.servers)) byId.set(id, [...(byId.get(id) ?? []), node]);
    for (const [id, nodes] of byId) if (nodes.length > 1) issue("adopt.servers", `server ${id} is given for ${nodes.join(" and ")}; expected one server per node`);

    if (a.subnet !== undefined) {
        const [network, range] = [a.subnet.slice(0, a.subnet.indexOf("-")), a.subnet.slice(a.subnet.indexOf("-") + 1)];
        if (range !== c.subnetCidr) issue("adopt.subnet", `${a.subnet} is the subnet ${range}, but honeydue:subnetCidr is ${c.subnetCidr}; expected the same range (a subnet cannot change its range in place)`);
        if (a.network !== undefined && network !== a.network) issue("adopt.subnet", `${a.subnet} belongs to network ${network}, not the adopted network ${a.network}; expected <${a.network}>-<ip range>`);
    }

    const expected = edgeRecordNames(c);
    for (const name of Object.keys(a.dnsRecords)) {
        if (!expected.includes(name)) issue("adopt.dnsRecords", `${name} is not a record the edge creates; expected one of: ${expected.join(", ")}`);
    }
    for (const [setting, id] of Object.entries(a.zoneSettings)) {
        if (id !== undefined && !id.endsWith(`/${setting}`)) issue("adopt.zoneSettings", `${setting} is given ${id}; expected <zone id>/${setting}`);
    }
    // Every record and setting lives in the one zone the edge manages.
    const zones = new Set([...Object.values(a.dnsRecords), ...Object.values(a.zoneSettings)].map((id) => id!.split("/")[0]));
    if (c.zoneId !== undefined && [...zones].some((z) => z !== c.zoneId)) {
        issue("adopt", `names zone(s) ${[...zones].filter((z) => z !== c.zoneId).join(", ")}, but honeydue:zoneId is ${c.zoneId}; expected every record and setting in that zone`);
    } else if (c.zoneId === undefined && zones.size > 1) {
        issue("adopt", `names ${zones.size} zones (${[...zones].join(", ")}); expected every record and setting in the one zone of honeydue:zone`);
    }
}
