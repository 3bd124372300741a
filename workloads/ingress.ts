// One Ingress per public hostname, to the app the routes map names. On Flexible plain HTTP on the
// `web` entry point (Cloudflare terminates TLS). Off Flexible also on `websecure`, where the entry
// point's own TLS (workloads/traefik.ts withOriginTls) serves the origin certificate and checks the
// client certificate; there is no TLS section here, which would take the route off `web` as well. DESIGN §8.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { originTls, type RoutedApp } from "../config/edge";
import { adoptOptions } from "./adoption";
import { ingressClassName } from "./traefik";
import { meta, type Context } from "./workload";

import { hostLabel } from "./names";

export { hostLabel };

export function createIngresses(
    ctx: Context,
    services: Record<RoutedApp, k8s.core.v1.Service>,
    /** Traefik serving on every node (the per-node waits). */
    traefik: pulumi.Resource[],
): k8s.networking.v1.Ingress[] {
    return Object.entries(ctx.config.routes).map(([host, app]) => {
        const service = services[app];
        return new k8s.networking.v1.Ingress(
            `${ctx.prefix}-${hostLabel(host)}`,
            {
                metadata: {
                    ...meta(ctx, hostLabel(host), app),
                    annotations: {
                        "traefik.ingress.kubernetes.io/router.entrypoints": originTls(ctx.config) ? "web,websecure" : "web",
                        // The program is the only writer of its Ingresses: a field another manager set (an
                        // adopted Ingress's class, a hand edit) is taken over, not a conflict that stops
                        // `up` (pulumi-kubernetes provider/pkg/await/await.go, patchForce).
                        "pulumi.com/patchForce": "true",
                    },
                },
                spec: {
                    ingressClassName,
                    rules: [
                        {
                            host,
                            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
                        },
                    ],
                },
            },
            { ...ctx.opts, dependsOn: [service, ...traefik], ...adoptOptions(ctx.config, "Ingress", hostLabel(host)) },
        );
    });
}
