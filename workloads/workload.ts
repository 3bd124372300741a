// What every honeyDue workload shares: labels, the locked-down security context, the pull secret,
// settings from the ConfigMap and secrets by reference, resources, probes, writable emptyDirs,
// spread and disruption budget. An app file states only what differs. DESIGN §8.
import * as k8s from "@pulumi/kubernetes";
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import { adoptOptions } from "./adoption";

export type Container = k8sInput.core.v1.Container;
export type PodSpec = k8sInput.core.v1.PodSpec;
export type Probe = k8sInput.core.v1.Probe;
/** One app's settings from the configuration (api, admin, worker, migrations). */
export type AppSettings = EstateConfig["api"];

/** What the layer hands every workload file: names of shared objects and the resource options. */
export interface Context {
    /** Prefix of Pulumi resource names ("honeydue"). */
    prefix: string;
    config: EstateConfig;
    namespace: pulumi.Output<string>;
    /** The ConfigMap with the plain settings. */
    settings: pulumi.Output<string>;
    /** The Secret with the app secrets, and the keys each kind of app may read. */
    secret: pulumi.Output<string>;
    pullSecret: pulumi.Output<string>;
    /** { parent, provider }: every child of the layer. */
    opts: pulumi.CustomResourceOptions;
}

export const partOf = "honeydue";

/** The labels that select an app's pods (stable for the life of the Deployment). */
export const selector = (app: string): Record<string, string> => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": partOf });

/** Labels on every object of an app. */
export const labels = (app: string, version?: string): Record<string, string> => ({
    ...selector(app),
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version ? { "app.kubernetes.io/version": version } : {}),
});

/** Object metadata in the app namespace. */
export const meta = (ctx: Context, name: string, app: string, version?: string) => ({ name, namespace: ctx.namespace, labels: labels(app, version) });

/**
 * The tag (or short digest) of an image reference, as a label value: at most 63 characters, and
 * alphanumeric at both ends (a tag may start with `_` and end with `.` or `-`; the API server
 * refuses such a label value, and with it the Deployment or Job).
 */
export function versionOf(image: string): string {
    const digest = /@sha256:([a-f0-9]{12})/.exec(image);
    if (digest) return digest[1];
    const last = image.slice(image.lastIndexOf("/") + 1);
    return last
        .slice(last.indexOf(":") + 1)
        .replace(/[^A-Za-z0-9._-]/g, "-")
        .slice(0, 63)
        .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** The container-level lockdown: nothing to escalate to, nothing to write, no capability. */
export const containerSecurity: k8sInput.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export const podSecurity = (uid: number, fsGroup?: number): k8sInput.core.v1.PodSecurityContext => ({
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: fsGroup ?? uid,
    ...(fsGroup !== undefined ? { fsGroup } : {}),
    seccompProfile: { type: "RuntimeDefault" },
});

/** Secrets reach a container only as references into the app Secret, one variable per key. */
export function secretEnv(secret: pulumi.Input<string>, keys: pulumi.Input<string[]>): pulumi.Output<k8sInput.core.v1.EnvVar[]> {
    return pulumi.all([secret, keys]).apply(([name, ks]) => ks.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name, key } } })));
}

/** Startup gives a slow boot up to 2.5 minutes; after that readiness gates traffic and liveness restarts a hung app. */
export function httpProbes(port: number, path: string): Pick<Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const httpGet = { port, path };
    return {
        startupProbe: { httpGet, periodSeconds: 5, failureThreshold: 30, timeoutSeconds: 2 },
        readinessProbe: { httpGet, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
        livenessProbe: { httpGet, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 3 },
    };
}

const volumeName = (i: number) => `writable-${i}`;

export interface PodOptions {
    app: string;
    settings: AppSettings;
    /** Secret keys this app reads (each becomes an environment variable of the same name). */
    secretKeys: pulumi.Input<string[]>;
    /** Plain variables beyond the ConfigMap (never a secret: use secretKeys). */
    env?: k8sInput.core.v1.EnvVar[];
    /** Serve HTTP on settings.port with probes on settings.healthPath (default: when both are set). */
    probes?: boolean;
    restartPolicy?: "Always" | "Never";
}

/** The pod of an app: one container, everything shared filled in. */
export function podSpec(ctx: Context, o: PodOptions): PodSpec {
    const s = o.settings;
    const probed = (o.probes ?? true) && s.port !== undefined && s.healthPath !== undefined;
    // The port the app listens on, from the configuration, not each image's own default (a plain value).
    const plain = [...(s.port !== undefined ? [{ name: "PORT", value: String(s.port) }] : []), ...(o.env ?? [])];
    const container: Container = {
        name: o.app,
        image: s.image,
        imagePullPolicy: "IfNotPresent",
        ...(s.command ? { command: s.command } : {}),
        ...(s.port !== undefined ? { ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }] } : {}),
        envFrom: [{ configMapRef: { name: ctx.settings } }],
        env: secretEnv(ctx.secret, o.secretKeys).apply((secrets) => [...plain, ...secrets]),
        resources: { requests: { cpu: s.cpu, memory: s.memory }, limits: { memory: s.memoryLimit } },
        securityContext: containerSecurity,
        volumeMounts: s.writablePaths.map((mountPath, i) => ({ name: volumeName(i), mountPath })),
        ...(probed ? httpProbes(s.port!, s.healthPath!) : {}),
    };
    return {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        imagePullSecrets: [{ name: ctx.pullSecret }],
        securityContext: podSecurity(s.runAsUser),
        restartPolicy: o.restartPolicy ?? "Always",
        containers: [container],
        volumes: s.writablePaths.map((_, i) => ({ name: volumeName(i), emptyDir: { sizeLimit: "256Mi" } })),
    };
}

/** Two or more replicas go on different nodes; a node that is down (tainted) does not count. */
export function spread(app: string): k8sInput.core.v1.TopologySpreadConstraint[] {
    return [
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "DoNotSchedule",
            nodeTaintsPolicy: "Honor",
            labelSelector: { matchLabels: selector(app) },
            matchLabelKeys: ["pod-template-hash"],
        },
    ];
}

export interface AppWorkload {
    deployment: k8s.apps.v1.Deployment;
    service?: k8s.core.v1.Service;
    disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
}

export interface DeploymentOptions extends PodOptions {
    /** A ClusterIP Service on settings.port (for apps Traefik routes to). */
    service?: boolean;
    /** What must exist (and be ready) before this app rolls, e.g. the migrations Job. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A long-running app: its Deployment (rolling, one surge pod, none unavailable), and with two or
 * more replicas a node spread and a PodDisruptionBudget so a drain keeps one serving.
 */
export function appDeployment(ctx: Context, o: DeploymentOptions): AppWorkload {
    const s = o.settings;
    const version = versionOf(s.image);
    const ha = s.replicas >= 2;
    const pod = podSpec(ctx, o);
    const deployment = new k8s.apps.v1.Deployment(
        `${ctx.prefix}-${o.app}`,
        {
            metadata: meta(ctx, o.app, o.app, version),
            spec: {
                replicas: s.replicas,
                revisionHistoryLimit: 5,
                selector: { matchLabels: selector(o.app) },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                template: {
                    metadata: { labels: labels(o.app, version) },
                    spec: { ...pod, ...(ha ? { topologySpreadConstraints: spread(o.app) } : {}) },
                },
            },
        },
        { ...ctx.opts, dependsOn: o.dependsOn, ...adoptOptions(ctx.config, "Deployment", o.app) },
    );
    const service =
        o.service && s.port !== undefined
            ? new k8s.core.v1.Service(
                  `${ctx.prefix}-${o.app}`,
                  {
                      metadata: meta(ctx, o.app, o.app),
                      spec: { type: "ClusterIP", selector: selector(o.app), ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
                  },
                  // After the pods are ready: Pulumi waits for a Service's endpoints, and the first
                  // rollout (behind the migrations) can take longer than that wait.
                  { ...ctx.opts, dependsOn: [deployment], ...adoptOptions(ctx.config, "Service", o.app) },
              )
            : undefined;
    const disruptionBudget = ha
        ? new k8s.policy.v1.PodDisruptionBudget(
              `${ctx.prefix}-${o.app}`,
              { metadata: meta(ctx, o.app, o.app), spec: { maxUnavailable: 1, selector: { matchLabels: selector(o.app) } } },
              { ...ctx.opts, ...adoptOptions(ctx.config, "PodDisruptionBudget", o.app) },
          )
        : undefined;
    return { deployment, service, disruptionBudget };
}
