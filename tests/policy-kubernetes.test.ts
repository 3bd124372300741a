// Kubernetes policies, each over compliant hand-made workloads (API, Redis, the migrations Job,
// the Traefik HelmChart) and broken copies of them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k from "../policy/kubernetes";
import { configMap, deployment, messages, migrationJob, namespace, redis, reg, traefikChart, traefikValues, verdictOf } from "./policy-fixtures";

type Dep = ReturnType<typeof deployment>;
const pod = (d: Dep) => (d.inputs.spec as any).template.spec;
const api = (d: Dep) => pod(d).containers[0];
const compliant = () => [namespace(), deployment(), deployment("admin", "gitea.treytartt.com/treytartt/honeydue-admin:8d9ca2e6ed"), redis(), migrationJob(), traefikChart(), configMap({ PORT: "8000", B2_KEY_ID: "x" })];

describe("every Kubernetes policy", () => {
    for (const policy of k.kubernetesPolicies) {
        it(`${policy.name} passes the compliant workloads`, async () => {
            const v = await verdictOf(policy, compliant());
            assert.deepEqual(v.violations, []);
            assert.equal(v.status, "passed");
        });
    }
});

describe("k8s-namespace", () => {
    it("refuses a workload in default and a stranger in kube-system", async () => {
        const bad = deployment();
        delete (bad.inputs.metadata as any).namespace;
        assert.deepEqual(messages(await verdictOf(k.inNamespace, [bad])), ["Deployment api is in namespace default; set metadata.namespace to honeydue"]);
        const stranger = deployment("worker");
        (stranger.inputs.metadata as any).namespace = "kube-system";
        assert.deepEqual(messages(await verdictOf(k.inNamespace, [stranger])), [
            'Deployment worker is in the system namespace kube-system; put it in honeydue, or list {"kind":"Deployment","namespace":"kube-system","name":"worker"} in systemObjects if it is a system piece',
        ]);
    });

    // The pod policies except Traefik's DaemonSet (the pod its chart renders); the namespace policy excepts only the
    // HelmChart: a DaemonSet declared by hand in kube-system, even under Traefik's name, is out of place.
    it("lets only Traefik's HelmChart live in kube-system, not a DaemonSet under its name", async () => {
        const ds = reg("kubernetes:apps/v1:DaemonSet", "honeydue-traefik", { metadata: { name: "honeydue-traefik", namespace: "kube-system" }, spec: {} });
        assert.deepEqual(messages(await verdictOf(k.inNamespace, [traefikChart(), ds])), [
            'DaemonSet honeydue-traefik is in the system namespace kube-system; put it in honeydue, or list {"kind":"DaemonSet","namespace":"kube-system","name":"honeydue-traefik"} in systemObjects if it is a system piece',
        ]);
    });

    it("is not applicable to cluster-scoped objects and providers", async () => {
        const ns = reg("kubernetes:core/v1:Namespace", "honeydue", { metadata: { name: "honeydue" } });
        assert.equal((await verdictOf(k.inNamespace, [ns, reg("pulumi:providers:kubernetes", "k3s", {})])).status, "not applicable");
    });

    // The cluster-scoped kinds of the Kubernetes API (kubectl api-resources --namespaced=false) carry no namespace,
    // and the provider's components (a Helm release, a YAML or kustomize group) are no object in the cluster.
    it("leaves every cluster-scoped kind and the provider's components alone", async () => {
        const clusterScoped = [
            "core/v1:Node", "core/v1:PersistentVolume", "rbac.authorization.k8s.io/v1:ClusterRole", "rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "apiextensions.k8s.io/v1:CustomResourceDefinition", "storage.k8s.io/v1:StorageClass", "scheduling.k8s.io/v1:PriorityClass",
            "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
            "apiregistration.k8s.io/v1:APIService", "storage.k8s.io/v1:CSIDriver", "node.k8s.io/v1:RuntimeClass", "networking.k8s.io/v1:IngressClass",
            "storage.k8s.io/v1:VolumeAttachment", "admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
        ];
        const components = ["helm.sh/v3:Release", "helm.sh/v4:Chart", "yaml/v2:ConfigGroup", "yaml:ConfigFile", "kustomize/v2:Directory"];
        for (const type of [...clusterScoped, ...components]) {
            const kind = type.split(":").pop()!;
            const v = await verdictOf(k.inNamespace, [reg(`kubernetes:${type}`, kind.toLowerCase(), { metadata: { name: kind.toLowerCase() } })]);
            assert.equal(v.status, "not applicable", type);
        }
    });

    it("judges namespaced objects of every API version, CRDs included, and an object without metadata as in default", async () => {
        const route = reg("kubernetes:traefik.io/v1alpha1:IngressRoute", "dashboard", { metadata: { name: "dashboard" }, spec: { routes: [] } });
        assert.deepEqual(messages(await verdictOf(k.inNamespace, [route])), ["IngressRoute dashboard is in namespace default; set metadata.namespace to honeydue"]);
        const bare = deployment();
        delete (bare.inputs as any).metadata;
        assert.deepEqual(messages(await verdictOf(k.inNamespace, [bare])), ["Deployment api is in namespace default; set metadata.namespace to honeydue"]);
    });

    it("leaves patches and other packages' types alone, and says why", async () => {
        const patch = reg("kubernetes:apps/v1:DeploymentPatch", "api-patch", { metadata: { name: "api" } });
        const other = reg("honeydue:kubernetes:apps/v1:Deployment", "wrapper", {});
        const v = await verdictOf(k.inNamespace, [patch, other]);
        assert.equal(v.status, "not applicable");
        assert.deepEqual(v.reasons, ["Policy only applies to namespaced Kubernetes objects"]);
    });
});

describe("k8s-image-registry", () => {
    it("refuses an image from another registry, in a container or a chart's values", async () => {
        const bad = deployment();
        api(bad).image = "ghcr.io/someone/api:1.0.0";
        assert.deepEqual(messages(await verdictOf(k.imageRegistry, [bad])), [
            "container api of Deployment api runs ghcr.io/someone/api:1.0.0 from ghcr.io; use an image from gitea.treytartt.com, docker.io",
        ]);
        const chart = traefikChart(traefikValues.replace("registry: docker.io", "registry: quay.io"));
        assert.match(messages(await verdictOf(k.imageRegistry, [chart]))[0], /^HelmChart honeydue-traefik sets image from quay\.io; set image\.registry/);
    });

    it("reads docker.io for names without a registry", () => {
        assert.equal(k.registryOf("redis:7-alpine"), "docker.io");
        assert.equal(k.registryOf("library/redis:7-alpine"), "docker.io");
        assert.equal(k.registryOf("gitea.treytartt.com/treytartt/honeydue-api:1"), "gitea.treytartt.com");
        assert.equal(k.registryOf("localhost:5000/x:1"), "localhost:5000");
    });

    it("refuses an image from localhost (a registry without a dot or port) and a container with no image", async () => {
        const local = deployment();
        api(local).image = "localhost/api:1.0.0";
        assert.deepEqual(messages(await verdictOf(k.imageRegistry, [local])), ["container api of Deployment api runs localhost/api:1.0.0 from localhost; use an image from gitea.treytartt.com, docker.io"]);
        const none = deployment();
        delete api(none).image;
        assert.deepEqual(messages(await verdictOf(k.imageRegistry, [none])), ["container api of Deployment api runs no image from nowhere; use an image from gitea.treytartt.com, docker.io"]);
        assert.deepEqual(messages(await verdictOf(k.imagePinned, [none])), ["container api of Deployment api runs no image, which is untagged; pin it to a release tag or digest (e.g. :8d9ca2e6ed)"]);
    });
});

describe("k8s-image-pinned", () => {
    for (const [image, what] of [
        ["gitea.treytartt.com/treytartt/honeydue-api:latest", "on :latest"],
        ["gitea.treytartt.com/treytartt/honeydue-api", "untagged"],
        ["redis", "untagged"],
    ]) {
        it(`refuses ${image}`, async () => {
            const bad = deployment();
            api(bad).image = image;
            assert.deepEqual(messages(await verdictOf(k.imagePinned, [bad])), [
                `container api of Deployment api runs ${image}, which is ${what}; pin it to a release tag or digest (e.g. :8d9ca2e6ed)`,
            ]);
        });
    }

    it("accepts a digest and a registry with a port", async () => {
        const d = deployment();
        api(d).image = "localhost:5000/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert.equal((await verdictOf(k.imagePinned, [d])).status, "passed");
    });

    it("refuses an untagged image from a registry with a port (the port is no tag)", async () => {
        const d = deployment();
        api(d).image = "localhost:5000/api";
        assert.deepEqual(messages(await verdictOf(k.imagePinned, [d])), ["container api of Deployment api runs localhost:5000/api, which is untagged; pin it to a release tag or digest (e.g. :8d9ca2e6ed)"]);
    });

    // A digest is `sha256:` and exactly 64 lowercase hex digits (opencontainers/go-digest algorithm.go,
    // the SHA256 entry of anchoredEncodedRegexp); the kubelet cannot parse any other reference with
    // `@sha256:` and leaves the pod in InvalidImageName (kubernetes pkg/kubelet/images/image_manager.go
    // EnsureImageExists → applyDefaultImageTag → ErrInvalidImageName), with or without requireDigests.
    it("refuses a truncated or malformed @sha256: digest as no pin at all, before the pod fails to pull it", async () => {
        const hex = "0123456789abcdef".repeat(4);
        for (const image of [
            "docker.io/library/redis@sha256:",
            "docker.io/library/redis@sha256:0123abcd",
            `docker.io/library/redis:7.4.6-alpine@sha256:${hex.slice(1)}`,
            `docker.io/library/redis@sha256:${hex.toUpperCase()}`,
            `docker.io/library/redis@sha256:${hex}0`,
        ]) {
            const d = deployment();
            api(d).image = image;
            assert.deepEqual(messages(await verdictOf(k.imagePinned, [d])), [
                `container api of Deployment api runs ${image}, whose digest is not sha256: and 64 lowercase hex digits, so no node can pull it; copy the whole digest from the registry's manifest`,
            ], image);
        }
        const whole = deployment();
        api(whole).image = `docker.io/library/redis:7.4.6-alpine@sha256:${hex}`;
        assert.equal((await verdictOf(k.imagePinned, [whole])).status, "passed", "a whole digest pins the image");
    });

    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    it("with requireDigests: refuses a tag-only image, passes name@digest and name:tag@digest; off by default", async () => {
        const on = { "k8s-image-pinned": { requireDigests: true } };
        const tagged = deployment();
        assert.equal((await verdictOf(k.imagePinned, [tagged])).status, "passed", "a tag is enough by default");
        assert.deepEqual(messages(await verdictOf(k.imagePinned, [tagged], on)), [
            "container api of Deployment api runs gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed, pinned by tag only, and requireDigests is on; add its digest (gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed@sha256:<64 hex>, from the registry's manifest)",
        ]);
        for (const image of [`gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed@${digest}`, `gitea.treytartt.com/treytartt/honeydue-api@${digest}`, `docker.io/library/redis:7.4.6-alpine@${digest}`]) {
            const pinned = deployment();
            api(pinned).image = image;
            assert.equal((await verdictOf(k.imagePinned, [pinned], on)).status, "passed", image);
        }
        const short = deployment();
        api(short).image = `gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed@sha256:${"0".repeat(63)}`;
        assert.equal((await verdictOf(k.imagePinned, [short], on)).violations.length, 1, "a digest of 63 hex digits is no digest");
        const long = deployment();
        api(long).image = `gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed@sha256:${"0".repeat(65)}`;
        assert.equal((await verdictOf(k.imagePinned, [long], on)).violations.length, 1, "nor is one of 65");
        assert.equal((await verdictOf(k.imagePinned, [traefikChart()], on)).status, "passed", "Traefik's image comes from its pinned chart");
        // The operator turns it on with --policy-pack-config (or policy/config.prod.json): the pack publishes it, a
        // boolean off by default, and the engine checks the value against that type.
        const published = k.imagePinned.configSchema?.properties?.requireDigests as { type?: string; default?: unknown } | undefined;
        assert.deepEqual([published?.type, published?.default], ["boolean", false]);
    });

    it("refuses image.tag latest in a chart's values", async () => {
        const chart = traefikChart(traefikValues.replace("tag: v3.5.3", "tag: latest"));
        assert.match(messages(await verdictOf(k.imagePinned, [chart]))[0], /^HelmChart honeydue-traefik sets image\.tag "latest"/);
        const empty = traefikChart(traefikValues.replace("tag: v3.5.3", 'tag: ""'));
        assert.deepEqual(messages(await verdictOf(k.imagePinned, [empty])), ['HelmChart honeydue-traefik sets image.tag ""; pin a release tag or leave it to the pinned chart\'s appVersion']);
    });
});

describe("k8s-helm-chart-pinned", () => {
    it("refuses a chart without a pinned version", async () => {
        const chart = traefikChart(traefikValues, { version: undefined });
        assert.deepEqual(messages(await verdictOf(k.helmChartPinned, [chart])), ["HelmChart honeydue-traefik has chart version \"\"; set spec.version to a pinned release such as 37.1.2"]);
    });

    it("refuses version ranges and a chart with no spec; accepts exact releases and an inline chart", async () => {
        for (const version of ["^37.1.2", ">=37.1.2", "37.1.2 || 38.0.0", "37.1", "37.1.x"]) {
            assert.deepEqual(messages(await verdictOf(k.helmChartPinned, [traefikChart(traefikValues, { version })])), [
                `HelmChart honeydue-traefik has chart version ${JSON.stringify(version)}; set spec.version to a pinned release such as 37.1.2`,
            ], version);
        }
        for (const version of ["37.10.12", "v37.1.2", "37.1.2-rc.1", "37.1.2+build.5"]) assert.equal((await verdictOf(k.helmChartPinned, [traefikChart(traefikValues, { version })])).status, "passed", version);
        const inline = traefikChart(traefikValues, { version: undefined, chartContent: "H4sIAAAAAAAA" });
        assert.equal((await verdictOf(k.helmChartPinned, [inline])).status, "passed", "an inline archive is its own pin (k8s-helm-chart-source refuses it)");
        const bare = traefikChart();
        delete (bare.inputs as any).spec;
        assert.deepEqual(messages(await verdictOf(k.helmChartPinned, [bare])), ['HelmChart honeydue-traefik has chart version ""; set spec.version to a pinned release such as 37.1.2']);
    });
});

describe("k8s-helm-chart-source", () => {
    const traefikFrom = "(traefik from https://traefik.github.io/charts)";
    it("refuses Traefik's chart from another repository, and a chart named nowhere, naming the allowed charts", async () => {
        const elsewhere = traefikChart(traefikValues, { repo: "https://charts.example.com" });
        assert.deepEqual(messages(await verdictOf(k.helmChartSource, [elsewhere])), [
            `HelmChart honeydue-traefik installs chart traefik from https://charts.example.com, which is not an allowed chart ${traefikFrom}; install it by name from its repository`,
        ]);
        const nowhere = traefikChart(traefikValues, { chart: undefined, repo: undefined });
        assert.deepEqual(messages(await verdictOf(k.helmChartSource, [nowhere])), [
            `HelmChart honeydue-traefik installs chart (none) from no repository, which is not an allowed chart ${traefikFrom}; install it by name from its repository`,
        ]);
    });

    it("passes a chart matching any one of several allowed charts, and lists them all when none matches", async () => {
        const two = { "k8s-helm-chart-source": { allowedCharts: [{ repo: "https://charts.example.com", chart: "other" }, { repo: "https://traefik.github.io/charts", chart: "traefik" }] } };
        assert.equal((await verdictOf(k.helmChartSource, [traefikChart()], two)).status, "passed");
        const stranger = traefikChart(traefikValues, { chart: "redis" });
        assert.deepEqual(messages(await verdictOf(k.helmChartSource, [stranger], two)), [
            "HelmChart honeydue-traefik installs chart redis from https://traefik.github.io/charts, which is not an allowed chart (other from https://charts.example.com, traefik from https://traefik.github.io/charts); install it by name from its repository",
        ]);
    });

    it("refuses values outside valuesContent, each named, but not empty fields (null, \"\", {}, [])", async () => {
        const both = traefikChart(traefikValues, { set: { hostPID: "true" }, valuesSecrets: [{ name: "traefik-values" }] });
        assert.deepEqual(messages(await verdictOf(k.helmChartSource, [both])), [
            "HelmChart honeydue-traefik sets spec.set, spec.valuesSecrets, which the policy pack cannot judge; put every value in spec.valuesContent",
        ]);
        const empty = traefikChart(traefikValues, { set: null, values: {}, valuesSecrets: [], chartContent: "" });
        assert.equal((await verdictOf(k.helmChartSource, [empty])).status, "passed");
        // A field set to a value of the wrong type is still set: the pack cannot judge what the controller makes of it.
        assert.deepEqual(messages(await verdictOf(k.helmChartSource, [traefikChart(traefikValues, { values: true })])), [
            "HelmChart honeydue-traefik sets spec.values, which the policy pack cannot judge; put every value in spec.valuesContent",
        ]);
    });

    it("passes an empty extraObjects list", async () => {
        assert.equal((await verdictOf(k.helmChartSource, [traefikChart(`${traefikValues}extraObjects: []\n`)])).status, "passed");
    });
});

describe("k8s-container-resources", () => {
    it("refuses a container without a memory limit, and an init container without requests", async () => {
        const bad = deployment();
        delete api(bad).resources.limits;
        pod(bad).initContainers = [{ name: "wait", image: "docker.io/library/busybox:1.37", securityContext: { allowPrivilegeEscalation: false } }];
        assert.deepEqual(messages(await verdictOf(k.containerResources, [bad])), [
            "container wait of Deployment api has no requests.cpu, requests.memory, limits.memory; set resources.requests.cpu and resources.requests.memory and resources.limits.memory",
            "container api of Deployment api has no limits.memory; set resources.limits.memory",
        ]);
    });

    it("refuses a container that sets only limits", async () => {
        const bad = deployment();
        api(bad).resources = { limits: { memory: "512Mi" } };
        assert.deepEqual(messages(await verdictOf(k.containerResources, [bad])), [
            "container api of Deployment api has no requests.cpu, requests.memory; set resources.requests.cpu and resources.requests.memory",
        ]);
    });
});

describe("k8s-probes", () => {
    it("refuses a long-running container without probes but not a Job's", async () => {
        const bad = deployment();
        delete api(bad).livenessProbe;
        assert.deepEqual(messages(await verdictOf(k.containerProbes, [bad, migrationJob()])), [
            "container api of Deployment api has no livenessProbe; add livenessProbe (and a startupProbe for slow starts)",
        ]);
    });

    it("asks a bare Pod that restarts (Always, the default) for probes, not one that runs to completion", async () => {
        const bare = (restartPolicy?: string) => {
            const d = deployment();
            const p = reg("kubernetes:core/v1:Pod", "api", { metadata: { name: "api", namespace: "honeydue" }, spec: { ...pod(d), restartPolicy } });
            for (const c of (p.inputs.spec as any).containers) {
                delete c.readinessProbe;
                delete c.livenessProbe;
            }
            return p;
        };
        const refused = ["container api of Pod api has no readinessProbe or livenessProbe; add readinessProbe and livenessProbe (and a startupProbe for slow starts)"];
        assert.deepEqual(messages(await verdictOf(k.containerProbes, [bare()])), refused);
        assert.deepEqual(messages(await verdictOf(k.containerProbes, [bare("Always")])), refused);
        for (const once of ["Never", "OnFailure"]) assert.equal((await verdictOf(k.containerProbes, [bare(once)])).status, "passed", once);
        const deploymentOnFailure = deployment();
        pod(deploymentOnFailure).restartPolicy = "OnFailure";
        delete api(deploymentOnFailure).readinessProbe;
        assert.equal((await verdictOf(k.containerProbes, [deploymentOnFailure])).status, "violated", "a Deployment's pods always restart");
        const empty = deployment();
        delete pod(empty).containers;
        assert.equal((await verdictOf(k.containerProbes, [empty])).status, "passed", "no container, nothing to probe");
    });
});

describe("k8s-non-root", () => {
    it("refuses root, escalation and privileged containers", async () => {
        const bad = deployment();
        pod(bad).securityContext = {};
        api(bad).securityContext = { privileged: true };
        assert.deepEqual(messages(await verdictOf(k.nonRoot, [bad])), [
            "container api of Deployment api may run as root, privileged or escalate; set securityContext runAsNonRoot: true (with a non-zero runAsUser), allowPrivilegeEscalation: false, privileged: false",
        ]);
    });

    it("refuses runAsUser 0 even with runAsNonRoot", async () => {
        const bad = deployment();
        api(bad).securityContext = { ...api(bad).securityContext, runAsUser: 0 };
        assert.equal((await verdictOf(k.nonRoot, [bad])).status, "violated");
    });

    it("refuses a container with no securityContext of its own, even under a non-root pod: escalation is per container", async () => {
        const bad = deployment();
        delete api(bad).securityContext;
        assert.deepEqual(messages(await verdictOf(k.nonRoot, [bad])), [
            "container api of Deployment api may run as root, privileged or escalate; set securityContext allowPrivilegeEscalation: false",
        ]);
    });

    it("lets Traefik (kube-system/honeydue-traefik, exactly) run as root, but never privileged or escalating", async () => {
        assert.equal((await verdictOf(k.nonRoot, [traefikChart()])).status, "passed");
        const escalating = traefikChart(traefikValues.replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"));
        assert.deepEqual(messages(await verdictOf(k.nonRoot, [escalating])), [
            "container traefik of HelmChart honeydue-traefik may run as root, privileged or escalate; set securityContext allowPrivilegeEscalation: false",
        ]);
        const privileged = traefikDaemonSet({ privileged: true });
        assert.deepEqual(messages(await verdictOf(k.nonRoot, [privileged])), [
            "container traefik of DaemonSet honeydue-traefik may run as root, privileged or escalate; set securityContext privileged: false",
        ]);
    });
});

/**
 * The reviewer's DaemonSet: Pulumi name "evil-traefik" (which named() took for Traefik), kube-system,
 * root, privileged, hostPID, the node's / mounted. Or, with `name`, one that takes Traefik's exact identity.
 */
function intruder(name?: string) {
    const d = reg("kubernetes:apps/v1:DaemonSet", name ?? "evil-traefik", {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: name ?? "evil-traefik", namespace: "kube-system" },
        spec: {
            template: {
                spec: {
                    hostNetwork: true,
                    hostPID: true,
                    volumes: [{ name: "root", hostPath: { path: "/" } }],
                    containers: [
                        {
                            name: "shell",
                            image: "docker.io/library/alpine:3.20",
                            securityContext: { runAsUser: 0, privileged: true, capabilities: { add: ["SYS_ADMIN"] } },
                            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
                            readinessProbe: { exec: { command: ["true"] } },
                            livenessProbe: { exec: { command: ["true"] } },
                        },
                    ],
                },
            },
        },
    });
    return d;
}

/** Traefik rendered as a DaemonSet with its exact identity, with `sc` over its container's securityContext. */
function traefikDaemonSet(sc: Record<string, unknown> = {}) {
    const d = intruder("honeydue-traefik");
    const spec = (d.inputs.spec as any).template.spec;
    delete spec.hostPID;
    delete spec.volumes;
    spec.securityContext = { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } };
    spec.containers[0] = {
        ...spec.containers[0],
        name: "traefik",
        image: "docker.io/traefik:v3.5.3",
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }, ...sc },
    };
    return d;
}

describe("every kind that runs pods is judged by its pod", () => {
    /** The API's pod spec, as each kind nests it. */
    const asKind = (kind: string, podSpec: Record<string, unknown>) => {
        const group = kind === "Pod" ? "core/v1" : kind === "CronJob" ? "batch/v1" : "apps/v1";
        const spec = kind === "Pod" ? podSpec : kind === "CronJob" ? { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: podSpec } } } } : { template: { spec: podSpec } };
        return reg(`kubernetes:${group}:${kind}`, "worker", { metadata: { name: "worker", namespace: "honeydue" }, spec });
    };
    for (const kind of ["StatefulSet", "ReplicaSet", "CronJob", "Pod"]) {
        it(`refuses a ${kind} whose container may run as root`, async () => {
            const podSpec = pod(deployment());
            podSpec.securityContext = {};
            assert.deepEqual(messages(await verdictOf(k.nonRoot, [asKind(kind, podSpec)])), [
                `container api of ${kind} worker may run as root, privileged or escalate; set securityContext runAsNonRoot: true (with a non-zero runAsUser)`,
            ]);
        });
    }

    it("reads a workload with no spec, or a spec without its pod template, as a pod with nothing in it (no crash)", async () => {
        for (const kind of ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]) {
            const group = kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1";
            for (const spec of [undefined, { replicas: 1 }, kind === "CronJob" ? { jobTemplate: {} } : { template: {} }, { jobTemplate: { spec: {} } }]) {
                const w = reg(`kubernetes:${group}:${kind}`, "worker", { metadata: { name: "worker", namespace: "honeydue" }, spec });
                assert.equal((await verdictOf(k.nonRoot, [w])).status, "passed", `${kind} ${JSON.stringify(spec)}`);
            }
        }
    });

    it("asks long-running kinds for probes, not a CronJob's runs", async () => {
        const podSpec = pod(deployment());
        delete podSpec.containers[0].livenessProbe;
        assert.equal((await verdictOf(k.containerProbes, [asKind("CronJob", podSpec)])).status, "passed");
        for (const kind of ["StatefulSet", "ReplicaSet"]) assert.equal((await verdictOf(k.containerProbes, [asKind(kind, podSpec)])).status, "violated", kind);
    });

    it("judges ephemeral containers (kubectl debug) as the others", async () => {
        const podSpec = pod(deployment());
        podSpec.ephemeralContainers = [{ name: "debug", image: "docker.io/library/busybox:1.37", securityContext: { privileged: true, allowPrivilegeEscalation: false } }];
        assert.deepEqual(messages(await verdictOf(k.nonRoot, [asKind("Pod", podSpec)])), ["container debug of Pod worker may run as root, privileged or escalate; set securityContext privileged: false"]);
    });

    it("judges Traefik's chart by the pod it renders: hostPID/hostIPC, extra volumes, init containers", async () => {
        const values = `${traefikValues}hostIPC: true\ndeployment:\n  kind: DaemonSet\n  additionalVolumes:\n    - name: host\n      hostPath:\n        path: /etc\n  initContainers:\n    - name: setup\n      image: docker.io/library/busybox:1.37\n      securityContext:\n        allowPrivilegeEscalation: true\n`.replace("deployment:\n  kind: DaemonSet\nhostNetwork", "hostNetwork");
        const chart = traefikChart(values);
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [chart])), ["HelmChart honeydue-traefik sets hostIPC: true; remove it (no pod here may see the host's processes or shared memory)"]);
        assert.deepEqual(messages(await verdictOf(k.noHostPath, [chart])), ["HelmChart honeydue-traefik mounts the node's /etc as volume host; use a PersistentVolumeClaim (local-path) or an emptyDir instead"]);
        assert.match(messages(await verdictOf(k.nonRoot, [chart])).join("\n"), /container setup of HelmChart honeydue-traefik may run as root, privileged or escalate/);
    });

    it("reads chart values without a deployment block or with an empty image, and says HelmChart policies do not apply elsewhere", async () => {
        const plain = traefikChart(traefikValues.replace("deployment:\n  kind: DaemonSet\n", "").replace("image:\n  registry: docker.io\n  repository: traefik\n  tag: v3.5.3\n", "image:\n"));
        for (const p of [k.nonRoot, k.noHostPath, k.imageRegistry, k.imagePinned]) assert.equal((await verdictOf(p, [plain])).status, "passed", p.name);
        const v = await verdictOf(k.helmChartPinned, [deployment()]);
        assert.equal(v.status, "not applicable");
        assert.deepEqual(v.reasons, ["Policy only applies to resources of type 'kubernetes:helm.cattle.io/v1:HelmChart'"]);
    });

    it("refuses a chart whose values are not valid YAML, saying how to render them", async () => {
        // Each of the policy's HelmChart validations (the pod's and the chart's own) says so.
        assert.deepEqual([...new Set(messages(await verdictOf(k.noHostNetwork, [traefikChart("hostNetwork: [true\n")])))], [
            "spec.valuesContent is not valid YAML; render it with yaml's stringify from one values object",
        ]);
    });
});

describe("exceptions name the exact kind, namespace and object", () => {
    // What the operator reads about each exception setting (the engine hands the schema to the CLI): how to name an object.
    it("tells the operator, in each exception setting, to name the object by kind, namespace and metadata.name", () => {
        for (const [policy, setting] of [[k.nonRoot, "rootAllowed"], [k.noHostNetwork, "hostNetworkAllowed"], [k.noServiceAccountToken, "tokenAllowed"]] as const) {
            const description = String(policy.configSchema?.properties?.[setting]?.description);
            assert.match(description, /each as \{kind, namespace, name\}: the object's kind, namespace and metadata\.name, exactly\.$/, `${policy.name}.${setting}`);
        }
    });

    it("a DaemonSet whose Pulumi name merely ends in -traefik gets no exception from any pod policy", async () => {
        const d = intruder();
        const failed = [];
        for (const p of [k.inNamespace, k.nonRoot, k.noHostNetwork, k.capabilities, k.noHostPath, k.noServiceAccountToken, k.seccomp]) {
            if ((await verdictOf(p, [d])).status === "violated") failed.push(p.name);
        }
        assert.deepEqual(failed, ["k8s-namespace", "k8s-non-root", "k8s-no-host-network", "k8s-capabilities", "k8s-no-host-path", "k8s-no-service-account-token", "k8s-seccomp"]);
    });

    it("Traefik's own identity gets only what Traefik needs: hostNetwork and NET_BIND_SERVICE, never hostPID, hostPath or other capabilities", async () => {
        for (const p of [k.nonRoot, k.noHostNetwork, k.capabilities, k.noHostPath, k.noServiceAccountToken, k.seccomp]) {
            assert.equal((await verdictOf(p, [traefikDaemonSet()])).status, "passed", p.name);
        }
        const d = intruder("honeydue-traefik");
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [d])), [
            "DaemonSet honeydue-traefik sets hostPID: true; remove it (no pod here may see the host's processes or shared memory)",
        ]);
        assert.match(messages(await verdictOf(k.capabilities, [d])).join("\n"), /adds SYS_ADMIN; remove them .*\(allowed here: NET_BIND_SERVICE\)/);
        assert.equal((await verdictOf(k.noHostPath, [d])).status, "violated");
        assert.equal((await verdictOf(k.nonRoot, [d])).status, "violated");
    });

    it("the same name in another namespace or of another kind is no exception", async () => {
        const elsewhere = traefikDaemonSet();
        (elsewhere.inputs.metadata as any).namespace = "honeydue";
        assert.equal((await verdictOf(k.noHostNetwork, [elsewhere])).status, "violated");
        const asDeployment = traefikDaemonSet();
        asDeployment.type = "kubernetes:apps/v1:Deployment";
        assert.equal((await verdictOf(k.capabilities, [asDeployment])).status, "violated");
    });
});

describe("k8s-no-host-network", () => {
    it("refuses hostNetwork on anything but Traefik, in a pod spec or a chart's values", async () => {
        const bad = deployment();
        pod(bad).hostNetwork = true;
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [bad])), [
            "Deployment api uses hostNetwork; remove it and reach the pod through a Service (only HelmChart kube-system/honeydue-traefik, DaemonSet kube-system/honeydue-traefik may)",
        ]);
        const chart = traefikChart();
        (chart.inputs.metadata as any).name = "other";
        chart.name = "other";
        (chart.inputs.spec as any).chart = "other";
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [chart])), [
            "HelmChart other sets hostNetwork: true; remove it (only HelmChart kube-system/honeydue-traefik, DaemonSet kube-system/honeydue-traefik may)",
        ]);
    });

    // An exception names an object exactly; one without a name excepts nothing (an auto-named object is never
    // one), and the message shows it as such. An object with no namespace is in default, as the cluster puts it.
    it("excepts an object by kind, namespace (default when it names none) and name: never an auto-named one, and an exception without a name excepts nothing, as its message says", async () => {
        const bare = deployment("agent");
        delete (bare.inputs.metadata as any).namespace;
        pod(bare).hostNetwork = true;
        const inDefault = { "k8s-no-host-network": { hostNetworkAllowed: [{ kind: "Deployment", namespace: "default", name: "agent" }] } };
        assert.equal((await verdictOf(k.noHostNetwork, [bare], inDefault)).status, "passed");
        const unnamed = { "k8s-no-host-network": { hostNetworkAllowed: [{ kind: "Deployment", namespace: "default" }] } };
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [bare], unnamed)), [
            "Deployment agent uses hostNetwork; remove it and reach the pod through a Service (only Deployment default/(auto-named) may)",
        ]);
        // Auto-named, with no metadata at all (Pulumi names it): no exception reaches it, a named one or one without a name.
        delete (bare.inputs as any).metadata;
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [bare], inDefault)), [
            "Deployment agent uses hostNetwork; remove it and reach the pod through a Service (only Deployment default/agent may)",
        ]);
        assert.equal((await verdictOf(k.noHostNetwork, [bare], unnamed)).status, "violated");
    });

    it("passes another chart without hostNetwork, and reports a renamed Traefik chart once (as the pod it renders)", async () => {
        const other = traefikChart(traefikValues.replace("hostNetwork: true", "hostNetwork: false"));
        (other.inputs.metadata as any).name = "other";
        (other.inputs.spec as any).chart = "other";
        assert.equal((await verdictOf(k.noHostNetwork, [other])).status, "passed");
        const specless = traefikChart("");
        (specless.inputs.metadata as any).name = "other";
        (specless.inputs as any).spec = undefined;
        assert.equal((await verdictOf(k.noHostNetwork, [specless])).status, "passed");
        const renamed = traefikChart();
        (renamed.inputs.metadata as any).name = "other";
        assert.deepEqual(messages(await verdictOf(k.noHostNetwork, [renamed])), [
            "HelmChart other uses hostNetwork; remove it and reach the pod through a Service (only HelmChart kube-system/honeydue-traefik, DaemonSet kube-system/honeydue-traefik may)",
        ]);
    });
});

describe("k8s-capabilities", () => {
    it("refuses an added capability and a container that keeps the default set", async () => {
        const bad = deployment();
        api(bad).securityContext = { ...api(bad).securityContext, capabilities: { add: ["NET_ADMIN"] } };
        assert.deepEqual(messages(await verdictOf(k.capabilities, [bad])), [
            "container api of Deployment api adds NET_ADMIN; remove them from securityContext.capabilities.add (allowed here: none)",
            'container api of Deployment api keeps the runtime\'s default capabilities; set securityContext.capabilities.drop: ["ALL"]',
        ]);
    });

    it("refuses Traefik's chart adding more than NET_BIND_SERVICE", async () => {
        const chart = traefikChart(traefikValues.replace("add: [NET_BIND_SERVICE]", "add: [NET_BIND_SERVICE, SYS_PTRACE]"));
        assert.deepEqual(messages(await verdictOf(k.capabilities, [chart])), [
            "container traefik of HelmChart honeydue-traefik adds SYS_PTRACE; remove them from securityContext.capabilities.add (allowed here: NET_BIND_SERVICE)",
        ]);
    });

    it("reads capability names as the runtime does (any case, with or without CAP_), allowed ones from the config too", async () => {
        for (const add of ["CAP_NET_BIND_SERVICE", "net_bind_service"]) {
            assert.equal((await verdictOf(k.capabilities, [traefikDaemonSet({ capabilities: { drop: ["ALL"], add: [add] } })])).status, "passed", add);
        }
        const chown = { "k8s-capabilities": { allowedCapabilities: ["cap_chown"] } };
        const d = deployment();
        api(d).securityContext = { ...api(d).securityContext, capabilities: { drop: ["all"], add: ["CHOWN"] } };
        assert.equal((await verdictOf(k.capabilities, [d], chown)).status, "passed");
        const more = traefikDaemonSet({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "NET_RAW"] } });
        assert.deepEqual(messages(await verdictOf(k.capabilities, [more], chown)), [
            "container traefik of DaemonSet honeydue-traefik adds NET_RAW; remove them from securityContext.capabilities.add (allowed here: CHOWN, NET_BIND_SERVICE)",
        ]);
    });

    it("refuses a container that drops some capabilities but not ALL, or sets no capabilities or securityContext at all", async () => {
        const keeps = 'container api of Deployment api keeps the runtime\'s default capabilities; set securityContext.capabilities.drop: ["ALL"]';
        const some = deployment();
        api(some).securityContext = { ...api(some).securityContext, capabilities: { drop: ["NET_RAW"] } };
        assert.deepEqual(messages(await verdictOf(k.capabilities, [some])), [keeps]);
        const unset = deployment();
        api(unset).securityContext = { allowPrivilegeEscalation: false };
        assert.deepEqual(messages(await verdictOf(k.capabilities, [unset])), [keeps]);
        const none = deployment();
        delete api(none).securityContext;
        assert.deepEqual(messages(await verdictOf(k.capabilities, [none])), [keeps]);
    });
});

describe("k8s-no-host-path", () => {
    it("refuses a hostPath volume", async () => {
        const bad = deployment();
        pod(bad).volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }];
        assert.deepEqual(messages(await verdictOf(k.noHostPath, [bad])), [
            "Deployment api mounts the node's /var/run/docker.sock as volume docker; use a PersistentVolumeClaim (local-path) or an emptyDir instead",
        ]);
    });

    it("refuses a hostPath PersistentVolume, not a local or CSI one", async () => {
        const pv = (spec?: Record<string, unknown>) => reg("kubernetes:core/v1:PersistentVolume", "data", { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "data" }, spec });
        assert.deepEqual(messages(await verdictOf(k.noHostPath, [pv({ hostPath: { path: "/var/lib" } })])), [
            "PersistentVolume data is the node's /var/lib (hostPath); let a PersistentVolumeClaim with storageClassName local-path provision the volume",
        ]);
        for (const spec of [{ local: { path: "/mnt/disks/ssd1" } }, { csi: { driver: "csi.hetzner.cloud", volumeHandle: "1" } }, undefined]) {
            assert.equal((await verdictOf(k.noHostPath, [pv(spec)])).status, "passed", JSON.stringify(spec));
        }
    });
});

describe("k8s-no-service-account-token", () => {
    it("refuses a pod that mounts its service-account token (the default)", async () => {
        const bad = deployment();
        delete pod(bad).automountServiceAccountToken;
        assert.deepEqual(messages(await verdictOf(k.noServiceAccountToken, [bad])), ["Deployment api mounts a service-account token; set automountServiceAccountToken: false in its pod spec"]);
    });

    // A projected volume can carry a token whatever automountServiceAccountToken says; one of ConfigMaps (an empty
    // entry among its sources too) carries none.
    it("refuses a token projected into a volume, and passes a projected volume without one", async () => {
        const projected = (sources: unknown[]) => {
            const d = deployment();
            pod(d).volumes = [{ name: "bundle", projected: { sources } }];
            return d;
        };
        assert.deepEqual(messages(await verdictOf(k.noServiceAccountToken, [projected([{ configMap: { name: "honeydue-app" } }, { serviceAccountToken: { path: "token" } }])])), [
            "Deployment api projects a service-account token in volume bundle; remove the serviceAccountToken source",
        ]);
        assert.equal((await verdictOf(k.noServiceAccountToken, [projected([{ configMap: { name: "honeydue-app" } }, null])])).status, "passed");
    });
});

describe("k8s-seccomp", () => {
    it("refuses a container without a seccomp profile, or Unconfined", async () => {
        const bad = deployment();
        delete pod(bad).securityContext.seccompProfile;
        assert.deepEqual(messages(await verdictOf(k.seccomp, [bad])), [
            "container api of Deployment api has seccomp profile none; set securityContext.seccompProfile.type: RuntimeDefault (on the pod or the container)",
        ]);
        const unconfined = deployment();
        api(unconfined).securityContext = { ...api(unconfined).securityContext, seccompProfile: { type: "Unconfined" } };
        assert.equal((await verdictOf(k.seccomp, [unconfined])).status, "violated");
    });
});

describe("k8s-namespace-pod-security", () => {
    const ns = namespace;
    it("passes a namespace enforcing restricted and refuses one enforcing baseline or nothing", async () => {
        assert.equal((await verdictOf(k.namespacePodSecurity, [ns({ "pod-security.kubernetes.io/enforce": "restricted" })])).status, "passed");
        assert.deepEqual(messages(await verdictOf(k.namespacePodSecurity, [ns({ "pod-security.kubernetes.io/enforce": "baseline" })])), [
            "namespace honeydue enforces Pod Security level baseline; set the label pod-security.kubernetes.io/enforce: restricted",
        ]);
        assert.equal((await verdictOf(k.namespacePodSecurity, [ns({})])).status, "violated");
    });

    it("refuses a namespace with no labels at all, and leaves the system namespace kube-system alone", async () => {
        const bare = ns();
        delete (bare.inputs.metadata as any).labels;
        assert.deepEqual(messages(await verdictOf(k.namespacePodSecurity, [bare])), [
            "namespace honeydue enforces Pod Security level none; set the label pod-security.kubernetes.io/enforce: restricted",
        ]);
        const system = reg("kubernetes:core/v1:Namespace", "kube-system", { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } });
        assert.equal((await verdictOf(k.namespacePodSecurity, [system])).status, "passed");
    });
});

describe("k8s-traefik-api-closed", () => {
    it("refuses --api.insecure and an enabled dashboard route", async () => {
        const insecure = traefikChart(traefikValues.replace("  - --providers", "  - --api.insecure=true\n  - --providers"));
        assert.deepEqual(messages(await verdictOf(k.traefikApiClosed, [insecure])), [
            "container traefik of HelmChart honeydue-traefik passes --api.insecure=true, which serves Traefik's API and dashboard without authentication; remove it",
        ]);
        const dashboard = traefikChart(traefikValues.replace("    enabled: false", "    enabled: true"));
        assert.deepEqual(messages(await verdictOf(k.traefikApiClosed, [dashboard])), [
            "HelmChart honeydue-traefik enables the dashboard's IngressRoute; set ingressRoute.dashboard.enabled: false in its values",
        ]);
        const ds = traefikDaemonSet();
        (ds.inputs.spec as any).template.spec.containers[0].args = ["--api.insecure"];
        assert.equal((await verdictOf(k.traefikApiClosed, [ds])).status, "violated");
    });

    it("reads --api.insecure as Traefik does: false spellings keep it closed, any other value or padding opens it", async () => {
        const withArg = (arg: string) => {
            const ds = traefikDaemonSet();
            (ds.inputs.spec as any).template.spec.containers[0].args = [arg];
            return ds;
        };
        // ... and a flag that only begins with its name (another program's --api.insecure-skip-tls-verify) is not it.
        for (const arg of ["--api.insecure=false", "--api.insecure=False", "--api.insecure=f", "--api.insecure=0", "--log.filepath=/var/log/--api.insecure", "--api.insecure-skip-tls-verify"]) {
            assert.equal((await verdictOf(k.traefikApiClosed, [withArg(arg)])).status, "passed", arg);
        }
        for (const arg of ["--api.insecure=1", " --api.insecure "]) {
            assert.deepEqual(messages(await verdictOf(k.traefikApiClosed, [withArg(arg)])), [
                `container traefik of DaemonSet honeydue-traefik passes ${arg}, which serves Traefik's API and dashboard without authentication; remove it`,
            ], arg);
        }
    });

    it("refuses api.insecure in the chart's values, and passes values without ingressRoute settings", async () => {
        const insecure = traefikChart(`${traefikValues}api:\n  insecure: true\n`);
        assert.deepEqual(messages(await verdictOf(k.traefikApiClosed, [insecure])), ["HelmChart honeydue-traefik sets api.insecure: true; remove it"]);
        for (const values of [traefikValues.replace("ingressRoute:\n  dashboard:\n    enabled: false\n", ""), traefikValues.replace("ingressRoute:\n  dashboard:\n    enabled: false\n", "ingressRoute: {}\n")]) {
            assert.equal((await verdictOf(k.traefikApiClosed, [traefikChart(values)])).status, "passed", values);
        }
    });

    it("refuses an IngressRoute to api@internal or dashboard@internal, passes one to an app, and says it does not apply to other objects", async () => {
        const route = (services: unknown[], type = "kubernetes:traefik.io/v1alpha1:IngressRoute") =>
            reg(type, "web", { metadata: { name: "web", namespace: "honeydue" }, spec: { routes: [{ match: "Host(`x`)", services }] } });
        assert.deepEqual(messages(await verdictOf(k.traefikApiClosed, [route([{ name: "api@internal" }, { name: "dashboard@internal" }, { name: "api@internal" }])])), [
            "IngressRoute web routes to api@internal, dashboard@internal, Traefik's API and dashboard; remove the route",
        ]);
        assert.equal((await verdictOf(k.traefikApiClosed, [route([{ name: "api@internal" }], "kubernetes:traefik.containo.us/v1alpha1:IngressRoute")])).status, "violated", "the legacy API group");
        assert.equal((await verdictOf(k.traefikApiClosed, [route([{ name: "honeydue-api" }, { name: "internal" }])])).status, "passed");
        const specless = route([]);
        delete (specless.inputs as any).spec;
        assert.equal((await verdictOf(k.traefikApiClosed, [specless])).status, "passed");
        // An empty entry among the routes or services (null) routes nowhere; what follows it is still read.
        const gappy = route([null, { name: "dashboard@internal" }]);
        (gappy.inputs.spec as any).routes.unshift(null);
        assert.deepEqual(messages(await verdictOf(k.traefikApiClosed, [gappy])), ["IngressRoute web routes to dashboard@internal, Traefik's API and dashboard; remove the route"]);
        const v = await verdictOf(k.traefikApiClosed, [namespace()]);
        assert.equal(v.status, "not applicable");
        assert.ok(v.reasons.includes("Policy only applies to workloads, Traefik's HelmChart and IngressRoutes"), v.reasons.join("; "));
    });
});

describe("k8s-redis-password (mandatory)", () => {
    const withAclFile = redis;
    const withoutPassword = () => {
        const r = redis();
        Object.assign(pod(r).containers[0], { args: ["--appendonly", "yes"], env: [] });
        return r;
    };
    const withRequirepass = (value: string) => {
        const r = redis();
        Object.assign(pod(r).containers[0], { args: ["--requirepass", value], env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis", key: "password" } } }] });
        return r;
    };
    it("passes Redis with an ACL file on a Secret volume, or --requirepass from a Secret", async () => {
        assert.equal((await verdictOf(k.redisPassword, [withAclFile()])).status, "passed");
        assert.equal((await verdictOf(k.redisPassword, [withRequirepass("$(REDIS_PASSWORD)")])).status, "passed");
        const joined = withRequirepass("");
        pod(joined).containers[0].args = ["--requirepass=$(REDIS_PASSWORD)"];
        pod(joined).containers[0].env.unshift({ name: "PORT", value: "6379" });
        assert.equal((await verdictOf(k.redisPassword, [joined])).status, "passed", "--requirepass=$(VAR), among other variables");
        const first = redis();
        Object.assign(pod(first).containers[0], { args: ["--aclfile=/etc/redis=acl/users.acl", "--appendonly", "yes"], volumeMounts: [{ name: "acl", mountPath: "/etc/redis=acl/" }] });
        assert.equal((await verdictOf(k.redisPassword, [first])).status, "passed", "--aclfile=PATH first, on a mount written with a trailing slash");
        const leading = redis();
        pod(leading).containers[0].args = ["--aclfile", "/etc/redis-acl/users.acl"];
        assert.equal((await verdictOf(k.redisPassword, [leading])).status, "passed", "--aclfile PATH as the first arguments");
    });
    it("refuses Redis without a password, with a literal one, or with an ACL file from no Secret, as mandatory", async () => {
        const none = await verdictOf(k.redisPassword, [withoutPassword()]);
        assert.equal(none.enforcementLevel, "mandatory");
        assert.deepEqual(messages(none), [
            "container redis of Deployment redis runs Redis without a password; add --aclfile with the file on a Secret volume (or env REDIS_PASSWORD from a secretKeyRef and args --requirepass $(REDIS_PASSWORD)), and give the clients the password by secretKeyRef",
        ]);
        assert.match(messages(await verdictOf(k.redisPassword, [withRequirepass("hunter2hunter2")]))[0], /passes a literal --requirepass/);
        const fromConfigMap = redis();
        pod(fromConfigMap).volumes[1] = { name: "acl", configMap: { name: "redis-acl" } };
        assert.match(messages(await verdictOf(k.redisPassword, [fromConfigMap]))[0], /reads --aclfile from a path on no Secret volume/);
        const literalVar = withRequirepass("$(REDIS_PASSWORD)");
        pod(literalVar).containers[0].env = [{ name: "REDIS_PASSWORD", value: "hunter2hunter2" }, { name: "OTHER", valueFrom: { secretKeyRef: { name: "redis", key: "password" } } }];
        assert.match(messages(await verdictOf(k.redisPassword, [literalVar]))[0], /passes a literal --requirepass/, "the variable itself must come from a Secret");
        for (const value of ["x$(REDIS_PASSWORD)", "$(REDIS_PASSWORD)x"]) assert.match(messages(await verdictOf(k.redisPassword, [withRequirepass(value)]))[0], /passes a literal --requirepass/, value);
        // In --requirepass=VALUE the value is all after the first "=": $(REDIS_PASS=WORD) names no variable (Kubernetes
        // leaves it as written), so Redis gets it as a literal password, though REDIS_PASSWORD comes from a Secret.
        const eq = withRequirepass("");
        pod(eq).containers[0].args = ["--requirepass=$(REDIS_PASS=WORD)"];
        assert.match(messages(await verdictOf(k.redisPassword, [eq]))[0] ?? "", /passes a literal --requirepass/);
        const unmounted = redis();
        pod(unmounted).containers[0].args = ["--aclfile", "/usr/local/etc/users.acl"];
        assert.equal((await verdictOf(k.redisPassword, [unmounted])).status, "violated");
    });
});

describe("k8s-secret-references", () => {
    it("refuses a literal secret env value and one taken from a ConfigMap", async () => {
        const bad = deployment();
        api(bad).env.push({ name: "SMTP_PASSWORD", value: "hunter22" }, { name: "JWT_SECRET", valueFrom: { configMapKeyRef: { name: "honeydue-app", key: "JWT_SECRET" } } });
        assert.deepEqual(messages(await verdictOf(k.secretReferences, [bad])), [
            "Deployment api: env SMTP_PASSWORD of container api is a literal value; take it from the app Secret with valueFrom.secretKeyRef",
            "Deployment api: env JWT_SECRET of container api comes from a ConfigMap; take it from the app Secret with valueFrom.secretKeyRef",
        ]);
    });

    it("passes a secret-named variable left empty (it holds nothing)", async () => {
        const d = deployment();
        api(d).env.push({ name: "SMTP_PASSWORD", value: "" });
        assert.equal((await verdictOf(k.secretReferences, [d])).status, "passed");
    });

    it("refuses a connection string with a password, or a private key, whatever its name", async () => {
        const bad = deployment();
        api(bad).env.push({ name: "PG", value: "postgresql://u:p4ss@db.example/x" });
        assert.equal((await verdictOf(k.secretReferences, [bad])).violations.length, 1);
        // A user name of any length; a private key of any PEM kind (PKCS#8, RSA, OpenSSH), in env or in a ConfigMap.
        const values = {
            CACHE_URL: "redis://default:p4ssw0rd@redis.honeydue.svc:6379/0",
            TLS_PEM: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
            LEGACY_PEM: "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
            SSH_PEM: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----\n",
        };
        const d = deployment();
        api(d).env.push(...Object.entries(values).map(([name, value]) => ({ name, value })));
        assert.deepEqual(
            messages(await verdictOf(k.secretReferences, [d])),
            Object.keys(values).map((n) => `Deployment api: env ${n} of container api is a literal value; take it from the app Secret with valueFrom.secretKeyRef`),
        );
        assert.deepEqual(
            messages(await verdictOf(k.secretReferences, [configMap(values)])),
            Object.keys(values).map((n) => `ConfigMap honeydue-app holds ${n}, which looks secret; move it to the app Secret and reference it with secretKeyRef`),
        );
    });

    it("refuses a ConfigMap holding a secret-like key, and allows names the operator lists", async () => {
        const cm = configMap({ PORT: "8000", B2_APPLICATION_KEY: "abc" });
        assert.deepEqual(messages(await verdictOf(k.secretReferences, [cm])), [
            "ConfigMap honeydue-app holds B2_APPLICATION_KEY, which looks secret; move it to the app Secret and reference it with secretKeyRef",
        ]);
        assert.equal((await verdictOf(k.secretReferences, [cm], { "k8s-secret-references": { allowedNames: ["B2_APPLICATION_KEY"] } })).status, "passed");
    });

    it("tells secret names from names that only point at one", () => {
        for (const n of ["DATABASE_URL", "SMTP_PASSWORD", "JWT_SECRET", "API_KEY", "apiKey", "B2_APPLICATION_KEY", "GITEA_TOKEN", "SENTRY_DSN", "Database__Url", "DSN", "SESSION_ID_SECRET"]) assert.ok(k.looksSecret(n, []), n);
        // A pointer's suffix counts at the end only (SESSION_ID_SECRET is a secret); DSN and KEY only as the name's last word.
        for (const n of ["B2_KEY_ID", "JWT_SECRET_FILE", "TOKEN_TTL", "PORT", "REDIS_KEY_PREFIX", "SMTP_USERNAME", "SENTRY_DSN_ENABLED", "KEYBOARD_LAYOUT"]) assert.ok(!k.looksSecret(n, []), n);
    });
});

describe("k8s-redis-pvc-and-node-pin", () => {
    it("refuses Redis without a PVC or a node pin", async () => {
        const bad = redis();
        delete pod(bad).volumes;
        delete pod(bad).nodeSelector;
        assert.deepEqual(messages(await verdictOf(k.redisStorage, [bad])), [
            "Deployment redis runs Redis without a PersistentVolumeClaim; mount a PVC (local-path) at /data so appendonly data survives a restart",
            "Deployment redis runs Redis unpinned; set nodeSelector kubernetes.io/hostname to honeydue:redis.node (its local-path volume lives on that node)",
        ]);
    });

    // A Redis built from the estate's own image is found by name only: metadata.name, or the Pulumi name
    // when it is auto-named (no metadata at all).
    it("finds Redis by name when its image does not say so, auto-named too", async () => {
        const own = redis();
        Object.assign(pod(own).containers[0], { image: "gitea.treytartt.com/treytartt/honeydue-cache:8d9ca2e6ed" });
        delete pod(own).nodeSelector;
        const unpinned = "Deployment redis runs Redis unpinned; set nodeSelector kubernetes.io/hostname to honeydue:redis.node (its local-path volume lives on that node)";
        assert.deepEqual(messages(await verdictOf(k.redisStorage, [own])), [unpinned]);
        delete (own.inputs as any).metadata;
        assert.deepEqual(messages(await verdictOf(k.redisStorage, [own])), [unpinned]);
    });

    it("finds Redis by its image whatever the workload is called", async () => {
        const bad = redis();
        bad.name = "cache";
        (bad.inputs.metadata as any).name = "cache";
        delete pod(bad).nodeSelector;
        assert.equal((await verdictOf(k.redisStorage, [bad])).violations.length, 1);
    });

    it("finds Redis by any image reference (bare, untagged, beside a sidecar) and judges its password", async () => {
        for (const image of ["redis:7.4.7-alpine", "docker.io/library/redis"]) {
            const r = redis();
            r.name = "cache";
            (r.inputs.metadata as any).name = "cache";
            Object.assign(pod(r).containers[0], { image, args: ["--appendonly", "yes"] });
            assert.match(messages(await verdictOf(k.redisPassword, [r]))[0] ?? "", /runs Redis without a password/, image);
        }
        const sidecar = redis();
        pod(sidecar).containers[0].args = ["--appendonly", "yes"];
        pod(sidecar).containers.push({ name: "exporter", image: "docker.io/oliver006/redis_exporter:v1.62.0" });
        assert.equal(messages(await verdictOf(k.redisPassword, [sidecar])).length, 1, "the sidecar is no Redis");
        assert.match(messages(await verdictOf(k.redisPassword, [sidecar]))[0], /container redis of Deployment redis runs Redis without a password/);
        const guarded = redis();
        pod(guarded).containers.push({ name: "exporter", image: "docker.io/oliver006/redis_exporter:v1.62.0" });
        assert.equal((await verdictOf(k.redisPassword, [guarded])).status, "passed", "only the Redis container needs the password flags");
        const cli = migrationJob();
        Object.assign((cli.inputs.spec as any).template.spec.containers[0], { image: "docker.io/library/redis:7.4.7-alpine", command: ["redis-cli", "--rdb", "/backup/dump.rdb"] });
        assert.equal((await verdictOf(k.redisPassword, [cli])).status, "passed", "a Job running the redis image (redis-cli) is no server");
    });

    it("passes a StatefulSet with a claim template or a required node affinity, refuses other affinities and a Redis with no spec", async () => {
        const sts = redis();
        sts.type = "kubernetes:apps/v1:StatefulSet";
        (sts.inputs.spec as any).volumeClaimTemplates = [{ metadata: { name: "data" }, spec: { storageClassName: "local-path" } }];
        pod(sts).volumes = [{ name: "acl", secret: { secretName: "redis-acl" } }];
        delete pod(sts).nodeSelector;
        pod(sts).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };
        assert.equal((await verdictOf(k.redisStorage, [sts])).status, "passed");
        pod(sts).affinity = { podAntiAffinity: {} };
        assert.deepEqual(messages(await verdictOf(k.redisStorage, [sts])), [
            "StatefulSet redis runs Redis unpinned; set nodeSelector kubernetes.io/hostname to honeydue:redis.node (its local-path volume lives on that node)",
        ]);
        const bare = redis();
        delete (bare.inputs as any).spec;
        assert.equal((await verdictOf(k.redisStorage, [bare])).violations.length, 2);
    });
});
