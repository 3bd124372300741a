// The workloads' conventions (DESIGN §8, §9): everything in the honeydue namespace, images pinned
// from the allowed registries, sized and probed containers, non-root pods off the host network
// (Traefik excepted by name), secrets only through Secret references, Redis on a pinned PVC.
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationArgs, type ResourceValidationPolicy } from "@pulumi/policy";
import { k8sName, list, named, schemaOf, settings, type Metadata } from "./lib";
import { chartImage, containersOf, forHelmCharts, forWorkloads, type Container, type EnvVar, type PodSpec } from "./workloads";

/** Kinds that live outside namespaces. */
const clusterScoped = new Set([
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass",
    "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService", "CSIDriver", "RuntimeClass",
    "IngressClass", "VolumeAttachment", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
]);
/** Kubernetes provider types that are components or tools rather than objects in the cluster. */
const notObjects = /^kubernetes:(helm\.sh|yaml|kustomize)\//;

export const namespaceDefaults = { namespace: "honeydue", systemNamespaces: ["kube-system"], systemNames: ["traefik"] };
export const inNamespace: ResourceValidationPolicy = {
    name: "k8s-namespace",
    description: "Kubernetes objects live in the honeydue namespace; system pieces (Traefik in kube-system) are excepted by name.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(namespaceDefaults, {
        namespace: "The estate's namespace.",
        systemNamespaces: "Namespaces where only the named system pieces may live.",
        systemNames: "Objects allowed in the system namespaces, by name.",
    }),
    validateResource: (args: ResourceValidationArgs, report) => {
        const kind = args.type.split(":").pop() ?? "";
        if (!/^kubernetes:[^:]+\/v[^:]*:[A-Z]/.test(args.type) || notObjects.test(args.type) || kind.endsWith("Patch") || clusterScoped.has(kind)) {
            args.notApplicable("Policy only applies to namespaced Kubernetes objects");
        }
        const { namespace, systemNamespaces, systemNames } = settings(args, namespaceDefaults);
        const props = args.props as { metadata?: Metadata };
        const ns = props.metadata?.namespace ?? "default";
        if (ns === namespace) return;
        const name = k8sName(props, args.name);
        if (systemNamespaces.includes(ns)) {
            if (!named(systemNames, props, args.name)) {
                report(`${kind} ${name} is in the system namespace ${ns}; put it in ${namespace}, or list ${name} in systemNames if it is a system piece`);
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

/** The tag of an image reference, "" when untagged, undefined when pinned by digest. */
export function tagOf(image: string): string | undefined {
    if (image.includes("@sha256:")) return undefined;
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

export const imagePinned: ResourceValidationPolicy = {
    name: "k8s-image-pinned",
    description: "Every image is pinned to a tag or digest: never untagged, never :latest.",
    enforcementLevel: "mandatory",
    validateResource: [
        ...forWorkloads((w, args, report) => {
            for (const c of containersOf(w.pod)) {
                const tag = c.image ? tagOf(c.image) : "";
                if (tag === "" || tag === "latest") {
                    report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} runs ${c.image ?? "no image"}, which is ${tag ? "on :latest" : "untagged"}; pin it to a release tag or digest (e.g. :8d9ca2e6ed)`);
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

export const probesDefaults = { exceptions: [] as string[] };
export const containerProbes: ResourceValidationPolicy = {
    name: "k8s-probes",
    description: "Long-running containers have readiness and liveness probes (Jobs excepted).",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(probesDefaults, { exceptions: "Workloads without probes on purpose, by name." }),
    validateResource: forWorkloads((w, args, report) => {
        const { exceptions } = settings(args, probesDefaults);
        if (!w.longRunning || (w.kind === "Pod" && w.pod.restartPolicy !== undefined && w.pod.restartPolicy !== "Always") || named(exceptions, w.props, args.name)) return;
        for (const c of w.pod.containers ?? []) {
            const missing = [...(c.readinessProbe ? [] : ["readinessProbe"]), ...(c.livenessProbe ? [] : ["livenessProbe"])];
            if (missing.length > 0) report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} has no ${missing.join(" or ")}; add ${missing.join(" and ")} (and a startupProbe for slow starts)`);
        }
    }),
};

const exceptionsSchema = (what: string) => schemaOf({ exceptions: ["traefik"] }, { exceptions: `Workloads allowed ${what}, by name.` });

/** The container's effective setting: its own securityContext over the pod's. */
const effective = (pod: PodSpec, c: Container) => ({ ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) });

export const nonRoot: ResourceValidationPolicy = {
    name: "k8s-non-root",
    description: "Containers run as non-root, unprivileged and without privilege escalation (Traefik excepted by name).",
    enforcementLevel: "mandatory",
    configSchema: exceptionsSchema("to run as root or escalate"),
    validateResource: forWorkloads((w, args, report) => {
        const { exceptions } = settings(args, { exceptions: ["traefik"] });
        if (named(exceptions, w.props, args.name)) return;
        for (const c of containersOf(w.pod)) {
            const sc = effective(w.pod, c);
            const fix = [
                ...(sc.runAsNonRoot === true && sc.runAsUser !== 0 ? [] : ["runAsNonRoot: true (with a non-zero runAsUser)"]),
                ...(c.securityContext?.allowPrivilegeEscalation === false ? [] : ["allowPrivilegeEscalation: false"]),
                ...(sc.privileged === true ? ["privileged: false"] : []),
            ];
            if (fix.length > 0) report(`container ${c.name} of ${w.kind} ${k8sName(w.props, args.name)} may run as root or escalate; set securityContext ${fix.join(", ")}`);
        }
    }),
};

export const noHostNetwork: ResourceValidationPolicy = {
    name: "k8s-no-host-network",
    description: "No pod uses the host's network but Traefik (by name), which serves 80/443 on every node.",
    enforcementLevel: "mandatory",
    configSchema: exceptionsSchema("on the host network"),
    validateResource: [
        ...forWorkloads((w, args, report) => {
            const { exceptions } = settings(args, { exceptions: ["traefik"] });
            if (w.pod.hostNetwork === true && !named(exceptions, w.props, args.name)) {
                report(`${w.kind} ${k8sName(w.props, args.name)} uses hostNetwork; remove it and reach the pod through a Service (only ${list(exceptions)} may)`);
            }
        }),
        forHelmCharts((chart, values, args, report) => {
            const { exceptions } = settings(args, { exceptions: ["traefik"] });
            if (values.hostNetwork === true && !named(exceptions, chart, args.name) && !exceptions.includes(chart.spec?.chart ?? "")) {
                report(`HelmChart ${k8sName(chart, args.name)} sets hostNetwork: true; remove it (only ${list(exceptions)} may)`);
            }
        }),
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

export const kubernetesPolicies = [inNamespace, imageRegistry, imagePinned, helmChartPinned, containerResources, containerProbes, nonRoot, noHostNetwork, secretReferences, redisStorage];
