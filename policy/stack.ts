// Rules about the estate as a whole (DESIGN §9): etcd quorum, complete round-robin DNS, migrations
// before the API rolls, and k3s servers that agree on the values k3s requires to match. Each rule
// reports nothing when the layer it is about is absent (notApplicable).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";
import { isUnknownError, known, list, named, schemaOf, settings, type Metadata } from "./lib";

const SERVER = "hcloud:index/server:Server";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";
const STACK = "pulumi:pulumi:Stack";

const ofType = (rs: PolicyResource[], type: string) => rs.filter((r) => r.type === type);
const nodeName = (server: PolicyResource) => (known(() => server.props.name) as string | undefined) ?? server.name;

export const oddServersDefaults = { minServers: 3 };
export const oddServerCount: StackValidationPolicy = {
    name: "stack-odd-server-count",
    description: "An odd number of servers, at least 3: embedded etcd keeps quorum only with a majority.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(oddServersDefaults, { minServers: "The fewest servers the cluster may have." }),
    validateStack: (args, report) => {
        const servers = ofType(args.resources, SERVER);
        if (servers.length === 0) args.notApplicable("the stack has no Hetzner servers");
        const { minServers } = settings(args, oddServersDefaults);
        if (servers.length < minServers || servers.length % 2 === 0) {
            report(`the stack has ${servers.length} servers; etcd needs an odd number, at least ${minServers}: set honeydue:nodes to ${Math.max(minServers, servers.length + 1)} nodes`);
        }
    },
};

/**
 * Lists named `outOfRotation` in the stack's outputs (the program exports `dns.outOfRotation`). Only
 * the stack's: the engine tells a stack policy nothing of custom versus component (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go AnalyzeResources), and a provider's resource echoes its inputs
 * as outputs, a command's `triggers` (any JSON) among them (pulumi/pulumi-command
 * provider/pkg/provider/{local,remote}/command.go: CommandOutputs embeds CommandInputs), so reading
 * any other resource could take a node out of the round robin that nobody took out.
 */
function declaredOutOfRotation(resources: PolicyResource[]): string[] {
    const found: string[] = [];
    const search = (v: unknown, depth: number): void => {
        if (!v || typeof v !== "object" || depth > 3) return;
        for (const [k, x] of Object.entries(v)) {
            if (k === "outOfRotation" && Array.isArray(x)) found.push(...x.filter((n): n is string => typeof n === "string"));
            else search(known(() => x), depth + 1);
        }
    };
    for (const r of resources.filter((x) => x.type === STACK)) {
        try {
            search(r.props, 0);
        } catch (e) {
            if (!isUnknownError(e)) throw e;
        }
    }
    return found;
}

/** The server a record points at: through the property its content came from, else by address. */
function serverOf(record: PolicyResource, servers: PolicyResource[]): PolicyResource | undefined {
    const via = [...(record.propertyDependencies.content ?? []), ...record.dependencies];
    const byDep = servers.find((s) => via.includes(s));
    if (byDep) return byDep;
    const content = known(() => record.props.content);
    return servers.find((s) => content !== undefined && (known(() => s.props.ipv4Address) === content || known(() => s.props.ipv6Address) === content));
}

export const roundRobinDefaults = { outOfRotation: [] as string[], hostnames: [] as string[] };
export const roundRobin: StackValidationPolicy = {
    name: "stack-round-robin-complete",
    description: "Every app hostname has exactly one A (and AAAA) record per node in rotation: the round robin is complete.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(roundRobinDefaults, {
        outOfRotation: "Nodes taken out of the round robin on purpose (also read from an `outOfRotation` list in the stack's outputs, such as dns.outOfRotation).",
        hostnames: "App hostnames that must have records (the ones with records are always checked).",
    }),
    validateStack: (args, report) => {
        const records = ofType(args.resources, RECORD);
        const servers = ofType(args.resources, SERVER);
        if (records.length === 0 || servers.length === 0) args.notApplicable("the stack has no DNS records or no servers");
        const cfg = settings(args, roundRobinDefaults);
        const resting = new Set([...cfg.outOfRotation, ...declaredOutOfRotation(args.resources)]);

        const groups = new Map<string, PolicyResource[]>();
        for (const r of records) {
            const type = known(() => r.props.type) as string | undefined;
            if (type !== "A" && type !== "AAAA") continue;
            const key = `${type} ${known(() => r.props.name) ?? r.name}`;
            groups.set(key, [...(groups.get(key) ?? []), r]);
        }
        for (const host of cfg.hostnames) {
            if (!groups.has(`A ${host}`)) report(`${host} has no A records; add one proxied A record per node`);
        }
        for (const [key, group] of groups) {
            const mapped = group.map((r) => ({ r, server: serverOf(r, servers) }));
            if (!mapped.some((m) => m.server)) continue; // not a round-robin name (e.g. mail)
            for (const m of mapped.filter((x) => !x.server)) report(`${key} record ${m.r.name} points at no node; remove it`, m.r.urn);
            const inRotation = servers.filter((s) => !resting.has(nodeName(s)));
            if (inRotation.length === 0) report(`${key}: every node is out of rotation; keep at least one node in the round robin`);
            for (const s of servers) {
                const n = mapped.filter((m) => m.server === s).length;
                const node = nodeName(s);
                if (resting.has(node)) {
                    if (n > 0) report(`${key} still has a record for ${node}, which is out of rotation; remove it or take ${node} out of outOfRotation`);
                } else if (n === 0) {
                    report(`${key} has no record for node ${node}; add one ${key.split(" ")[0]} record per node (or list ${node} in outOfRotation to take it out on purpose)`);
                } else if (n > 1) {
                    report(`${key} has ${n} records for node ${node}; keep exactly one per node`);
                }
            }
        }
    },
};

/** True when `r` waits for `on`: directly, through a property, through a component holding it, or through anything in between. */
export function waitsFor(r: PolicyResource, on: PolicyResource, all: PolicyResource[], seen = new Set<PolicyResource>()): boolean {
    if (seen.has(r)) return false;
    seen.add(r);
    const holds = (x: PolicyResource): boolean => x === on || all.some((c) => c.parent === x && holds(c));
    const direct = [...r.dependencies, ...Object.values(r.propertyDependencies).flat()];
    return direct.some(holds) || direct.some((d) => waitsFor(d, on, all, seen));
}

const metaOf = (r: PolicyResource) => (known(() => r.props.metadata) ?? {}) as Metadata;

export const migrationsDefaults = { deployments: ["api"], migrationJob: "migrat" };
export const apiAfterMigrations: StackValidationPolicy = {
    name: "stack-api-after-migrations",
    description: "The API Deployment depends on the migrations Job, so a failed migration stops `pulumi up` before the API rolls.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(migrationsDefaults, {
        deployments: "Deployments that must wait for the migrations, by name (add worker to hold it too).",
        migrationJob: "Text in the migrations Job's name.",
    }),
    validateStack: (args, report) => {
        const { deployments, migrationJob } = settings(args, migrationsDefaults);
        const apps = ofType(args.resources, DEPLOYMENT).filter((d) => named(deployments, { metadata: metaOf(d) }, d.name));
        if (apps.length === 0) args.notApplicable(`the stack has no Deployment named ${list(deployments)}`);
        const jobs = ofType(args.resources, JOB).filter((j) => `${metaOf(j).name ?? ""} ${j.name}`.includes(migrationJob));
        for (const app of apps) {
            const name = metaOf(app).name ?? app.name;
            if (jobs.length === 0) report(`Deployment ${name} has no migrations Job to wait for; add the goose Job (name containing "${migrationJob}") and make ${name} depend on it`, app.urn);
            else {
                // Every one: a failed migration must stop the roll, whichever Job it is.
                const missed = jobs.filter((j) => !waitsFor(app, j, args.resources));
                if (missed.length > 0) {
                    report(`Deployment ${name} does not depend on the migrations Job${missed.length > 1 ? "s" : ""} ${missed.map((j) => j.name).join(", ")}; add dependsOn: [migrations] so it rolls only after the migration succeeded`, app.urn);
                }
            }
        }
    },
};

export const k3sConfigDefaults = { criticalKeys: ["cluster-cidr", "service-cidr", "flannel-backend", "secrets-encryption", "disable", "cluster-dns", "cluster-domain", "disable-network-policy", "egress-selector-mode"] };

/** Heredoc bodies in a script: `cat > f <<'EOF' … EOF`. */
const heredocs = (text: string) => [...text.matchAll(/<<-?\s*['"]?(\w+)['"]?[^\n]*\n([\s\S]*?)\n\s*\1\s*(\n|$)/g)].map((m) => m[2]);
/** Strict UTF-8: a payload file that is not UTF-8 text is no YAML (a YAML stream is Unicode text, YAML 1.2 §5.2). */
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Files sent as payload lines "<name> <base64 content>" (how the k3s scripts take files on stdin), those that are text. */
const payloadFiles = (text: string) =>
    [...text.matchAll(/^\S+[ \t]+([A-Za-z0-9+/]{16,}={0,2})[ \t]*$/gm)].flatMap((m) => {
        try {
            return [utf8.decode(Buffer.from(m[1], "base64"))];
        } catch {
            return []; // a binary file sent beside the config
        }
    });

/** Texts a command sends that may hold a k3s config.yaml: stdin, its scripts (heredocs, base64 payload files), a copied file. */
async function texts(r: PolicyResource): Promise<string[]> {
    const props = r.props as Record<string, unknown>;
    const out: string[] = [];
    for (const key of ["stdin", "create", "update"]) {
        const v = known(() => props[key]);
        if (typeof v === "string") out.push(v, ...heredocs(v), ...payloadFiles(v));
    }
    const source = known(() => props.source) as { text?: unknown } | undefined;
    const text = source && typeof source === "object" ? await Promise.resolve(known(() => source.text)) : undefined;
    if (typeof text === "string") out.push(text);
    return out;
}

/**
 * The YAML documents of `text` that parse, once per text: the pack reads the same command texts on
 * every run (each of the tests' broken copies of the estate), and parsing a shell script as YAML is
 * the slow part. The values are shared between runs, so they are only read, never changed.
 */
const parsedDocs = new Map<string, unknown[]>();
function yamlDocs(text: string): unknown[] {
    let docs = parsedDocs.get(text);
    if (docs === undefined) {
        try {
            docs = parseAllDocuments(text)
                .filter((d) => d.errors.length === 0)
                .map((d) => d.toJS() as unknown);
        } catch {
            docs = [];
        }
        parsedDocs.set(text, docs);
    }
    return docs;
}

/** The YAML mappings in `text` that hold any of the critical keys. */
function configDocs(text: string, keys: string[]): Record<string, unknown>[] {
    return yamlDocs(text).filter((v): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v) && keys.some((k) => k in v));
}

const canon = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(Array.isArray(v) ? [...v].map(String).sort() : v));

export const identicalK3sConfig: StackValidationPolicy = {
    name: "stack-k3s-identical-server-config",
    description: "Every k3s server's config.yaml has the same values for the settings k3s requires to match (CIDRs, flannel backend, secrets encryption, disabled add-ons).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(k3sConfigDefaults, { criticalKeys: "config.yaml keys that must be identical on every server." }),
    validateStack: async (args, report) => {
        const { criticalKeys } = settings(args, k3sConfigDefaults);
        const found: { r: PolicyResource; doc: Record<string, unknown> }[] = [];
        for (const r of args.resources.filter((x) => x.type === COMMAND || x.type === COPY)) {
            for (const t of await texts(r)) for (const doc of configDocs(t, criticalKeys)) found.push({ r, doc });
        }
        if (found.length < 2) args.notApplicable("fewer than two k3s server configs in the stack");
        const [first, ...rest] = found;
        for (const other of rest) {
            const differ = criticalKeys.filter((k) => canon(first.doc[k]) !== canon(other.doc[k]));
            if (differ.length > 0) {
                report(
                    `k3s config of ${other.r.name} differs from ${first.r.name} in ${differ.map((k) => `${k} (${canon(other.doc[k])} vs ${canon(first.doc[k])})`).join(", ")}; ` +
                        "render every server's config.yaml from the one typed object",
                    other.r.urn,
                );
            }
        }
    },
};

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A NetworkPolicy that selects every pod of its namespace and lets nothing in (or out) for `direction`. */
function deniesAll(np: PolicyResource, direction: string): boolean {
    const spec = (known(() => np.props.spec) ?? {}) as { podSelector?: { matchLabels?: object; matchExpressions?: unknown[] }; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
    const sel = spec.podSelector ?? {};
    const everyPod = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    const rules = direction === "Egress" ? spec.egress : spec.ingress;
    return everyPod && (spec.policyTypes ?? []).includes(direction) && (rules ?? []).length === 0;
}

export const defaultDenyDefaults = { directions: ["Ingress", "Egress"], exempt: ["kube-system"] };
export const namespaceDefaultDeny: StackValidationPolicy = {
    name: "stack-namespace-default-deny",
    description:
        "Every namespace the estate creates has a default-deny NetworkPolicy for ingress and egress (empty podSelector, no rules), so a pod sends and receives only what a named allow lets through (workloads/networkPolicies.ts).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(defaultDenyDefaults, { directions: "Directions the default deny must cover: Ingress, Egress.", exempt: "Namespaces not checked." }),
    validateStack: (args, report) => {
        const namespaces = ofType(args.resources, NAMESPACE);
        if (namespaces.length === 0) args.notApplicable("the stack creates no namespace");
        const { directions, exempt } = settings(args, defaultDenyDefaults);
        const policies = ofType(args.resources, NETWORK_POLICY);
        for (const ns of namespaces) {
            const name = metaOf(ns).name ?? ns.name;
            if (exempt.includes(name)) continue;
            const mine = policies.filter((p) => (metaOf(p).namespace ?? "default") === name);
            const missing = directions.filter((d) => !mine.some((p) => deniesAll(p, d)));
            if (missing.length > 0) {
                report(`namespace ${name} has no default-deny NetworkPolicy for ${missing.join(" and ")}; add one with podSelector: {}, policyTypes: [${missing.map((d) => `"${d}"`).join(", ")}] and no rules`, ns.urn);
            }
        }
    },
};

export const stackPolicies = [oddServerCount, roundRobin, apiAfterMigrations, identicalK3sConfig, namespaceDefaultDeny];
