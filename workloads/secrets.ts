// The two Secrets: the registry credential kubelet pulls with, and the app secrets the pods read
// by reference. Every value comes from a secret Output and stays one. DESIGN §4, §8.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { adoptOptions } from "./adoption";
import { namespaceName } from "./namespace";
import { redisPasswordKey, redisUrl, redisUrlKey } from "./redisUsers";
import { redisAddress } from "./settings";
import type { Context } from "./workload";
import { labels } from "./workload";

type Ctx = Omit<Context, "settings" | "secret" | "pullSecret">;

/** The `.dockerconfigjson` of one registry, as kubelet reads it. */
export function dockerConfig(registry: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`).toString("base64");
    return JSON.stringify({ auths: { [registry]: { username, password, auth } } });
}

export function createPullSecret(ctx: Ctx): k8s.core.v1.Secret {
    const { registry, registryUsername, secrets } = ctx.config;
    return new k8s.core.v1.Secret(
        `${ctx.prefix}-registry`,
        {
            metadata: { name: "registry", namespace: ctx.namespace, labels: labels("registry") },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": pulumi.secret(secrets.registryPassword.apply((p) => dockerConfig(registry, registryUsername, p))) },
        },
        { ...ctx.opts, ...adoptOptions(ctx.config, "Secret", "registry") },
    );
}

/** The fixed keys of the app Secret; each becomes an environment variable of the same name. */
export const databaseUrlKey = "DATABASE_URL";
export const fixedSecretKeys = [databaseUrlKey, "B2_APPLICATION_KEY", "SMTP_PASSWORD", redisPasswordKey, redisUrlKey];

/** Names of the extra app secrets (appSecrets' keys): not secret themselves, so the pod specs can list them. */
export function appSecretKeys(ctx: Pick<Context, "config">): pulumi.Output<string[]> {
    return pulumi.unsecret(ctx.config.secrets.appSecrets.apply((s) => Object.keys(s).sort()));
}

/** `redisPassword`: the apps' Redis password (workloads/redisAcl.ts), as itself and inside REDIS_URL. */
export function createAppSecret(ctx: Ctx, redisPassword: pulumi.Output<string>): k8s.core.v1.Secret {
    const s = ctx.config.secrets;
    const data = pulumi.all([s.databaseUrl, s.b2ApplicationKey, s.smtpPassword, s.appSecrets, redisPassword]).apply(([db, b2, smtp, extra, redis]) => ({
        ...extra,
        [databaseUrlKey]: db,
        B2_APPLICATION_KEY: b2,
        SMTP_PASSWORD: smtp,
        [redisPasswordKey]: redis,
        [redisUrlKey]: redisUrl(redisAddress(namespaceName), redis),
    }));
    return new k8s.core.v1.Secret(
        `${ctx.prefix}-app`,
        {
            // Auto-named: a changed secret is a new Secret, so the Deployments that reference it roll.
            metadata: { namespace: ctx.namespace, labels: labels("app-secrets") },
            type: "Opaque",
            stringData: pulumi.secret(data),
        },
        ctx.opts,
    );
}
