// The secret half of the contract: DESIGN §4. Values are validated here, then handed on only
// as Pulumi secrets; they never appear in a message.
import { z } from "zod";
import * as cloudflareConfig from "@pulumi/cloudflare/config/vars";
import * as hcloudConfig from "@pulumi/hcloud/config/vars";
import { b2KeySecretKeys } from "./b2Keys";
import { json, text } from "./fields";

export const secretKeys = {
    sshPrivateKey: text(/^-----BEGIN (OPENSSH|RSA|EC) PRIVATE KEY-----[\s\S]+-----END \1 PRIVATE KEY-----\s*$/, "expected an unencrypted OpenSSH private key (the whole PEM block)"),
    registryPassword: text(/^.{8,}$/s, "expected the Gitea registry password or token (8 characters or more)"),
    databaseUrl: text(/^postgres(ql)?:\/\/[^\s]+@[^\s/]+\/\S+$/, "expected a Postgres connection string such as postgresql://user:password@host/db?sslmode=require"),
    b2ApplicationKey: text(/^[A-Za-z0-9+/]{20,64}$/, "expected a Backblaze B2 application key (20-64 characters)"),
    ...b2KeySecretKeys,
    smtpPassword: text(/^.{8,}$/s, "expected the Fastmail app password (8 characters or more)"),
    /** The cluster token of a cluster that already runs (adoption) or a new one (rotation); a generated one otherwise. */
    k3sToken: text(/^[A-Za-z0-9]{16,128}$/, "expected a k3s cluster token of 16-128 letters and digits (the passphrase part, not the K10… secure form)").optional(),
    /** Extra app secrets (JWT keys and the like) as one object; each becomes a key of the app Secret. */
    appSecrets: json(
        // zod reports a name that fails its regex as the record's own invalid_key issue (zod
        // v4/core/schemas.js, $ZodRecord: issues "invalid_key" with inst the record), so the
        // record's message must tell that case apart.
        z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string({ error: "expected the secret's value as a string" }), {
            error: (iss) => (iss.code === "invalid_key" ? "expected upper-case environment-variable names such as JWT_SECRET" : "expected a JSON object of NAME → value"),
        }),
    ).default({}),
};
export type SecretKey = keyof typeof secretKeys;

/** Provider credentials the program never reads itself, but without which `pulumi up` fails late. */
export const providerTokens = [
    { key: "hcloud:token", env: "HCLOUD_TOKEN" },
    { key: "cloudflare:apiToken", env: "CLOUDFLARE_API_TOKEN" },
] as const;

/**
 * The providers' credentials: secret in their SDKs' schemas, so a plain value would be committed to
 * Pulumi.<stack>.yaml in clear text (the CLI stores whatever `pulumi config set` is given, without
 * --secret in plain text: pulumi/pulumi pkg/cmd/pulumi/config/config.go, configSetCmd.Run).
 */
export const providerSecretKeys = ["hcloud:token", "cloudflare:apiToken", "cloudflare:apiKey", "cloudflare:apiUserServiceKey"] as const;

/**
 * The keys each provider reads from its namespace: the names its SDK's config module exports
 * (node_modules/@pulumi/{hcloud,cloudflare}/config/vars.d.ts), so `hcloud:tokn` is caught here.
 */
export const providerKeys: Record<string, string[]> = {
    hcloud: Object.keys(hcloudConfig),
    cloudflare: Object.keys(cloudflareConfig),
};
