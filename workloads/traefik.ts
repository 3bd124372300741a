// Traefik v3, the ingress on every node: installed by k3s's own helm-controller from a HelmChart
// object, so `pulumi preview` renders nothing through a live cluster (DESIGN §11). The chart's
// values are a typed object rendered to YAML; the names below are those of the pinned chart
// (traefik/traefik-helm-chart values.yaml at the version in config.traefik.chartVersion).
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { EdgeRanges } from "../infra/cloudflare/ipRanges";
import { traefikAccessValues, type TraefikAccessValues } from "./traefikAccess";
import type { Context } from "./workload";

export const traefikRepo = "https://traefik.github.io/charts";
/** Not "traefik": that is k3s's bundled add-on (disabled), whose leftovers must never collide with ours. */
export const traefikRelease = "honeydue-traefik";
/**
 * Our own IngressClass, never "traefik": k3s's bundled chart creates an IngressClass of that name,
 * and a bundled Traefik left on an adopted node would serve (without trusting Cloudflare's
 * forwarded headers) every Ingress of that class. Our Traefik watches only this class.
 */
export const ingressClassName = "honeydue-traefik";

interface EntryPoint {
    port: number;
    expose: { default: boolean };
    exposedPort: number;
    forwardedHeaders: { trustedIPs: string[]; insecure: false };
    proxyProtocol: { trustedIPs: string[]; insecure: false };
    redirections?: never;
}

/** The chart values this estate sets; everything else keeps the chart's default. */
export interface TraefikValues {
    deployment: { kind: "DaemonSet"; dnsPolicy: "ClusterFirstWithHostNet"; podAnnotations?: Record<typeof generationAnnotation, string> };
    hostNetwork: true;
    updateStrategy: { type: "RollingUpdate"; rollingUpdate: { maxUnavailable: number; maxSurge: 0 } };
    ports: { web: EntryPoint; websecure: EntryPoint } & TraefikAccessValues["ports"];
    service: { enabled: false };
    ingressClass: { enabled: true; isDefaultClass: true; name: string };
    ingressRoute: { dashboard: { enabled: false } };
    providers: {
        kubernetesCRD: { enabled: true } & TraefikAccessValues["watched"];
        kubernetesIngress: { enabled: true; publishedService: { enabled: false } } & TraefikAccessValues["watched"];
    };
    rbac: TraefikAccessValues["rbac"];
    additionalArguments: string[];
    podSecurityContext: { runAsUser: 0; runAsGroup: 0; runAsNonRoot: false; seccompProfile: { type: "RuntimeDefault" } };
    securityContext: {
        allowPrivilegeEscalation: false;
        readOnlyRootFilesystem: true;
        capabilities: { drop: ["ALL"]; add: ["NET_BIND_SERVICE"] };
    };
    resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
    global: { checkNewVersion: false; sendAnonymousUsage: false };
}

/**
 * Cloudflare's ranges are the only proxies whose X-Forwarded-* Traefik believes. With Flexible
 * SSL Cloudflare speaks plain HTTP to the origin, so `web` must not redirect to https (that loops).
 */
function entryPoint(port: number, trusted: string[]): EntryPoint {
    return {
        port,
        expose: { default: true },
        exposedPort: port,
        forwardedHeaders: { trustedIPs: trusted, insecure: false },
        proxyProtocol: { trustedIPs: [], insecure: false },
    };
}

export function traefikValues(edge: EdgeRanges, zone: string): TraefikValues {
    const trusted = [...edge.ipv4, ...edge.ipv6];
    // Least privilege (traefikAccess.ts): ping and metrics on loopback, only honeydue watched, the program's RBAC.
    const access = traefikAccessValues();
    return {
        // One Traefik per node on the node's own 80/443: Cloudflare round-robins over the nodes.
        deployment: { kind: "DaemonSet", dnsPolicy: "ClusterFirstWithHostNet" },
        hostNetwork: true,
        // A hostNetwork pod cannot surge (the ports are taken): replace one node at a time.
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        ports: { web: entryPoint(80, trusted), websecure: entryPoint(443, trusted), ...access.ports },
        // No Service: the node addresses are the entry points (DNS has one record per node).
        service: { enabled: false },
        ingressClass: { enabled: true, isDefaultClass: true, name: ingressClassName },
        ingressRoute: { dashboard: { enabled: false } },
        providers: {
            kubernetesCRD: { enabled: true, ...access.watched },
            kubernetesIngress: { enabled: true, publishedService: { enabled: false }, ...access.watched },
        },
        rbac: access.rbac,
        // Without a Service Traefik publishes the zone as each Ingress's address; Pulumi waits for
        // that status, so `pulumi up` only succeeds once Traefik has picked the route up.
        // Only Ingresses of our class: both Traefiks' IngressClasses name the same controller.
        additionalArguments: [`--providers.kubernetesingress.ingressendpoint.hostname=${zone}`, `--providers.kubernetesingress.ingressclass=${ingressClassName}`],
        // Binding 80/443 needs NET_BIND_SERVICE, which only takes effect for uid 0: root with that one
        // capability, nothing else, no escalation, read-only root (DESIGN §11).
        podSecurityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
        },
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "256Mi" } },
        global: { checkNewVersion: false, sendAnonymousUsage: false },
    };
}

/** The pod annotation that marks which chart generation a Traefik pod runs (see traefikReady.ts). */
export const generationAnnotation = "honeydue-chart-generation";

/** A digest of everything the install depends on: repo, chart version and values. */
export function chartGeneration(repo: string, version: string, values: TraefikValues): string {
    return createHash("sha256").update(JSON.stringify({ repo, version, values })).digest("hex").slice(0, 16);
}

/**
 * The values as the HelmChart carries them: with the generation as a pod annotation, so that a
 * Traefik pod (and the DaemonSet's template) says which HelmChart spec installed it.
 */
export function renderedValues(repo: string, version: string, values: TraefikValues): { generation: string; valuesContent: string } {
    const generation = chartGeneration(repo, version, values);
    const annotated = { ...values, deployment: { ...values.deployment, podAnnotations: { [generationAnnotation]: generation } } };
    return { generation, valuesContent: stringify(annotated) };
}

export interface Traefik {
    chart: k8s.apiextensions.CustomResource;
    /** The digest of the applied spec: the Traefik pods carry it once helm-controller installed it. */
    generation: pulumi.Output<string>;
}

export function createTraefik(ctx: Context, edge: pulumi.Output<EdgeRanges>, opts: pulumi.CustomResourceOptions = {}): Traefik {
    const version = ctx.config.traefik.chartVersion;
    const rendered = edge.apply((e) => renderedValues(traefikRepo, version, traefikValues(e, ctx.config.zone)));
    const chart = new k8s.apiextensions.CustomResource(
        `${ctx.prefix}-traefik`,
        {
            apiVersion: "helm.cattle.io/v1",
            kind: "HelmChart",
            metadata: { name: traefikRelease, namespace: "kube-system", labels: { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } },
            spec: {
                repo: traefikRepo,
                chart: "traefik",
                version,
                targetNamespace: "kube-system",
                // A failed upgrade stays failed for an operator to read, instead of an uninstall that drops every route.
                failurePolicy: "abort",
                valuesContent: rendered.valuesContent,
            },
        },
        { ...ctx.opts, ...opts },
    );
    return { chart, generation: rendered.generation };
}
