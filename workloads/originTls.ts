// Off Flexible, the origin's TLS in honeydue, the only namespace Traefik watches and may read
// Secrets in (traefikAccess.ts): the Origin CA certificate as a kubernetes.io/tls Secret, the
// origin-pull CA as a Secret, and Traefik's TLSStore and TLSOption named `default` that use them
// (why default and why not the chart's values: workloads/traefik.ts withOriginTls).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { OriginTls } from "../infra/cloudflare/origin";
import { originSecrets } from "./traefik";
import type { Context } from "./workload";

const labels = { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" };

/** The two Secrets; Traefik's chart depends on them, so its first pods find them. */
export function createOriginSecrets(ctx: Context, origin: OriginTls): k8s.core.v1.Secret[] {
    return [
        // kubernetes.io/tls: the API server checks both keys are present. The key stays a secret (stringData from a secret Output).
        new k8s.core.v1.Secret(
            `${ctx.prefix}-origin-cert`,
            {
                metadata: { name: originSecrets.certificate, namespace: ctx.namespace, labels },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": origin.certificate, "tls.key": pulumi.secret(origin.privateKey) },
            },
            ctx.opts,
        ),
        // Only a CA certificate (public), but Traefik's TLSOption reads client CAs from Secrets only.
        new k8s.core.v1.Secret(
            `${ctx.prefix}-origin-pull-ca`,
            { metadata: { name: originSecrets.pullCa, namespace: ctx.namespace, labels }, type: "Opaque", stringData: { "ca.crt": origin.pullCa } },
            ctx.opts,
        ),
    ];
}

/**
 * The TLSStore serving the Origin CA certificate and the TLSOption requiring a client certificate
 * from our origin-pull CA. Their CRDs come with Traefik's chart (its crds/ folder, installed by
 * helm-controller's install Job), so they wait for every node's `<node>-traefik-ready`, which
 * waits for that Job; the zone's `ssl` setting waits for them in turn (index.ts).
 */
export function createOriginTlsConfig(ctx: Context, secrets: k8s.core.v1.Secret[], traefikReady: pulumi.Resource[]): k8s.apiextensions.CustomResource[] {
    const opts = { ...ctx.opts, dependsOn: [...secrets, ...traefikReady] };
    const metadata = { name: "default", namespace: ctx.namespace, labels };
    return [
        new k8s.apiextensions.CustomResource(
            `${ctx.prefix}-origin-tls-store`,
            { apiVersion: "traefik.io/v1alpha1", kind: "TLSStore", metadata, spec: { defaultCertificate: { secretName: originSecrets.certificate } } },
            opts,
        ),
        new k8s.apiextensions.CustomResource(
            `${ctx.prefix}-origin-tls-option`,
            {
                apiVersion: "traefik.io/v1alpha1",
                kind: "TLSOption",
                metadata,
                spec: { minVersion: "VersionTLS12", clientAuth: { secretNames: [originSecrets.pullCa], clientAuthType: "RequireAndVerifyClientCert" } },
            },
            opts,
        ),
    ];
}
