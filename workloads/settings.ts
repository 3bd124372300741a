// The plain settings every app reads as environment variables (envFrom). No secret belongs here:
// secrets are in the app Secret and reach pods only through secretKeyRef. DESIGN §8.
import * as k8s from "@pulumi/kubernetes";
import type { EstateConfig } from "../config";
import type { RoutedApp } from "../config/edge";
import { labels, type Context } from "./workload";

/** The first hostname routed to an app (routes keep the operator's order), as an https URL. */
export function publicUrl(routes: Record<string, RoutedApp>, app: RoutedApp): string | undefined {
    const host = Object.entries(routes).find(([, a]) => a === app)?.[0];
    return host ? `https://${host}` : undefined;
}

/** Redis inside the cluster, by its Service name. */
export const redisAddress = (namespace: string) => `redis.${namespace}.svc.cluster.local:6379`;

/**
 * The request header that carries the visitor's address. Every request reaches Traefik from
 * Cloudflare (the firewall opens 80/443 to Cloudflare's ranges only), so the connecting address is
 * Cloudflare's. Traefik fills an absent X-Real-Ip with that connecting address and keeps the
 * X-Forwarded-* headers only from trusted proxies (traefik/traefik
 * pkg/middlewares/forwardedheaders/forwarded_header.go, XForwarded.ServeHTTP and rewrite), so
 * X-Real-Ip names Cloudflare. Cloudflare sets CF-Connecting-IP to the visitor's address on every
 * proxied request; the apps read it (the leftmost X-Forwarded-For is the same address).
 */
export const clientIpHeader = "CF-Connecting-IP";

export function settingsData(config: EstateConfig, namespace: string): Record<string, string> {
    const urls = {
        PUBLIC_API_URL: publicUrl(config.routes, "api"),
        PUBLIC_ADMIN_URL: publicUrl(config.routes, "admin"),
        PUBLIC_SITE_URL: config.zone in config.routes ? `https://${config.zone}` : undefined,
    };
    return {
        // REDIS_URL carries the password: it is in the app Secret (workloads/secrets.ts), not here.
        REDIS_ADDR: redisAddress(namespace),
        B2_BUCKET: config.b2Bucket,
        B2_REGION: config.b2Region,
        B2_ENDPOINT: `https://${config.b2Endpoint}`,
        B2_KEY_ID: config.b2KeyId,
        SMTP_HOST: config.smtpHost,
        SMTP_PORT: String(config.smtpPort),
        SMTP_USERNAME: config.smtpUsername,
        CLIENT_IP_HEADER: clientIpHeader,
        ...(Object.fromEntries(Object.entries(urls).filter(([, v]) => v !== undefined)) as Record<string, string>),
    };
}

export function createSettings(ctx: Omit<Context, "settings" | "secret" | "pullSecret">, namespace: string): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        `${ctx.prefix}-settings`,
        // Auto-named: changed settings are a new ConfigMap, so the Deployments that read it roll.
        { metadata: { namespace: ctx.namespace, labels: labels("app-settings") }, data: settingsData(ctx.config, namespace) },
        ctx.opts,
    );
}
