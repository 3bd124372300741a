// The workloads' conventions (DESIGN §8, §9): everything in the honeydue namespace, images pinned
// from the allowed registries, sized and probed containers, non-root pods off the host network
// (Traefik excepted by kind, namespace and name), secrets only through Secret references, Redis on a pinned PVC.
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationArgs, type ResourceValidationPolicy } from "@pulumi/policy";
import { idOf, k8sName, list, listed, named, schemaOf, settings, showId, traefikIds, type Metadata, type ObjectId } from "./lib";
import { chartImage, containersOf, forHelmCharts, forPods, forWorkloads, valuesOf, type Container, type EnvVar, type PodSpec, type Workload } from "./workloads";

/** Kinds that live outside namespaces. */
const clusterScoped = new Set([
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass",
    "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService", "CSIDriver", "RuntimeClass",
    "IngressClass", "VolumeAttachment", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
]);
/** Kubernetes provider types that are components or tools rather than objects in the cluster. */
const notObjects = /^kubernetes:(helm\.sh|yaml|kustomize)\//;

export const namespaceDefaults = { namespace: "honeydue", systemNamespaces: ["kube-system"], systemObjects: traefikIds.filter((t) => t.kind === "HelmChart") };
export const inNamespace: ResourceValidationPolicy = {
    name: "k8s-namespace",
    description: "Kubernetes objects live in the honeydue namespace; system pieces (Traefik's HelmChart in kube-system) are excepted by kind, namespace and name.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(namespaceDefaults, {
        namespace: "The estate's namespace.",
        systemNamespaces: "Namespaces where only the listed system objects may live.",
        systemObjects: "Objects allowed in the system namespaces, each as {kind, namespace, name} (metadata.name, exactly).",
    }),
    validateResource: (args: ResourceValidationArgs, report) => {
        const kind = args.type.split(":").pop() ?? "";
        if (!/^kubernetes:[^:]+\/v[^:]*:[A-Z]/.test(args.type) || notObjects.test(args.type) || kind.endsWith("Patch") || clusterScoped.has(kind)) {
            args.notApplicable("Policy only applies to namespaced Kubernetes objects");
        }
        const { namespace, systemNamespaces, systemObjects } = settings(args, namespaceDefaults);
        const props = args.props as { metadata?: Metadata };
        const ns = props.metadata?.namespace ?? "default";
        if (ns === namespace) return;
        const name = k8sName(props, args.name);
        if (systemNamespaces.includes(ns)) {
            if (!listed(systemObjects, idOf(kind, props))) {
                report(`${kind} ${name} is in the system namespace ${ns}; put it in ${namespace}, or list {"kind":"${kind}","namespace":"${ns}","name":"${name}"} in systemObjects if it is a system piece`);
            }
            return;
        }
        report(`${kind} ${name} is in namespace ${ns}; set metadata.namespace to ${namespace}`);
    },
};

/** The registry an image comes from: docker.io when the first path part is not a host. */
export function registryOf(image: string): string {
    const [first, ...rest] = image.split("/");
    return rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/**
 * An image pinned by content: `@sha256:` and 64 hex digits, with or without a tag (name:tag@sha256:…).
 * Lowercase only, as the runtime parses it (opencontainers/go-digest algorithm.go, SHA256's
 * anchoredEncodedRegexp `^[a-f0-9]{64}$`).
 */
export const hasDigest = (image: string) => /@sha256:[0-9a-f]{64}$/.test(image);

/** The tag of an image reference, "" when untagged, undefined when pinned by a whole digest. */
export function tagOf(image: string): string | undefined {
    if (hasDigest(image)) return undefined;
    const last = image.split("/").pop() ?? image;
    return last.includes(":") ? last.split(":").pop()! : "";
}

export const registriesDefaults = { allowedRegistries: ["gitea.treytartt.com", "docker.io"] };
export const imageRegistry: ResourceValidationPolicy = {
    name: "k8s-image-registry",
    description: "Images come from the allowed registries: the estate's Gitea, and Docker Hub for Redis and Traefik.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(registriesDefaults, { allowedRegistries: "Registries images may come from (docker.io for images named without a registry)." }),
    validateResource: [
        ...forWorkloads((w, args, report) => {
            const { allowedRegistries } = settings(args, registriesDefaults);
            for (const c of containersOf(w.pod)) {
                const from = c.image ? registryOf(c.image) : "";
                if (!allowedRegistries.includes(from)) {
                    report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} runs ${c.image ?? "no image"} from ${from || "nowhere"}; use an image from ${list(allowedRegistries)}`);
                }
            }
        }),
        forHelmCharts((chart, values, args, report) => {
            const { allowedRegistries } = settings(args, registriesDefaults);
            const image = chartImage(values);
            const from = image?.registry ?? (image?.repository ? registryOf(image.repository) : undefined);
            if (from !== undefined && !allowedRegistries.includes(from)) {
                report(`HelmChart ${k8sName(chart, args.name)} sets image from ${from}; set image.registry in its values to one of ${list(allowedRegistries)}`);
            }
        }),
    ],
};


/**
 * requireDigests: a tag can be moved to other content by whoever can push to the registry; a
 * digest cannot. Off by default, because prod's images are pinned by tag today: turn it on in
 * policy/config.prod.json once every image in Pulumi.prod.yaml carries its digest (README,
 * "Verified downloads"). Traefik's image comes from its pinned chart's appVersion, not from here.
 */
export const imagePinnedDefaults = { requireDigests: false };
export const imagePinned: ResourceValidationPolicy = {
    name: "k8s-image-pinned",
    description: "Every image is pinned to a tag or digest: never untagged, never :latest; with requireDigests, every container image carries its @sha256: digest.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(imagePinnedDefaults, { requireDigests: "Every container image must carry its @sha256: digest (name@sha256:… or name:tag@sha256:…), not only a tag." }),
    validateResource: [
        ...forWorkloads((w, args, report) => {
            const { requireDigests } = settings(args, imagePinnedDefaults);
            for (const c of containersOf(w.pod)) {
                const tag = c.image ? tagOf(c.image) : "";
                if (c.image?.includes("@sha256:") && !hasDigest(c.image)) {
                    // The kubelet cannot parse it: the pod waits in InvalidImageName (kubernetes
                    // pkg/kubelet/images/image_manager.go EnsureImageExists → applyDefaultImageTag).
                    report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} runs ${c.image}, whose digest is not sha256: and 64 lowercase hex digits, so no node can pull it; copy the whole digest from the registry's manifest`);
                } else if (tag === "" || tag === "latest") {
                    report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} runs ${c.image ?? "no image"}, which is ${tag ? "on :latest" : "untagged"}; pin it to a release tag or digest (e.g. :8d9ca2e6ed)`);
                } else if (requireDigests && !hasDigest(c.image ?? "")) {
                    report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} runs ${c.image}, pinned by tag only, and requireDigests is on; add its digest (${c.image}@sha256:<64 hex>, from the registry's manifest)`);
                }
            }
        }),
        forHelmCharts((chart, values, args, report) => {
            const tag = chartImage(values)?.tag;
            if (tag === "latest" || tag === "") report(`HelmChart ${k8sName(chart, args.name)} sets image.tag ${JSON.stringify(tag)}; pin a release tag or leave it to the pinned chart's appVersion`);
        }),
    ],
};

export const helmChartPinned: ResourceValidationPolicy = {
    name: "k8s-helm-chart-pinned",
    description: "Every HelmChart installs a pinned chart version.",
    enforcementLevel: "mandatory",
    validateResource: forHelmCharts((chart, _values, args, report) => {
        if (chart.spec?.chartContent) return;
        const version = chart.spec?.version ?? "";
        if (!/^v?\d+\.\d+\.\d+([-+][\w.]+)?$/.test(version)) {
            report(`HelmChart ${k8sName(chart, args.name)} has chart version ${JSON.stringify(version) || "none"}; set spec.version to a pinned release such as 37.1.2`);
        }
    }),
};

/**
 * Where a HelmChart's chart and values come from (k3s-io/helm-controller pkg/apis/helm.cattle.io/v1
 * types.go HelmChartSpec: spec.chart is a name in spec.repo or an archive URL, spec.chartContent an
 * inline archive; values come from valuesContent, values, valuesSecrets, and set, which
 * pkg/controllers/chart/chart.go args turns into --set/--set-string over the rest). The pod
 * policies read only valuesContent and only Traefik's layout, so anything else would pass unseen.
 */
export const chartSourceDefaults = { allowedCharts: [{ repo: "https://traefik.github.io/charts", chart: "traefik" }] };
const unreadValues = ["set", "values", "valuesSecrets", "chartContent"] as const;
export const helmChartSource: ResourceValidationPolicy = {
    name: "k8s-helm-chart-source",
    description: "Every HelmChart installs an allowed chart by name from its repository (Traefik's), with all its values in valuesContent, where the pod policies read them: no archive URL, chartContent, set, values or valuesSecrets, and no extraObjects.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(chartSourceDefaults, { allowedCharts: "Charts a HelmChart may install, each as {repo, chart} (a chart name in that repository, never an archive URL)." }),
    validateResource: forHelmCharts((chart, values, args, report) => {
        const { allowedCharts } = settings(args, chartSourceDefaults);
        const name = k8sName(chart, args.name);
        const spec = (chart.spec ?? {}) as Record<string, unknown>;
        if (!allowedCharts.some((a) => a.repo === spec.repo && a.chart === spec.chart)) {
            report(`HelmChart ${name} installs chart ${String(spec.chart ?? "(none)")} from ${String(spec.repo ?? "no repository")}, which is not an allowed chart (${allowedCharts.map((a) => `${a.chart} from ${a.repo}`).join(", ")}); install it by name from its repository`);
        }
        const unread = unreadValues.filter((k) => spec[k] !== undefined && spec[k] !== null && spec[k] !== "" && !(typeof spec[k] === "object" && Object.keys(spec[k] as object).length === 0));
        if (unread.length > 0) report(`HelmChart ${name} sets ${unread.map((k) => `spec.${k}`).join(", ")}, which the policy pack cannot judge; put every value in spec.valuesContent`);
        // Traefik's chart renders extraObjects as they are (traefik-helm-chart templates/extra-objects.yaml): any object, unseen by the pack.
        if (Array.isArray(values.extraObjects) && values.extraObjects.length > 0) report(`HelmChart ${name} renders extraObjects, which the policy pack cannot judge; declare those objects as Pulumi resources instead`);
    }),
};

export const containerResources: ResourceValidationPolicy = {
    name: "k8s-container-resources",
    description: "Every container requests CPU and memory and has a memory limit, so the scheduler can place it on 8 GB nodes.",
    enforcementLevel: "mandatory",
    validateResource: forWorkloads((w, args, report) => {
        for (const c of containersOf(w.pod)) {
            const missing = [
                ...(c.resources?.requests?.cpu ? [] : ["requests.cpu"]),
                ...(c.resources?.requests?.memory ? [] : ["requests.memory"]),
                ...(c.resources?.limits?.memory ? [] : ["limits.memory"]),
            ];
            if (missing.length > 0) report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} has no ${missing.join(", ")}; set resources.${missing.join(" and resources.")}`);
        }
    }),
};

export const probesDefaults = { exceptions: [] as ObjectId[] };
export const containerProbes: ResourceValidationPolicy = {
    name: "k8s-probes",
    description: "Long-running containers have readiness and liveness probes (Jobs excepted).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(probesDefaults, { exceptions: "Workloads without probes on purpose, each as {kind, namespace, name}." }),
    validateResource: forWorkloads((w, args, report) => {
        const { exceptions } = settings(args, probesDefaults);
        if (!w.longRunning || (w.kind === "Pod" && w.pod.restartPolicy !== undefined && w.pod.restartPolicy !== "Always") || listed(exceptions, idOf(w.kind, w.props))) return;
        for (const c of w.pod.containers ?? []) {
            const missing = [...(c.readinessProbe ? [] : ["readinessProbe"]), ...(c.livenessProbe ? [] : ["livenessProbe"])];
            if (missing.length > 0) report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} has no ${missing.join(" or ")}; add ${missing.join(" and ")} (and a startupProbe for slow starts)`);
        }
    }),
};

/** The container's effective setting: its own securityContext over the pod's. */
const effective = (pod: PodSpec, c: Container) => ({ ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) });

const idSchema = "each as {kind, namespace, name}: the object's kind, namespace and metadata.name, exactly";
/** "Deployment api" or, for an exception's sake, "DaemonSet kube-system/honeydue-traefik". */
const who = (w: Workload, name: string) => `${w.kind} ${name}`;

export const nonRootDefaults = { rootAllowed: traefikIds };
export const nonRoot: ResourceValidationPolicy = {
    name: "k8s-non-root",
    description:
        "Containers run as non-root, unprivileged and without privilege escalation. Only the listed objects (Traefik, which binds 80/443 with NET_BIND_SERVICE) may run as uid 0, and even they never privileged and never escalating.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(nonRootDefaults, { rootAllowed: `Objects that may run as root (never privileged, never escalating), ${idSchema}.` }),
    validateResource: forPods((w, args, report) => {
        const { rootAllowed } = settings(args, nonRootDefaults);
        const root = listed(rootAllowed, idOf(w.kind, w.props)) !== undefined;
        for (const c of containersOf(w.pod)) {
            const sc = effective(w.pod, c);
            const fix = [
                ...(root || (sc.runAsNonRoot === true && sc.runAsUser !== 0) ? [] : ["runAsNonRoot: true (with a non-zero runAsUser)"]),
                ...(c.securityContext?.allowPrivilegeEscalation === false ? [] : ["allowPrivilegeEscalation: false"]),
                ...(sc.privileged === true ? ["privileged: false"] : []),
            ];
            if (fix.length > 0) report(`container ${c.name} of ${who(w, k8sName(w.props, args.name))} may run as root, privileged or escalate; set securityContext ${fix.join(", ")}`);
        }
    }),
};

export const hostNetworkDefaults = { hostNetworkAllowed: traefikIds };
export const noHostNetwork: ResourceValidationPolicy = {
    name: "k8s-no-host-network",
    description: "No pod shares the host's PID or IPC namespace, and none its network but the listed objects (Traefik, which serves 80/443 on every node).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(hostNetworkDefaults, { hostNetworkAllowed: `Objects that may use hostNetwork (never hostPID or hostIPC), ${idSchema}.` }),
    validateResource: [
        ...forPods((w, args, report) => {
            const { hostNetworkAllowed } = settings(args, hostNetworkDefaults);
            const name = k8sName(w.props, args.name);
            if (w.pod.hostNetwork === true && !listed(hostNetworkAllowed, idOf(w.kind, w.props))) {
                report(`${who(w, name)} uses hostNetwork; remove it and reach the pod through a Service (only ${hostNetworkAllowed.map(showId).join(", ")} may)`);
            }
            for (const ns of ["hostPID", "hostIPC"] as const) if (w.pod[ns] === true) report(`${who(w, name)} sets ${ns}: true; remove it (no pod here may see the host's processes or shared memory)`);
        }),
        forHelmCharts((chart, values, args, report) => {
            const { hostNetworkAllowed } = settings(args, hostNetworkDefaults);
            if (chart.spec?.chart !== "traefik" && values.hostNetwork === true && !listed(hostNetworkAllowed, idOf("HelmChart", chart))) {
                report(`HelmChart ${k8sName(chart, args.name)} sets hostNetwork: true; remove it (only ${hostNetworkAllowed.map(showId).join(", ")} may)`);
            }
        }),
    ],
};

export const capabilitiesDefaults = {
    allowedCapabilities: [] as string[],
    perObject: traefikIds.map((t) => ({ ...t, add: ["NET_BIND_SERVICE"] })),
};
export const capabilities: ResourceValidationPolicy = {
    name: "k8s-capabilities",
    description: "Containers drop ALL capabilities and add none beyond an allowlist; Traefik may add NET_BIND_SERVICE (to bind 80/443) and nothing else.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(capabilitiesDefaults, {
        allowedCapabilities: "Capabilities any container may add (none by default).",
        perObject: `Capabilities one object may add, each as {kind, namespace, name, add: [...]} (metadata.name, exactly).`,
    }),
    validateResource: forPods((w, args, report) => {
        const { allowedCapabilities, perObject } = settings(args, capabilitiesDefaults);
        const own = listed(perObject, idOf(w.kind, w.props))?.add ?? [];
        const allowed = new Set([...allowedCapabilities, ...own].map((c) => c.toUpperCase().replace(/^CAP_/, "")));
        for (const c of containersOf(w.pod)) {
            const caps = c.securityContext?.capabilities;
            const extra = (caps?.add ?? []).filter((a) => !allowed.has(String(a).toUpperCase().replace(/^CAP_/, "")));
            const name = who(w, k8sName(w.props, args.name));
            if (extra.length > 0) report(`container ${c.name} of ${name} adds ${list(extra)}; remove them from securityContext.capabilities.add (allowed here: ${[...allowed].join(", ") || "none"})`);
            if (!(caps?.drop ?? []).some((d) => String(d).toUpperCase() === "ALL")) report(`container ${c.name} of ${name} keeps the runtime's default capabilities; set securityContext.capabilities.drop: ["ALL"]`);
        }
    }),
};

export const noHostPath: ResourceValidationPolicy = {
    name: "k8s-no-host-path",
    description: "No pod mounts a hostPath volume (a path on the node: the way out of the container), and no PersistentVolume is one. Redis's data is a local-path PersistentVolumeClaim, not a hostPath.",
    enforcementLevel: "mandatory",
    validateResource: [
        ...forPods((w, args, report) => {
            for (const v of w.pod.volumes ?? []) {
                if (v.hostPath) report(`${who(w, k8sName(w.props, args.name))} mounts the node's ${v.hostPath.path} as volume ${v.name}; use a PersistentVolumeClaim (local-path) or an emptyDir instead`);
            }
        }),
        // A claim bound to a hostPath PersistentVolume is the same way out; local-path provisions its own volumes.
        validateResourceOfType(k8s.core.v1.PersistentVolume, (pv, args, report) => {
            const path = (pv.spec as { hostPath?: { path?: string } } | undefined)?.hostPath?.path;
            if (path !== undefined) report(`PersistentVolume ${k8sName(pv as { metadata?: Metadata }, args.name)} is the node's ${path} (hostPath); let a PersistentVolumeClaim with storageClassName local-path provision the volume`);
        }),
    ],
};

export const serviceAccountTokenDefaults = { tokenAllowed: traefikIds };
export const noServiceAccountToken: ResourceValidationPolicy = {
    name: "k8s-no-service-account-token",
    description: "Pods do not mount a service-account token (the apps never call the Kubernetes API); Traefik, which watches Ingresses, is listed.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(serviceAccountTokenDefaults, { tokenAllowed: `Objects whose pods may mount a token, ${idSchema}.` }),
    validateResource: forWorkloads((w, args, report) => {
        const { tokenAllowed } = settings(args, serviceAccountTokenDefaults);
        if (listed(tokenAllowed, idOf(w.kind, w.props))) return;
        if (w.pod.automountServiceAccountToken !== false) {
            report(`${who(w, k8sName(w.props, args.name))} mounts a service-account token; set automountServiceAccountToken: false in its pod spec`);
        }
        // A projected volume mounts a token whatever automountServiceAccountToken says.
        for (const v of w.pod.volumes ?? []) {
            if ((v.projected?.sources ?? []).some((s) => s?.serviceAccountToken)) {
                report(`${who(w, k8sName(w.props, args.name))} projects a service-account token in volume ${v.name}; remove the serviceAccountToken source`);
            }
        }
    }),
};

const seccompTypes = ["RuntimeDefault", "Localhost"];
export const seccomp: ResourceValidationPolicy = {
    name: "k8s-seccomp",
    description: "Every container runs under a seccomp profile (RuntimeDefault or Localhost), as the restricted Pod Security level requires.",
    enforcementLevel: "mandatory",
    validateResource: forPods((w, args, report) => {
        for (const c of containersOf(w.pod)) {
            const type = effective(w.pod, c).seccompProfile?.type;
            if (!seccompTypes.includes(type ?? "")) {
                report(`container ${c.name} of ${who(w, k8sName(w.props, args.name))} has seccomp profile ${type ?? "none"}; set securityContext.seccompProfile.type: RuntimeDefault (on the pod or the container)`);
            }
        }
    }),
};

export const podSecurityDefaults = { levels: ["restricted"], exempt: ["kube-system"] };
export const namespacePodSecurity: ResourceValidationPolicy = {
    name: "k8s-namespace-pod-security",
    description: "Every namespace the estate creates enforces the restricted Pod Security Standard (label pod-security.kubernetes.io/enforce).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(podSecurityDefaults, { levels: "Pod Security levels a namespace may enforce.", exempt: "Namespaces not checked (system ones)." }),
    validateResource: validateResourceOfType(k8s.core.v1.Namespace, (ns, args, report) => {
        const { levels, exempt } = settings(args, podSecurityDefaults);
        const name = k8sName(ns as { metadata?: Metadata }, args.name);
        if (exempt.includes(name)) return;
        const level = (ns.metadata?.labels as Record<string, string> | undefined)?.["pod-security.kubernetes.io/enforce"];
        if (!level || !levels.includes(level)) {
            report(`namespace ${name} enforces Pod Security level ${level ?? "none"}; set the label pod-security.kubernetes.io/enforce: ${levels[0]}`);
        }
    }),
};

/** Traefik's insecure API entry point (port 8080, no auth): the bare flag or any value but a false one (Go's strconv.ParseBool spellings). */
const insecureApi = (arg: string) => {
    const m = /^--api\.insecure(?:=(.*))?$/i.exec(arg);
    return m !== null && !["false", "f", "0"].includes((m[1] ?? "true").toLowerCase());
};
/** Traefik's IngressRoute CRD, current and legacy API groups; a route to api@internal serves the API and dashboard. */
const ingressRouteTypes = ["kubernetes:traefik.io/v1alpha1:IngressRoute", "kubernetes:traefik.containo.us/v1alpha1:IngressRoute"];
const internalServices = /^(api|dashboard)@internal$/;
export const traefikApiClosed: ResourceValidationPolicy = {
    name: "k8s-traefik-api-closed",
    description: "Traefik's API is never served insecurely (--api.insecure) and its dashboard has no route (ingressRoute.dashboard.enabled stays false, no IngressRoute to api@internal).",
    enforcementLevel: "mandatory",
    validateResource: [
        ...forPods((w, args, report) => {
            const name = who(w, k8sName(w.props, args.name));
            for (const c of containersOf(w.pod)) {
                for (const a of [...(c.args ?? []), ...(c.command ?? [])]) {
                    if (insecureApi(String(a).trim())) report(`container ${c.name} of ${name} passes ${a}, which serves Traefik's API and dashboard without authentication; remove it`);
                }
            }
            const values = w.kind === "HelmChart" ? valuesOf(String((w.props.spec as { valuesContent?: string } | undefined)?.valuesContent ?? "")) : undefined;
            if (values?.ingressRoute?.dashboard?.enabled === true) report(`${name} enables the dashboard's IngressRoute; set ingressRoute.dashboard.enabled: false in its values`);
            if (values?.api?.insecure === true) report(`${name} sets api.insecure: true; remove it`);
        }),
        (args: ResourceValidationArgs, report) => {
            if (!ingressRouteTypes.includes(args.type)) args.notApplicable("Policy only applies to workloads, Traefik's HelmChart and IngressRoutes");
            const route = args.props as { metadata?: Metadata; spec?: { routes?: { services?: { name?: string }[] }[] } };
            const internal = (route.spec?.routes ?? []).flatMap((r) => r?.services ?? []).map((x) => String(x?.name ?? "")).filter((n) => internalServices.test(n));
            if (internal.length > 0) report(`IngressRoute ${k8sName(route, args.name)} routes to ${list([...new Set(internal)])}, Traefik's API and dashboard; remove the route`);
        },
    ],
};

/** Names that hold secrets: passwords, secrets, tokens, keys (not key ids), connection strings. */
const secretName = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|DATABASE_URL|(^|_)DSN$|(^|_)[A-Z0-9]*KEY$/;
/** Names that only point at or describe a secret. */
const harmlessSuffix = /_(ID|FILE|PATH|NAME|TTL|EXPIRY|EXPIRES|LIFETIME|HEADER|PREFIX|ISSUER|ALGORITHM)$/;
/** Values that are credentials whatever their name: passwords in URLs, private keys. */
const secretValue = /:\/\/[^/\s:@]+:[^@\s]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export const secretRefsDefaults = { allowedNames: [] as string[] };
export function looksSecret(name: string, allowed: string[]): boolean {
    const n = name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
    return !allowed.includes(name) && secretName.test(n) && !harmlessSuffix.test(n);
}

function envProblems(c: Container, allowed: string[]): string[] {
    return (c.env ?? []).flatMap((e: EnvVar) => {
        if (typeof e.value === "string" && e.value !== "" && (looksSecret(e.name, allowed) || secretValue.test(e.value))) {
            return [`env ${e.name} of container ${c.name} is a literal value; take it from the app Secret with valueFrom.secretKeyRef`];
        }
        if (e.valueFrom?.configMapKeyRef && looksSecret(e.name, allowed)) {
            return [`env ${e.name} of container ${c.name} comes from a ConfigMap; take it from the app Secret with valueFrom.secretKeyRef`];
        }
        return [];
    });
}

export const secretReferences: ResourceValidationPolicy = {
    name: "k8s-secret-references",
    description: "Secrets reach containers only through Secret references: no literal secret env value, no secret in a ConfigMap.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(secretRefsDefaults, { allowedNames: "Variable or ConfigMap key names that look secret but are not (e.g. B2_KEY_ID is already allowed)." }),
    validateResource: [
        ...forWorkloads((w, args, report) => {
            const { allowedNames } = settings(args, secretRefsDefaults);
            for (const p of containersOf(w.pod).flatMap((c) => envProblems(c, allowedNames))) report(`${w.kind} ${k8sName(w.props, args.name)}: ${p}`);
        }),
        validateResourceOfType(k8s.core.v1.ConfigMap, (cm, args, report) => {
            const { allowedNames } = settings(args, secretRefsDefaults);
            for (const [key, value] of Object.entries((cm.data ?? {}) as Record<string, string>)) {
                if (looksSecret(key, allowedNames) || secretValue.test(String(value))) {
                    report(`ConfigMap ${k8sName(cm as { metadata?: Metadata }, args.name)} holds ${key}, which looks secret; move it to the app Secret and reference it with secretKeyRef`);
                }
            }
        }),
    ],
};

export const redisDefaults = { redisNames: ["redis"] };
const isRedis = (pod: PodSpec) => (pod.containers ?? []).some((c) => /(^|\/)redis(:|@|$)/.test(c.image ?? ""));
export const redisStorage: ResourceValidationPolicy = {
    name: "k8s-redis-pvc-and-node-pin",
    description: "Redis keeps its data on a PersistentVolumeClaim and is pinned to its node (local-path volumes live on one node).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(redisDefaults, { redisNames: "The Redis workloads, by name (workloads running a redis image are found anyway)." }),
    validateResource: forWorkloads((w, args, report) => {
        const { redisNames } = settings(args, redisDefaults);
        if (!w.longRunning || !(named(redisNames, w.props, args.name) || isRedis(w.pod))) return;
        const name = k8sName(w.props, args.name);
        const claims = (w.pod.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName) || (w.props.spec?.volumeClaimTemplates ?? []).length > 0;
        if (!claims) report(`${w.kind} ${name} runs Redis without a PersistentVolumeClaim; mount a PVC (local-path) at /data so appendonly data survives a restart`);
        const pinned = Boolean(w.pod.nodeName) || Boolean(w.pod.nodeSelector?.["kubernetes.io/hostname"]) || Boolean(w.pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
        if (!pinned) report(`${w.kind} ${name} runs Redis unpinned; set nodeSelector kubernetes.io/hostname to honeydue:redis.node (its local-path volume lives on that node)`);
    }),
};


/**
 * How redis-server is told to require a password: `--requirepass $(VAR)` with VAR from a Secret, or
 * an ACL file (`--aclfile PATH`) on a Secret volume. An ACL file elsewhere (the image, a ConfigMap,
 * a hostPath) is not from a Secret, and says nothing the policy can check.
 */
function redisAuth(c: Container, pod: PodSpec): "secret" | "literal" | "none" | "aclfile outside a Secret" {
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
    const acl = argv.findIndex((a) => a === "--aclfile" || a.startsWith("--aclfile="));
    if (acl >= 0) {
        const path = argv[acl].includes("=") ? argv[acl].split("=").slice(1).join("=") : (argv[acl + 1] ?? "");
        const mount = (c.volumeMounts ?? []).find((m) => path.startsWith(`${String(m.mountPath).replace(/\/$/, "")}/`));
        const volume = (pod.volumes ?? []).find((v) => v.name === mount?.name);
        return volume?.secret?.secretName ? "secret" : "aclfile outside a Secret";
    }
    const at = argv.findIndex((a) => a === "--requirepass" || a.startsWith("--requirepass="));
    if (at < 0) return "none";
    const value = argv[at].includes("=") ? argv[at].split("=").slice(1).join("=") : (argv[at + 1] ?? "");
    const ref = /^\$\((\w+)\)$/.exec(value)?.[1];
    return ref && (c.env ?? []).some((e) => e.name === ref && e.valueFrom?.secretKeyRef) ? "secret" : "literal";
}

export const redisPassword: ResourceValidationPolicy = {
    name: "k8s-redis-password",
    description:
        "Redis requires a password taken from a Secret: an ACL file (--aclfile) on a Secret volume, or --requirepass $(REDIS_PASSWORD) with the variable from a secretKeyRef.",
    enforcementLevel: "mandatory",
    validateResource: forWorkloads((w, args, report) => {
        if (!w.longRunning || !isRedis(w.pod)) return;
        for (const c of (w.pod.containers ?? []).filter((x) => /(^|\/)redis(:|@|$)/.test(x.image ?? ""))) {
            const auth = redisAuth(c, w.pod);
            const name = k8sName(w.props, args.name);
            if (auth === "none") report(`container ${c.name} of ${w.kind} ${name} runs Redis without a password; add --aclfile with the file on a Secret volume (or env REDIS_PASSWORD from a secretKeyRef and args --requirepass $(REDIS_PASSWORD)), and give the clients the password by secretKeyRef`);
            if (auth === "literal") report(`container ${c.name} of ${w.kind} ${name} passes a literal --requirepass; take it from env REDIS_PASSWORD (valueFrom.secretKeyRef) as $(REDIS_PASSWORD)`);
            if (auth === "aclfile outside a Secret") report(`container ${c.name} of ${w.kind} ${name} reads --aclfile from a path on no Secret volume; mount the ACL file from a Secret (its users' passwords or hashes)`);
        }
    }),
};

export const kubernetesPolicies = [
    inNamespace, imageRegistry, imagePinned, helmChartPinned, helmChartSource, containerResources, containerProbes, nonRoot, noHostNetwork, capabilities, noHostPath,
    noServiceAccountToken, seccomp, namespacePodSecurity, traefikApiClosed, secretReferences, redisStorage, redisPassword,
];
