// How the Kubernetes policies see a workload: every kind that runs pods reduced to its pod spec,
// and the Traefik HelmChart reduced to its values. One place, so each policy stays a few lines.
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ReportViolation, type ResourceValidation, type ResourceValidationArgs } from "@pulumi/policy";
import { parse } from "yaml";
import type { Metadata } from "./lib";

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: unknown; configMapKeyRef?: unknown; fieldRef?: unknown; resourceFieldRef?: unknown };
}
export interface SecurityContext {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
}
export interface Container {
    name: string;
    image?: string;
    env?: EnvVar[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    readinessProbe?: unknown;
    livenessProbe?: unknown;
    startupProbe?: unknown;
    securityContext?: SecurityContext;
    command?: string[];
    args?: string[];
    volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    automountServiceAccountToken?: boolean;
    securityContext?: SecurityContext;
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; hostPath?: { path: string }; secret?: { secretName?: string }; projected?: { sources?: { serviceAccountToken?: unknown }[] } }[];
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown } };
    restartPolicy?: string;
}
export interface Workload {
    kind: string;
    props: { metadata?: Metadata; spec?: any };
    pod: PodSpec;
    /** Serves until stopped (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod), as opposed to a batch Job. */
    longRunning: boolean;
}

const podOf: Record<string, (spec: any) => PodSpec | undefined> = {
    Deployment: (s) => s?.template?.spec,
    StatefulSet: (s) => s?.template?.spec,
    DaemonSet: (s) => s?.template?.spec,
    ReplicaSet: (s) => s?.template?.spec,
    Job: (s) => s?.template?.spec,
    CronJob: (s) => s?.jobTemplate?.spec?.template?.spec,
    Pod: (s) => s,
};

const classes = [
    k8s.apps.v1.Deployment,
    k8s.apps.v1.StatefulSet,
    k8s.apps.v1.DaemonSet,
    k8s.apps.v1.ReplicaSet,
    k8s.batch.v1.Job,
    k8s.batch.v1.CronJob,
    k8s.core.v1.Pod,
] as const;

const kindOf = (type: string) => type.split(":").pop() ?? type;

/** One validation per workload kind (each through validateResourceOfType), all calling `check`. */
export function forWorkloads(check: (w: Workload, args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation[] {
    return classes.map((cls) =>
        validateResourceOfType(cls as unknown as typeof k8s.apps.v1.Deployment, (props, args, report) => {
            const kind = kindOf(args.type);
            const p = props as Workload["props"];
            const pod = podOf[kind]?.(p.spec) ?? {};
            check({ kind, props: p, pod, longRunning: !["Job", "CronJob"].includes(kind) }, args, report);
        }),
    );
}

/** Every container of a pod, init containers included (and ephemeral ones). */
export const containersOf = (pod: PodSpec) => [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...((pod as { ephemeralContainers?: Container[] }).ephemeralContainers ?? [])];

export const helmChartType = "kubernetes:helm.cattle.io/v1:HelmChart";

export interface HelmChart {
    metadata?: Metadata;
    spec?: { chart?: string; version?: string; repo?: string; chartContent?: string; valuesContent?: string; set?: Record<string, unknown>; values?: unknown; valuesSecrets?: unknown[] };
}

const parsedValues = new Map<string, Record<string, any> | undefined>();
/** A chart's values, parsed once per text (policies only read them); undefined when the YAML is invalid. */
export function valuesOf(text: string): Record<string, any> | undefined {
    if (!parsedValues.has(text)) {
        try {
            parsedValues.set(text, (parse(text) as Record<string, any>) ?? {});
        } catch {
            parsedValues.set(text, undefined);
        }
    }
    return parsedValues.get(text);
}

/** A validation of k3s helm-controller HelmCharts (a custom resource: no SDK class, so the type is compared). */
export function forHelmCharts(check: (chart: HelmChart, values: Record<string, any>, args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation {
    return (args, report) => {
        if (args.type !== helmChartType) args.notApplicable(`Policy only applies to resources of type '${helmChartType}'`);
        const chart = args.props as HelmChart;
        const values = valuesOf(chart.spec?.valuesContent ?? "");
        if (values === undefined) {
            report("spec.valuesContent is not valid YAML; render it with yaml's stringify from one values object");
            return;
        }
        check(chart, values, args, report);
    };
}

/** The image a chart's values name, as registry/repository:tag (traefik's chart: image.registry, image.repository, image.tag). */
export function chartImage(values: Record<string, any>): { registry?: string; repository?: string; tag?: string } | undefined {
    const image = values.image;
    return image && typeof image === "object" ? { registry: image.registry, repository: image.repository, tag: image.tag === undefined ? undefined : String(image.tag) } : undefined;
}

/**
 * The pod Traefik's chart renders from its values (traefik/traefik-helm-chart values.yaml: hostNetwork,
 * podSecurityContext, securityContext, additionalArguments, deployment.additionalVolumes,
 * deployment.initContainers, deployment.additionalContainers, deployment.kind), so the pod policies judge the HelmChart as they judge a DaemonSet.
 * Undefined for other charts, whose values the pack cannot read.
 */
export function chartWorkload(chart: HelmChart, values: Record<string, any>): Workload | undefined {
    if (chart.spec?.chart !== "traefik") return undefined;
    const pod: PodSpec = {
        hostNetwork: values.hostNetwork,
        hostPID: values.hostPID,
        hostIPC: values.hostIPC,
        securityContext: values.podSecurityContext,
        volumes: values.deployment?.additionalVolumes,
        // The chart adds deployment.initContainers and deployment.additionalContainers to the pod as they are (templates/_podtemplate.tpl).
        initContainers: values.deployment?.initContainers,
        containers: [{ name: "traefik", securityContext: values.securityContext, args: values.additionalArguments }, ...(values.deployment?.additionalContainers ?? [])],
    };
    return { kind: "HelmChart", props: chart as Workload["props"], pod, longRunning: true };
}

/** One validation of every workload kind and of Traefik's HelmChart, all calling `check`. */
export function forPods(check: (w: Workload, args: ResourceValidationArgs, report: ReportViolation) => void): ResourceValidation[] {
    return [
        ...forWorkloads(check),
        forHelmCharts((chart, values, args, report) => {
            const w = chartWorkload(chart, values);
            if (w) check(w, args, report);
        }),
    ];
}
