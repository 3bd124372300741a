// The origin's certificate and the origin-pull CA as Secrets in kube-system, where Traefik's
// TLSStore and TLSOption read them (workloads/traefik.ts withOriginTls). Off Flexible only.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { OriginTls } from "../infra/cloudflare/origin";
import { originSecrets } from "./traefik";
import type { Context } from "./workload";

const labels = { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" };

export function createOriginSecrets(ctx: Context, origin: OriginTls): k8s.core.v1.Secret[] {
    return [
        // kubernetes.io/tls: the API server checks both keys are present. The key stays a secret (stringData from a secret Output).
        new k8s.core.v1.Secret(
            `${ctx.prefix}-origin-cert`,
            {
                metadata: { name: originSecrets.certificate, namespace: "kube-system", labels },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": origin.certificate, "tls.key": pulumi.secret(origin.privateKey) },
            },
            ctx.opts,
        ),
        // Only a CA certificate (public), but Traefik's TLSOption reads client CAs from Secrets only.
        new k8s.core.v1.Secret(
            `${ctx.prefix}-origin-pull-ca`,
            { metadata: { name: originSecrets.pullCa, namespace: "kube-system", labels }, type: "Opaque", stringData: { "ca.crt": origin.pullCa } },
            ctx.opts,
        ),
    ];
}
