// The `prod` stack's configuration as the Pulumi CLI would hand it to the program: the plain
// values of Pulumi.prod.yaml (objects as JSON strings), plus clearly labelled placeholders for
// what an operator sets per machine and for every secret. Nothing here is a real credential.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ConfigError } from "../config";

export const root = join(__dirname, "..");

/** Operator-specific plain keys that the book does not give. */
export const placeholderPlain: Record<string, string> = {
    "honeydue:adminCidrs": JSON.stringify(["198.51.100.7/32"]),
    "honeydue:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPLACEHOLDERx0perat0rKeyF0rThePlanOnly000000 placeholder@plan",
    "honeydue:registryUsername": "placeholder-deployer",
    "honeydue:b2KeyId": "PLACEHOLDERb2KeyId0000000",
    "honeydue:smtpUsername": "placeholder@myhoneydue.com",
};

/**
 * The k3s downloads' hashes, which belong in the stack file (recorded once per k3s version:
 * docs/runbook/upgrade-k3s.md): offline, while a stack file lacks them, a placeholder of the right
 * shape that no download matches (the plan's header says so).
 */
export const placeholderHashes: Record<string, string> = {
    "honeydue:k3sInstallerSha256": "0".repeat(64),
    "honeydue:k3sBinarySha256": "0".repeat(64),
};

/** Every secret, with a value that is recognisably fake (each contains PLACEHOLDER). */
export const placeholderSecrets: Record<string, string> = {
    "hcloud:token": "PLACEHOLDER-hcloud-token",
    "cloudflare:apiToken": "PLACEHOLDER-cloudflare-token",
    "honeydue:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nPLACEHOLDER-ssh-private-key\n-----END OPENSSH PRIVATE KEY-----\n",
    "honeydue:registryPassword": "PLACEHOLDER-registry-password",
    "honeydue:databaseUrl": "postgresql://honeydue:PLACEHOLDER-db-password@placeholder.neon.tech/honeydue?sslmode=require",
    "honeydue:b2ApplicationKey": "PLACEHOLDERb2ApplicationKey000",
    "honeydue:smtpPassword": "PLACEHOLDER-smtp-password",
    "honeydue:appSecrets": JSON.stringify({ JWT_SECRET: "PLACEHOLDER-jwt-secret" }),
};

/**
 * Placeholders for the optional secrets, so adoption and token rotation can be tried offline
 * (`npm run plan -- --secret honeydue:k3sToken`); each passes its key's schema.
 */
const optionalPlaceholders: Record<string, string> = {
    "honeydue:k3sToken": "PLACEHOLDERk3sTokenForThePlanOnly",
};

/** A labelled placeholder for any secret key: the prod stack's, an optional one's, or PLACEHOLDER-<key>. */
export function placeholderSecret(key: string): string {
    return placeholderSecrets[key] ?? optionalPlaceholders[key] ?? `PLACEHOLDER-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
}

/** The marker every placeholder secret carries; a test greps for it in plain text. */
export const SECRET_MARK = "PLACEHOLDER";

/** Pulumi passes every config value to the program as a string; objects and lists as JSON. */
export const asConfigString = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The plain keys of Pulumi.<stack>.yaml, as the CLI would pass them. Encrypted values are skipped. */
export function stackFileConfig(stack = "prod", dir = root): Record<string, string> {
    const text = readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8");
    // Read every time, parsed once per content: the tests ask for it with every configuration they try.
    const known = parsedStackFiles.get(text);
    if (known) return { ...known };
    let doc: { config?: Record<string, unknown> };
    try {
        doc = parse(text) as typeof doc;
    } catch (e) {
        // A broken stack file is the operator's configuration error (exit 2), not a failed plan.
        throw new ConfigError([`Pulumi.${stack}.yaml does not parse: ${(e as Error).message.split("\n")[0].replace(/:$/, "")}; expected the YAML \`pulumi config set\` writes`]);
    }
    const config = Object.fromEntries(
        Object.entries(doc.config ?? {})
            .filter(([, v]) => !(v && typeof v === "object" && "secure" in v))
            // A key without a namespace is the project's (pulumi/pulumi sdk/go/common/workspace/loaders.go,
            // stackConfigNamespacedWithProject): `serverType: cx43` is honeydue:serverType.
            .map(([k, v]) => [k.includes(":") ? k : `honeydue:${k}`, asConfigString(v)]),
    );
    parsedStackFiles.set(text, config);
    return { ...config };
}
/** Stack files' plain keys by the file's text. */
const parsedStackFiles = new Map<string, Record<string, string>>();

export interface StackConfig {
    config: Record<string, string>;
    secretKeys: string[];
}

/**
 * The prod stack plus placeholders. `overrides` replace or add keys (values are turned into
 * config strings; `undefined` removes the key); `secret` marks added keys as secret.
 */
export function offlineConfig(overrides: Record<string, unknown> = {}, extraSecretKeys: string[] = [], stackFile: Record<string, string> = stackFileConfig()): StackConfig {
    // A secret key the stack file holds in plain text stays plain (the configuration check refuses
    // it, as `pulumi up` would); only the keys it lacks get a placeholder secret.
    const config: Record<string, string> = { ...placeholderPlain, ...placeholderHashes, ...placeholderSecrets, ...stackFile };
    for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete config[k];
        else config[k] = asConfigString(v);
    }
    if (assumesNewEstate(config)) config["honeydue:newEstate"] = "true";
    const secretKeys = [...Object.keys(placeholderSecrets).filter((k) => !(k in stackFile)), ...extraSecretKeys].filter((k) => k in config);
    return { config, secretKeys };
}

/**
 * A fresh clone has no adoption ids, so its plan is of a new estate: offline, `honeydue:newEstate`
 * is assumed true then (the plan's header says so). Not when any server id is given: a partly
 * adopted estate must say newEstate itself, as `pulumi up` requires (config/newEstate.ts).
 */
export function assumesNewEstate(config: Record<string, string>): boolean {
    if ("honeydue:newEstate" in config) return false;
    let servers: unknown;
    try {
        servers = (JSON.parse(config["honeydue:adopt"] ?? "{}") as { servers?: unknown })?.servers;
    } catch {
        return false; // a broken adopt value is reported by the configuration check
    }
    return !servers || typeof servers !== "object" || Object.keys(servers).length === 0;
}
