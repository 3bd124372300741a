// Reads every `honeydue:` key once, applies defaults, validates, and either returns one typed
// object or stops the program with one line per bad value (key, what was wrong, what is expected).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { adoptKeys, checkAdopt } from "./adopt";
import { b2KeyPlainKeys, checkB2Folders, checkB2Keys } from "./b2Keys";
import { b2Endpoint, checkCluster, clusterKeys } from "./cluster";
import { checkCost, costKeys } from "./cost";
import { checkEdge, edgeKeys } from "./edge";
import { nearest, parseJson } from "./fields";
import { checkHostKeys, hostKeyKeys } from "./hostKeys";
import { checkOperatorKeys, operatorKeyKeys } from "./operatorKeys";
import { checkInfra, infraKeys, networkZones } from "./infra";
import { checkNewEstate, newEstateKeys } from "./newEstate";
import { providerKeys, providerSecretKeys, providerTokens, secretKeys, type SecretKey } from "./secrets";
import { checkWorkloads, workloadKeys } from "./workloads";

export const project = "honeydue";

const plainSchema = z.object({ ...infraKeys, ...clusterKeys, ...b2KeyPlainKeys, ...edgeKeys, ...workloadKeys, ...costKeys, ...adoptKeys, ...newEstateKeys, ...hostKeyKeys, ...operatorKeyKeys });
const secretSchema = z.object(secretKeys);
type Plain = z.infer<typeof plainSchema>;

/** Every `honeydue:` key the program reads, plain and secret. */
export const plainKeyNames = Object.keys(plainSchema.shape);
export const secretKeyNames = Object.keys(secretKeys);
/** Every key's schema, plain and secret: what Pulumi.yaml's declarations are checked against. */
export const keySchemas: Record<string, z.ZodType> = { ...plainSchema.shape, ...secretKeys };
type SecretValues = z.infer<typeof secretSchema>;

export type Secrets = { [K in SecretKey]: pulumi.Output<SecretValues[K]> };
export type EstateConfig = Plain & {
    stack: string;
    networkZone: string;
    b2Endpoint: string;
    secrets: Secrets;
};

/** The configuration was wrong: a clean stop (RunError prints no stack trace), one line per problem. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`the stack's configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

const describe = (value: unknown) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text === undefined ? "nothing" : text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

function issueText(key: string, issue: z.core.$ZodIssue, raw: unknown, secret: boolean): string {
    const where = [key, ...issue.path.map(String)].join(".");
    if (raw === undefined) {
        const how = secret ? `pulumi config set --secret ${project}:${key}` : `pulumi config set ${project}:${key} …`;
        return `${project}:${key} is missing: ${issue.message.replace(/^Invalid input: /, "")} (set it with \`${how}\`)`;
    }
    const value = issue.path.length === 0 ? raw : issue.path.reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown>)?.[p as PropertyKey], parseJson(raw));
    const given = secret || issue.message.startsWith("got ") ? "" : ` (got ${describe(value)})`;
    return `${project}:${where}${given}: ${issue.message}`;
}

/**
 * The providers' own keys: each token is set (and not blank), in the configuration or the
 * provider's environment variable, and no key in a provider's namespace is one it does not read.
 */
function checkProviderKeys(): string[] {
    const problems: string[] = [];
    for (const t of providerTokens) {
        const [ns, key] = t.key.split(":");
        const value = new pulumi.Config(ns).get(key);
        if (value !== undefined && value.trim() === "") {
            problems.push(`${t.key} is empty; expected the provider's API token (set it with \`pulumi config set --secret ${t.key}\` < the token's file)`);
        } else if (value === undefined && !process.env[t.env]?.trim()) {
            problems.push(`${t.key} is missing: expected the provider's API token (set it with \`pulumi config set --secret ${t.key}\` or export ${t.env})`);
        }
    }
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        const [ns, key] = fullKey.split(":");
        const known = providerKeys[ns];
        if (known && !known.includes(key)) {
            const hint = nearest(key, known);
            problems.push(`${fullKey} is not a key the ${ns} provider reads${hint ? ` (did you mean ${ns}:${hint}?)` : ""}; expected one of: ${known.join(", ")}`);
        }
    }
    return problems;
}

/**
 * Secret keys stored in plain text. The Node.js language host always tells the program which keys
 * are secret, "[]" when none is (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * execRuntime → constructConfigSecretKeys, PULUMI_CONFIG_SECRET_KEYS), and so does
 * runtime.setAllConfig (sdk/nodejs/runtime/config.ts, persistConfig), so a stack where no key is
 * secret is seen as such: refused in one line, since then nothing at all was set with --secret.
 */
function plainSecrets(secretRaw: Record<string, unknown>): string[] {
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    if (isSecret === undefined) return [];
    const all = pulumi.runtime.allConfig();
    const present = [...secretKeyNames.filter((k) => secretRaw[k] !== undefined).map((k) => `${project}:${k}`), ...providerSecretKeys.filter((k) => all[k] !== undefined)];
    const plain = present.filter((k) => !isSecret(k));
    if (plain.length === 0) return [];
    if (plain.length === present.length && present.length > 1) {
        return [
            `none of the secret keys is marked secret (${plain.join(", ")} are all in plain text in Pulumi.<stack>.yaml); expected each set with \`pulumi config set --secret <key>\` < the value's file, then Pulumi.<stack>.yaml committed (README, "Deploying for real")`,
        ];
    }
    return plain.map((key) =>
        key.startsWith(`${project}:`)
            ? `${key} is stored in plain text; expected a secret (set it again with \`pulumi config set --secret ${key}\`)`
            : `${key} is stored in plain text; expected a secret (set it again with \`pulumi config set --secret ${key}\` < the credential's file, and commit Pulumi.prod.yaml)`,
    );
}

/** Loads and validates the stack's configuration. Throws ConfigError listing every bad value. */
export function loadConfig(): EstateConfig {
    const cfg = new pulumi.Config(project);
    const problems: string[] = [];
    const known = new Set([...plainKeyNames, ...secretKeyNames]);

    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        const [ns, key] = fullKey.split(":");
        if (ns === project && !known.has(key)) {
            const hint = nearest(key, [...known]);
            problems.push(`${fullKey} is not a key this program reads${hint ? ` (did you mean ${project}:${hint}?)` : ""}; expected one of: ${[...known].join(", ")}`);
        }
    }

    const readAll = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, cfg.get(k)]).filter(([, v]) => v !== undefined));
    const plainRaw = readAll(plainKeyNames);
    const secretRaw = readAll(secretKeyNames);

    const plain = plainSchema.safeParse(plainRaw);
    if (!plain.success) {
        for (const i of plain.error.issues) problems.push(issueText(String(i.path[0]), { ...i, path: i.path.slice(1) }, plainRaw[String(i.path[0])], false));
    }
    const secrets = secretSchema.safeParse(secretRaw);
    if (!secrets.success) {
        for (const i of secrets.error.issues) problems.push(issueText(String(i.path[0]), { ...i, path: i.path.slice(1) }, secretRaw[String(i.path[0])], true));
    }
    problems.push(...plainSecrets(secretRaw));
    problems.push(...checkProviderKeys());

    if (plain.success) {
        const c = plain.data;
        const issue = (key: string, message: string) => problems.push(`${project}:${key}: ${message}`);
        checkInfra(c, issue);
        checkCluster(c, issue);
        checkEdge(c, issue);
        checkWorkloads(c, issue);
        checkCost(c, issue);
        checkAdopt(c, issue);
        checkNewEstate(c, issue);
        checkHostKeys(c, issue);
        if (secrets.success) checkOperatorKeys(c, secrets.data.sshPrivateKey, issue);
        checkB2Keys(plainRaw, secretRaw, issue);
        checkB2Folders({ etcdSnapshotFolder: c.etcdSnapshotFolder, "redis.backupFolder": c.redis.backupFolder }, issue);
        if (c.adopt.k3s && secretRaw.k3sToken === undefined) {
            issue("adopt", "k3s is true but honeydue:k3sToken is not set; expected the running cluster's token (the passphrase after '::server:' in /var/lib/rancher/k3s/server/token on a node), set with `pulumi config set --secret honeydue:k3sToken`");
        }
    }
    if (problems.length > 0 || !plain.success || !secrets.success) throw new ConfigError(problems);

    const wrapped = Object.fromEntries(Object.entries(secrets.data).map(([k, v]) => [k, pulumi.secret(v)])) as Secrets;
    return {
        ...plain.data,
        stack: pulumi.getStack(),
        networkZone: networkZones[plain.data.location],
        b2Endpoint: b2Endpoint(plain.data.b2Region),
        secrets: wrapped,
    };
}
