// The workloads layer under mocks, with the prod stack: every object's kind, namespace and key
// fields; the migrations gate; Redis's pinning, volume and network policy; the routes; the
// security contexts; and no secret ever in plain text.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import cloudflareRanges from "../policy/cloudflare-ip-ranges.json";
import type { Registration } from "../offline/capture";
import { dependsOn, ofType, one, plainText, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { placeholderPlain, placeholderSecrets } from "../offline/stack";
import { mockRedisPassword } from "../offline/mocks-k3s";
import { chartGeneration, renderedValues, traefikValues } from "../workloads/traefik";
import { aclFile } from "../workloads/redisUsers";
import { internet, nodeSources } from "../workloads/networkPolicies";
import { plainTriggers, smokeChecks } from "../workloads/smoke";
import { publicUrl, settingsData } from "../workloads/settings";
import { hostLabel } from "../workloads/names";
import type { EstateConfig } from "../config";
import * as pulumi from "@pulumi/pulumi";
import { appSecretKeys } from "../workloads/secrets";
import { migrationJobName } from "../workloads/migrations";
import { versionOf } from "../workloads/workload";
import { describe as planLines } from "../offline/describe";
import "../offline/describe/workloads";

const C = "command:remote:Command";
const nodeNames = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];

const T = {
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    claim: "kubernetes:core/v1:PersistentVolumeClaim",
    deployment: "kubernetes:apps/v1:Deployment",
    job: "kubernetes:batch/v1:Job",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    helmChart: "kubernetes:helm.cattle.io/v1:HelmChart",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    cronJob: "kubernetes:batch/v1:CronJob",
};
const clusterScoped = [T.namespace, T.clusterRole, T.clusterRoleBinding];

type Obj = Record<string, any>;
let estate: Estate;
let k8sObjects: Registration[];
const spec = (r: Registration) => unwrap(r.inputs.spec) as Obj;
const metadata = (r: Registration) => unwrap(r.inputs.metadata) as Obj;
const pod = (r: Registration) => spec(r).template.spec as Obj;
const container = (r: Registration) => pod(r).containers[0] as Obj;
const deployment = (app: string) => one(estate.resources, T.deployment, `honeydue-${app}`);
const job = () => ofType(estate.resources, T.job)[0];
/** An auto-named object's name, as the API server (here the mock) gave it. */
const configMapName = () => (unwrap(ofType(estate.resources, T.configMap)[0].state.metadata) as Obj).name as string;
const appSecret = () => one(estate.resources, T.secret, "honeydue-app");

before(async () => {
    estate = await runEstate();
    k8sObjects = estate.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
});

describe("the workloads component", () => {
    it("is one honeydue:workloads:Apps holding every Kubernetes object, each through the cluster's provider", () => {
        const [apps] = ofType(estate.resources, "honeydue:workloads:Apps");
        assert.ok(apps, "the component exists");
        assert.equal(k8sObjects.length, 36);
        for (const r of k8sObjects) {
            assert.equal(r.parent, apps.urn, `${r.name} is a child of the component`);
            assert.match(r.provider, /\$pulumi:providers:kubernetes::honeydue-k8s::/, `${r.name} uses the explicit provider`);
        }
        assert.deepEqual(estate.duplicates, []);
    });

    it("puts every namespaced object in the honeydue namespace, and only Traefik's chart in kube-system", () => {
        const ns = one(estate.resources, T.namespace, "honeydue");
        assert.equal(metadata(ns).name, "honeydue");
        assert.equal(metadata(ns).labels["pod-security.kubernetes.io/enforce"], "restricted");
        for (const r of k8sObjects.filter((x) => clusterScoped.includes(x.type))) assert.equal(metadata(r).namespace, undefined, r.name);
        for (const r of k8sObjects.filter((x) => !clusterScoped.includes(x.type))) {
            const expected = r.type === T.helmChart ? "kube-system" : "honeydue";
            assert.equal(metadata(r).namespace, expected, r.name);
        }
    });

    it("creates exactly these kinds", () => {
        const count = (t: string) => ofType(k8sObjects, t).length;
        assert.deepEqual(
            Object.fromEntries(Object.entries(T).map(([k, t]) => [k, count(t)])),
            { namespace: 1, secret: 4, configMap: 1, service: 3, claim: 1, deployment: 4, job: 1, pdb: 2, ingress: 3, netpol: 10, helmChart: 1, clusterRole: 1, clusterRoleBinding: 1, role: 1, roleBinding: 1, cronJob: 1 },
        );
    });
});

describe("secrets and settings", () => {
    it("gives kubelet a dockerconfigjson for the Gitea registry, built inside the secret", () => {
        const s = one(estate.resources, T.secret, "honeydue-registry");
        assert.equal(s.inputs.type, "kubernetes.io/dockerconfigjson");
        const stringData = s.inputs.stringData as Obj;
        assert.ok(plainText(stringData).includes("[secret]"), "the config is a secret value");
        const config = JSON.parse((unwrap(stringData) as Obj)[".dockerconfigjson"]);
        const entry = config.auths["gitea.treytartt.com"];
        assert.equal(entry.username, "placeholder-deployer");
        assert.equal(entry.password, placeholderSecrets["honeydue:registryPassword"]);
        assert.equal(Buffer.from(entry.auth, "base64").toString(), `placeholder-deployer:${placeholderSecrets["honeydue:registryPassword"]}`);
        assert.ok(!plainText(s.inputs).includes("PLACEHOLDER"));
    });

    it("holds the Neon URL, the B2 key, the SMTP password and every extra app secret in one secret-valued Secret", () => {
        const s = appSecret();
        assert.equal(s.inputs.type, "Opaque");
        assert.deepEqual(Object.keys(s.inputs.stringData as Obj), ["secret"], "stringData is one secret value");
        const data = unwrap(s.inputs.stringData) as Obj;
        assert.deepEqual(Object.keys(data).sort(), ["B2_APPLICATION_KEY", "DATABASE_URL", "JWT_SECRET", "REDIS_PASSWORD", "REDIS_URL", "SMTP_PASSWORD"]);
        assert.equal(data.DATABASE_URL, placeholderSecrets["honeydue:databaseUrl"]);
        assert.equal(data.JWT_SECRET, "PLACEHOLDER-jwt-secret");
        assert.equal(metadata(s).name, undefined, "auto-named, so a changed secret rolls the pods");
    });

    it("keeps the plain settings in a ConfigMap: Redis, B2, SMTP and the public URLs from the routes", () => {
        const cm = ofType(estate.resources, T.configMap)[0];
        assert.deepEqual(cm.inputs.data, {
            REDIS_ADDR: "redis.honeydue.svc.cluster.local:6379",
            B2_BUCKET: "honeyDueProd",
            B2_REGION: "us-east-005",
            B2_ENDPOINT: "https://s3.us-east-005.backblazeb2.com",
            B2_KEY_ID: placeholderPlain["honeydue:b2KeyId"],
            SMTP_HOST: "smtp.fastmail.com",
            SMTP_PORT: "587",
            SMTP_USERNAME: "placeholder@myhoneydue.com",
            CLIENT_IP_HEADER: "CF-Connecting-IP",
            PUBLIC_API_URL: "https://api.myhoneydue.com",
            PUBLIC_ADMIN_URL: "https://admin.myhoneydue.com",
            PUBLIC_SITE_URL: "https://myhoneydue.com",
        });
    });

    it("publishes only the URLs of what is routed: no admin URL without an admin hostname, no site URL without the apex", () => {
        const plain = { b2Bucket: "b", b2Region: "r", b2Endpoint: "s3.r.example", b2KeyId: "k", smtpHost: "smtp.example.com", smtpPort: 587, smtpUsername: "u" };
        const config = { ...plain, routes: { "api.example.com": "api", "www.example.com": "api" }, zone: "example.com" } as unknown as EstateConfig;
        const data = settingsData(config, "honeydue");
        assert.equal(data.PUBLIC_API_URL, "https://api.example.com", "the first hostname routed to the API");
        assert.equal(data.PUBLIC_ADMIN_URL, undefined);
        assert.equal(data.PUBLIC_SITE_URL, undefined);
        assert.equal(publicUrl({ "a.example.com": "api" }, "admin"), undefined);
    });

    it("labels the registry credential, the app Secret and the settings with what they are, as part of the estate", () => {
        const labels = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" });
        assert.deepEqual(metadata(one(estate.resources, T.secret, "honeydue-registry")).labels, labels("registry"));
        assert.deepEqual(metadata(appSecret()).labels, labels("app-secrets"));
        assert.deepEqual(metadata(ofType(estate.resources, T.configMap)[0]).labels, labels("app-settings"));
    });

    it("lists the extra app secrets in name order, so reordering honeydue:appSecrets rolls no pod", async () => {
        const appSecrets = pulumi.secret({ ZETA: "z", ALPHA: "a", MID: "m" });
        const keys = appSecretKeys({ config: { secrets: { appSecrets } } } as unknown as Parameters<typeof appSecretKeys>[0]);
        assert.deepEqual(await new Promise((resolve) => keys.apply(resolve)), ["ALPHA", "MID", "ZETA"]);
        // The names are not secret (a pod spec lists them); the values stay in the Secret.
        assert.equal(await pulumi.isSecret(keys), false);
    });

    it("never sends a secret in plain text: the only PLACEHOLDER left is the (plain) B2 key id", () => {
        const text = k8sObjects.map((r) => plainText(r.inputs)).join("\n");
        const secretTokens = Object.values(placeholderSecrets).flatMap((v) => v.match(/PLACEHOLDER[\w-]*/g) ?? []);
        assert.ok(secretTokens.length >= 7);
        for (const token of secretTokens) assert.ok(!text.includes(token), `${token} appears in plain text`);
        assert.ok(!text.split(placeholderPlain["honeydue:b2KeyId"]).join("").includes("PLACEHOLDER"));
    });

    it("passes secrets to containers only as secretKeyRef, never as a literal value", () => {
        const secretNames = new Set(Object.keys(unwrap(appSecret().inputs.stringData) as Obj));
        for (const r of [...ofType(estate.resources, T.deployment), job()]) {
            for (const c of pod(r).containers as Obj[]) {
                for (const e of (c.env ?? []) as Obj[]) {
                    if (e.value !== undefined) {
                        assert.ok(!secretNames.has(e.name), `${r.name}: ${e.name} is a secret given as a value`);
                        assert.ok(!/PLACEHOLDER/.test(e.value), `${r.name}: ${e.name}`);
                    } else {
                        assert.ok(e.valueFrom.secretKeyRef, `${r.name}: ${e.name} comes from a secretKeyRef`);
                    }
                }
            }
        }
        const api = container(deployment("api"));
        const refs = (api.env as Obj[]).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef.key, e.valueFrom.secretKeyRef.name]);
        assert.deepEqual(refs.map(([n]) => n), ["DATABASE_URL", "B2_APPLICATION_KEY", "SMTP_PASSWORD", "REDIS_PASSWORD", "REDIS_URL", "JWT_SECRET"]);
        for (const [name, key, secret] of refs) {
            assert.equal(key, name);
            // The name the API gave the auto-named Secret (offline: the mock's), not a name of our own.
            assert.equal(secret, (unwrap(appSecret().state.metadata) as Obj).name, "the app Secret, by the name it was given");
        }
    });

    it("gives the admin panel only the extra app secrets, and Redis only its probe's password", () => {
        assert.deepEqual((container(deployment("admin")).env as Obj[]).map((e) => e.name), ["PORT", "JWT_SECRET"]);
        assert.deepEqual(container(deployment("redis")).env, [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: metadata(appSecret()).name ?? (unwrap(appSecret().state.metadata) as Obj).name, key: "REDIS_PASSWORD" } } }]);
        assert.deepEqual((container(deployment("worker")).env as Obj[]).map((e) => e.name), ["PORT", "DATABASE_URL", "B2_APPLICATION_KEY", "SMTP_PASSWORD", "REDIS_PASSWORD", "REDIS_URL", "JWT_SECRET"]);
    });
});

describe("the apps", () => {
    const apps = { api: { port: 8000, path: "/api/health", replicas: 2, cpu: "100m", memory: "256Mi", limit: "512Mi" }, admin: { port: 3000, path: "/", replicas: 2, cpu: "50m", memory: "192Mi", limit: "384Mi" }, worker: { port: 8001, path: "/healthz", replicas: 1, cpu: "100m", memory: "256Mi", limit: "512Mi" } };

    it("run the configured images from the registry with explicit tags", () => {
        for (const app of Object.keys(apps)) {
            assert.equal(container(deployment(app)).image, `gitea.treytartt.com/treytartt/honeydue-${app}:8d9ca2e6ed`);
            assert.deepEqual(pod(deployment(app)).imagePullSecrets, [{ name: "registry" }]);
            assert.equal(metadata(deployment(app)).labels["app.kubernetes.io/version"], "8d9ca2e6ed");
        }
    });

    it("have the configured replicas, requests, memory limits and probes", () => {
        for (const [app, want] of Object.entries(apps)) {
            const d = deployment(app);
            const c = container(d);
            assert.equal(spec(d).replicas, want.replicas, app);
            assert.deepEqual(c.resources, { requests: { cpu: want.cpu, memory: want.memory }, limits: { memory: want.limit } }, app);
            assert.deepEqual(c.ports, [{ name: "http", containerPort: want.port, protocol: "TCP" }], app);
            // The app listens where the Service and probes point, whatever its image defaults to.
            assert.deepEqual((c.env as Obj[]).find((e) => e.name === "PORT"), { name: "PORT", value: String(want.port) }, app);
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                assert.deepEqual(c[probe].httpGet, { port: want.port, path: want.path }, `${app} ${probe}`);
            }
        }
    });

    it("read the settings ConfigMap and write only to emptyDirs", () => {
        for (const app of Object.keys(apps)) {
            const c = container(deployment(app));
            assert.equal(metadata(ofType(estate.resources, T.configMap)[0]).name, undefined, "auto-named, so changed settings roll the pods");
            assert.deepEqual(c.envFrom, [{ configMapRef: { name: configMapName() } }]);
            const mounts = (c.volumeMounts as Obj[]).map((m) => m.mountPath);
            assert.ok(mounts.includes("/tmp"), app);
            const volumes = pod(deployment(app)).volumes as Obj[];
            for (const m of c.volumeMounts as Obj[]) assert.ok(volumes.find((v) => v.name === m.name)?.emptyDir, `${app} ${m.mountPath} is an emptyDir`);
        }
        assert.ok((container(deployment("admin")).volumeMounts as Obj[]).some((m) => m.mountPath === "/app/.next/cache"));
    });

    it("run locked down: non-root, read-only root, no escalation, all capabilities dropped, seccomp, no token", () => {
        for (const r of [...ofType(estate.resources, T.deployment), job()]) {
            const p = pod(r);
            assert.equal(p.automountServiceAccountToken, false, r.name);
            assert.equal(p.securityContext.runAsNonRoot, true, r.name);
            assert.ok(p.securityContext.runAsUser > 0, r.name);
            assert.equal(p.securityContext.seccompProfile.type, "RuntimeDefault", r.name);
            for (const c of p.containers as Obj[]) {
                assert.deepEqual(c.securityContext, {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                }, r.name);
            }
        }
        assert.equal(pod(deployment("admin")).securityContext.runAsUser, 1001);
        assert.equal(pod(deployment("api")).securityContext.runAsUser, 65532);
    });

    it("spread the API and the admin panel across nodes, each with a disruption budget", () => {
        for (const app of ["api", "admin"]) {
            const p = pod(deployment(app));
            assert.deepEqual(p.topologySpreadConstraints.map((t: Obj) => [t.topologyKey, t.maxSkew, t.whenUnsatisfiable]), [["kubernetes.io/hostname", 1, "DoNotSchedule"]]);
            assert.deepEqual(p.topologySpreadConstraints[0].labelSelector.matchLabels, spec(deployment(app)).selector.matchLabels);
            // A node that is down (tainted) is not counted, and only this rollout's pods are (pod-template-hash).
            assert.equal(p.topologySpreadConstraints[0].nodeTaintsPolicy, "Honor");
            assert.deepEqual(p.topologySpreadConstraints[0].matchLabelKeys, ["pod-template-hash"]);
            const pdb = one(estate.resources, T.pdb, `honeydue-${app}`);
            assert.equal(spec(pdb).maxUnavailable, 1);
            assert.deepEqual(spec(pdb).selector.matchLabels, spec(deployment(app)).selector.matchLabels);
            assert.deepEqual(spec(deployment(app)).strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        }
        assert.equal(pod(deployment("worker")).topologySpreadConstraints, undefined, "one worker: nothing to spread");
        assert.ok(!ofType(estate.resources, T.pdb).some((p) => p.name === "honeydue-worker"), "a budget on one replica would block every drain");
    });

    it("give a slow boot 2.5 minutes, then stop sending traffic after 30 s and restart after a minute of failed health checks", () => {
        for (const app of Object.keys(apps)) {
            const c = container(deployment(app));
            const httpGet = { port: apps[app as keyof typeof apps].port, path: apps[app as keyof typeof apps].path };
            // A probe gives up after periodSeconds x failureThreshold: 150 s to start, 30 s out of traffic, 60 s to a restart.
            assert.deepEqual(c.startupProbe, { httpGet, periodSeconds: 5, failureThreshold: 30, timeoutSeconds: 2 }, app);
            assert.deepEqual(c.readinessProbe, { httpGet, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 }, app);
            assert.deepEqual(c.livenessProbe, { httpGet, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 3 }, app);
        }
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) assert.equal(container(job())[probe], undefined, `the migrations Job has no ${probe}`);
    });

    it("bound every writable path: one emptyDir of at most 256Mi per path, so a runaway writer is evicted instead of filling the node's disk", () => {
        const writable: Record<string, string[]> = { api: ["/tmp"], admin: ["/tmp", "/app/.next/cache"], worker: ["/tmp"] };
        const pods = { ...Object.fromEntries(Object.keys(writable).map((app) => [app, deployment(app)])), migrations: job() };
        for (const [app, r] of Object.entries(pods)) {
            const paths = writable[app] ?? ["/tmp"];
            assert.deepEqual(pod(r).volumes, paths.map((_, i) => ({ name: `writable-${i}`, emptyDir: { sizeLimit: "256Mi" } })), app);
            assert.deepEqual(container(r).volumeMounts, paths.map((mountPath, i) => ({ name: `writable-${i}`, mountPath })), app);
        }
    });

    it("pull an image only when the node lacks it, get no Service variables, restart in place, and keep five old ReplicaSets to roll back to", () => {
        for (const app of Object.keys(apps)) {
            const d = deployment(app);
            assert.equal(container(d).imagePullPolicy, "IfNotPresent", app);
            assert.equal(pod(d).enableServiceLinks, false, app);
            assert.equal(pod(d).restartPolicy, "Always", app);
            assert.equal(spec(d).revisionHistoryLimit, 5, app);
            assert.equal(container(d).command, undefined, `${app} runs its image's own entrypoint`);
        }
        assert.equal(container(job()).imagePullPolicy, "IfNotPresent");
        assert.deepEqual([...Object.keys(apps).map((app) => container(deployment(app)).name), container(job()).name], ["api", "admin", "worker", "migrations"], "each container named for its app");
        assert.equal(pod(job()).enableServiceLinks, false);
    });

    it("run as their configured user and its group, with no supplementary fsGroup", () => {
        const users: Record<string, number> = { api: 65532, admin: 1001, worker: 65532 };
        for (const [app, uid] of Object.entries(users)) {
            assert.deepEqual(pod(deployment(app)).securityContext, { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, seccompProfile: { type: "RuntimeDefault" } }, app);
        }
    });

    it("label every object of an app with its name, the estate, Pulumi as manager, and the Deployment and its pods with the image's version", () => {
        const base = (app: string) => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" });
        for (const app of ["api", "admin", "worker"]) {
            const versioned = { ...base(app), "app.kubernetes.io/version": "8d9ca2e6ed" };
            assert.deepEqual(metadata(deployment(app)).labels, versioned, app);
            assert.deepEqual(spec(deployment(app)).template.metadata.labels, versioned, app);
            assert.deepEqual(spec(deployment(app)).selector.matchLabels, { "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "honeydue" }, `${app}: the selector leaves out what changes`);
        }
        for (const app of ["api", "admin"]) {
            assert.deepEqual(metadata(one(estate.resources, T.service, `honeydue-${app}`)).labels, base(app), app);
            assert.deepEqual(metadata(one(estate.resources, T.pdb, `honeydue-${app}`)).labels, base(app), app);
        }
        assert.deepEqual(metadata(one(estate.resources, T.namespace, "honeydue")).labels, {
            "app.kubernetes.io/part-of": "honeydue",
            "app.kubernetes.io/managed-by": "pulumi",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        });
    });

    it("select their pods with labels the pod template carries", () => {
        for (const app of ["api", "admin", "worker", "redis"]) {
            const d = deployment(app);
            const podLabels = spec(d).template.metadata.labels as Obj;
            for (const [k, v] of Object.entries(spec(d).selector.matchLabels as Obj)) assert.equal(podLabels[k], v, `${app} ${k}`);
        }
    });

    it("expose the API and the admin panel on ClusterIP Services that select them; the worker has none", () => {
        for (const app of ["api", "admin"]) {
            const s = one(estate.resources, T.service, `honeydue-${app}`);
            assert.equal(spec(s).type, "ClusterIP");
            assert.deepEqual(spec(s).selector, spec(deployment(app)).selector.matchLabels);
            assert.deepEqual(spec(s).ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        }
        assert.ok(!ofType(estate.resources, T.service).some((s) => s.name === "honeydue-worker"));
    });

    it("never want to replace a Service over its allocated spec.clusterIP (an adopted Service's import recorded it)", () => {
        // As for the Redis claim: the import takes every input property from the live object
        // (pulumi-kubernetes provider/pkg/provider/provider.go, Read, readFromCluster); once
        // adopt.kubernetes is emptied the diff drops spec.clusterIP, which forces a replacement of a
        // Service (provider/pkg/provider/diff.go, forceNew: Service .spec.clusterIP), delete first.
        for (const svc of ofType(estate.resources, T.service)) {
            assert.equal(svc.importId, "");
            assert.ok(svc.ignoreChanges.includes("spec.clusterIP"), `${svc.name} ignoreChanges: ${JSON.stringify(svc.ignoreChanges)}`);
        }
    });

    it("create each Service after its pods are ready, so Pulumi's wait for endpoints cannot time out behind the migrations", () => {
        for (const app of ["api", "admin", "redis"]) {
            assert.ok(dependsOn(one(estate.resources, T.service, `honeydue-${app}`), deployment(app), estate.resources), app);
        }
    });
});

describe("the migrations gate", () => {
    it("runs goose up as a Job named after the image tag", () => {
        const j = job();
        assert.equal(metadata(j).name, "migrate-8d9ca2e6ed");
        assert.equal(j.name, "honeydue-migrate-8d9ca2e6ed");
        // The Job object itself is found the way an operator lists a failed run (kubectl get jobs -l app.kubernetes.io/name=migrations).
        assert.deepEqual(metadata(j).labels, {
            "app.kubernetes.io/name": "migrations",
            "app.kubernetes.io/part-of": "honeydue",
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/version": "8d9ca2e6ed",
        });
        const c = container(j);
        assert.equal(c.image, "gitea.treytartt.com/treytartt/honeydue-migrate:8d9ca2e6ed");
        assert.deepEqual(c.command, ["goose", "up"]);
        assert.deepEqual(c.env, [
            { name: "GOOSE_DRIVER", value: "postgres" },
            { name: "GOOSE_DBSTRING", valueFrom: { secretKeyRef: { name: (unwrap(appSecret().state.metadata) as Obj).name, key: "DATABASE_URL" } } },
        ]);
    });

    it("labels every release with its tag or short digest, always a value Kubernetes accepts, and names its Job after it", () => {
        // A label value: at most 63 characters, alphanumerics and -_. inside, alphanumeric at both ends
        // (k8s.io/apimachinery pkg/util/validation/validation.go, IsValidLabelValue); a Job's name is a DNS label.
        const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
        const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
        const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
        const cases: [string, string, string][] = [
            ["gitea.treytartt.com/treytartt/honeydue-migrate:8d9ca2e6ed", "8d9ca2e6ed", "migrate-8d9ca2e6ed"],
            ["redis:7.4.7-alpine", "7.4.7-alpine", "migrate-7-4-7-alpine"],
            ["registry:5000/migrate:v1.2_RC.3", "v1.2_RC.3", "migrate-v1-2-rc-3"],
            [`r.io/m:v1.2@${digest}`, "0123456789ab", "migrate-0123456789ab"],
            [`r.io/m@${digest}`, "0123456789ab", "migrate-0123456789ab"],
            // The tag grammar allows _ first and . or - last; a label value does not.
            ["r.io/m:_rc1-", "rc1", "migrate-rc1"],
            ["r.io/m:v2._rc", "v2._rc", "migrate-v2-rc"],
            [`r.io/m:${"7".repeat(62)}.9`, "7".repeat(62), `migrate-${"7".repeat(55)}`],
            // ...and may start or end with several of them.
            ["r.io/m:__rc1", "rc1", "migrate-rc1"],
            ["r.io/m:_.-rc1", "rc1", "migrate-rc1"],
            ["r.io/m:rc1.-", "rc1", "migrate-rc1"],
            ["r.io/m:rc1_._", "rc1", "migrate-rc1"],
            // A tag pinned by a sha512 digest (no short form here): the tag stays readable, set off
            // from the digest by dashes where the reference has @ and :.
            [`r.io/m:v1@sha512:${"0123456789abcdef".repeat(8)}`, `v1-sha512-${"0123456789abcdef".repeat(4).slice(0, 53)}`, `migrate-v1-sha512-${"0123456789abcdef".repeat(3).slice(0, 45)}`],
        ];
        for (const [image, version, job] of cases) {
            assert.equal(versionOf(image), version, image);
            assert.match(versionOf(image), labelValue, image);
            assert.equal(migrationJobName(image), job, image);
            assert.match(job, dnsLabel);
        }
        assert.equal(migrationJobName(`r.io/m:${"x".repeat(120)}`), `migrate-${"x".repeat(55)}`, "cut to 63 characters");
        assert.equal(migrationJobName(`r.io/m:${"x".repeat(54)}..y`), `migrate-${"x".repeat(54)}`, "never ending in a dash after the cut");
        assert.equal(migrationJobName(`r.io/m:${"x".repeat(53)}-.y`), `migrate-${"x".repeat(53)}`, "nor in two");
    });

    it("fails fast and stays for Pulumi to await: few retries, a deadline, never restarted in place, no TTL", () => {
        const s = spec(job());
        assert.equal(s.backoffLimit, 1);
        assert.equal(s.activeDeadlineSeconds, 600);
        assert.equal(s.ttlSecondsAfterFinished, undefined);
        assert.equal(s.template.spec.restartPolicy, "Never");
        assert.equal(container(job()).livenessProbe, undefined);
    });

    it("is retried by the next `pulumi up` after a failure (replaced, delete first)", () => {
        assert.equal(metadata(job()).annotations["pulumi.com/replaceUnready"], "true");
        assert.equal(job().deleteBeforeReplace, true);
        assert.deepEqual([job().customTimeouts?.create, job().customTimeouts?.update], ["15m", "15m"], "above the Job's own 600 s deadline");
    });

    it("gates the API and the worker: both Deployments wait for the Job; the admin panel and Redis do not", () => {
        const j = job();
        assert.ok(dependsOn(deployment("api"), j, estate.resources), "api waits for the migrations");
        assert.ok(dependsOn(deployment("worker"), j, estate.resources), "worker waits for the migrations");
        assert.ok(!dependsOn(deployment("admin"), j, estate.resources));
        assert.ok(!dependsOn(deployment("redis"), j, estate.resources));
    });

    it("starts the API and the worker only once Redis serves", () => {
        const redis = one(estate.resources, T.service, "honeydue-redis");
        for (const app of ["api", "worker"]) assert.ok(dependsOn(deployment(app), redis, estate.resources), app);
    });

    it("is exported so an operator can read its logs", () => {
        assert.equal(estate.outputs.migrationJob, "migrate-8d9ca2e6ed");
    });
});

describe("Redis", () => {
    const redis = () => deployment("redis");

    it("labels each of its objects as the redis app (how an operator lists them) and names its container redis", () => {
        const objects = estate.resources.filter((r) => ["honeydue-redis", "honeydue-redis-data", "honeydue-redis-acl"].includes(r.name) && r.type.startsWith("kubernetes:"));
        assert.deepEqual(objects.map((r) => r.type.split(":")[1]).sort(), ["apps/v1", "core/v1", "core/v1", "core/v1", "networking.k8s.io/v1"]);
        for (const r of objects) assert.equal((metadata(r).labels as Obj)["app.kubernetes.io/name"], "redis", r.type);
        assert.equal(container(redis()).name, "redis");
    });

    it("names its Deployment redis, as adopt.kubernetes (Deployment/redis) and an operator's kubectl name it", () => {
        assert.equal(metadata(redis()).name, "redis");
        for (const app of ["api", "admin", "worker"]) assert.equal(metadata(deployment(app)).name, app);
    });

    it("runs the pinned image, one replica, Recreate, on its node", () => {
        // 7.4.6 fixed CVE-2025-49844 and 7.4.3 CVE-2025-21605 (redis/redis 00-RELEASENOTES, branch 7.4).
        assert.equal(container(redis()).image, "docker.io/library/redis:7.4.7-alpine");
        assert.equal(spec(redis()).replicas, 1);
        assert.deepEqual(spec(redis()).strategy, { type: "Recreate" });
        assert.deepEqual(pod(redis()).nodeSelector, { "kubernetes.io/hostname": "ubuntu-8gb-nbg1-2" });
    });

    it("keeps an append-only log on a local-path volume, bounded below its memory limit", () => {
        const args = container(redis()).args as string[];
        assert.deepEqual(args.slice(0, 2), ["--appendonly", "yes"]);
        // 300Mi: at most 60% of the 512Mi limit, room for the rewrite's copy-on-write child.
        assert.equal(args[args.indexOf("--maxmemory") + 1], "300mb");
        assert.equal(args[args.indexOf("--maxmemory-policy") + 1], "noeviction");
        assert.deepEqual(container(redis()).resources.limits, { memory: "512Mi" });
        const claim = one(estate.resources, T.claim, "honeydue-redis-data");
        assert.equal(spec(claim).storageClassName, "local-path");
        assert.deepEqual(spec(claim).resources.requests, { storage: "5Gi" });
        const volume = (pod(redis()).volumes as Obj[]).find((v) => v.name === "data");
        assert.equal(volume?.persistentVolumeClaim.claimName, metadata(claim).name);
        assert.ok((container(redis()).volumeMounts as Obj[]).some((m) => m.name === "data" && m.mountPath === "/data"));
        assert.ok(dependsOn(redis(), claim, estate.resources));
    });

    it("syncs its append-only log every second, evicts nothing when full, and keeps its files on the claim", () => {
        // appendfsync everysec: at most a second of queued jobs lost on a crash; `no` leaves it to the kernel (~30 s).
        assert.deepEqual(container(redis()).args, ["--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory", "300mb", "--maxmemory-policy", "noeviction", "--dir", "/data", "--aclfile", "/etc/redis-acl/users.acl"]);
        const claim = one(estate.resources, T.claim, "honeydue-redis-data");
        assert.deepEqual(spec(claim).accessModes, ["ReadWriteOnce"]);
        // local-path binds only once the pod is scheduled (WaitForFirstConsumer): Pulumi must not wait for the claim first.
        assert.equal(metadata(claim).annotations["pulumi.com/skipAwait"], "true");
        assert.equal(metadata(claim).name, "redis-data");
    });

    it("requests the memory it may fill, bounds /tmp, and gives a large dataset five minutes to load before liveness counts", () => {
        const c = container(redis());
        assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "300Mi" }, limits: { memory: "512Mi" } });
        assert.deepEqual((pod(redis()).volumes as Obj[]).find((v) => v.name === "tmp"), { name: "tmp", emptyDir: { sizeLimit: "64Mi" } });
        assert.deepEqual((c.volumeMounts as Obj[]).map((m) => [m.name, m.mountPath]), [["data", "/data"], ["tmp", "/tmp"], ["acl", "/etc/redis-acl"]]);
        const exec = { command: ["sh", "-c", "redis-cli ping | grep -qx PONG"] };
        assert.deepEqual(c.startupProbe, { exec, timeoutSeconds: 2, periodSeconds: 5, failureThreshold: 60 });
        assert.deepEqual(c.readinessProbe, { exec, timeoutSeconds: 2, periodSeconds: 10, failureThreshold: 3 });
        assert.deepEqual(c.livenessProbe, { exec, timeoutSeconds: 2, periodSeconds: 20, failureThreshold: 3 });
        assert.equal(c.imagePullPolicy, "IfNotPresent");
        assert.equal(pod(redis()).enableServiceLinks, false);
        assert.equal(pod(redis()).automountServiceAccountToken, false);
        assert.deepEqual(c.ports, [{ name: "redis", containerPort: 6379, protocol: "TCP" }]);
        const svc = one(estate.resources, T.service, "honeydue-redis");
        assert.deepEqual(spec(svc), { type: "ClusterIP", selector: spec(redis()).selector.matchLabels, ports: [{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }] });
        assert.deepEqual(metadata(redis()).labels, { "app.kubernetes.io/name": "redis", "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/version": "7.4.7-alpine" });
    });

    it("is protected from deletion: the claim and the Deployment", () => {
        assert.equal(one(estate.resources, T.claim, "honeydue-redis-data").protect, true);
        assert.equal(redis().protect, true);
    });

    it("never wants to replace its bound claim over spec.volumeName (an adopted claim's import recorded it)", () => {
        // pulumi-kubernetes Read, on import, takes every input property from the live object
        // (provider/pkg/provider/provider.go, Read, readFromCluster), so a bound claim's inputs carry
        // spec.volumeName. Once adopt.kubernetes is emptied, Diff's merge patch (inputPatch) from those
        // inputs to ours drops it, and .spec.volumeName forces a replacement of a PersistentVolumeClaim
        // (provider/pkg/provider/diff.go, forceNew): delete-before-replace, an empty claim. The engine
        // keeps the recorded value for an ignored path (pulumi/pulumi pkg/resource/deploy/step_generator.go,
        // processIgnoreChanges). This run is that state: the claim is not listed for adoption.
        const claim = one(estate.resources, T.claim, "honeydue-redis-data");
        assert.equal(claim.importId, "");
        assert.ok(claim.ignoreChanges.includes("spec.volumeName"), `ignoreChanges: ${JSON.stringify(claim.ignoreChanges)}`);
    });

    it("runs as the redis user, not root", () => {
        assert.deepEqual(pod(redis()).securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) assert.deepEqual(container(redis())[probe].exec.command, ["sh", "-c", "redis-cli ping | grep -qx PONG"], probe);
    });

    it("is reachable on 6379 only from the API, the worker and the backup", () => {
        const np = one(estate.resources, T.netpol, "honeydue-redis");
        const s = spec(np);
        assert.deepEqual(s.podSelector.matchLabels, spec(redis()).selector.matchLabels);
        assert.deepEqual(s.policyTypes, ["Ingress"]);
        assert.equal(s.ingress.length, 1);
        assert.deepEqual(s.ingress[0].ports, [{ protocol: "TCP", port: 6379 }]);
        assert.deepEqual(s.ingress[0].from, [{ podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["api", "worker", "redis-backup"] }] } }]);
        const name = (app: string) => (spec(deployment(app)).template.metadata.labels as Obj)["app.kubernetes.io/name"];
        assert.deepEqual([name("api"), name("worker")], ["api", "worker"], "the policy names the pods' real labels");
        const backupPod = spec(one(estate.resources, T.cronJob, "honeydue-redis-backup")).jobTemplate.spec.template;
        assert.equal(backupPod.metadata.labels["app.kubernetes.io/name"], "redis-backup", "and the backup pods' label");
        assert.ok(!s.ingress[0].from[0].podSelector.matchExpressions[0].values.includes(name("admin")));
        const svc = one(estate.resources, T.service, "honeydue-redis");
        assert.equal(metadata(svc).name, "redis", "the address in the ConfigMap");
    });
});

describe("Redis's password and users", () => {
    const redis = () => deployment("redis");
    const appsPassword = mockRedisPassword("honeydue-redis-apps");
    const backupPassword = mockRedisPassword("honeydue-redis-backup");
    const secretData = (r: Registration) => unwrap(r.inputs.stringData) as Obj;
    const aclSecret = () => one(estate.resources, T.secret, "honeydue-redis-acl");
    const backupSecret = () => one(estate.resources, T.secret, "honeydue-redis-backup");
    const nameOf = (r: Registration) => (unwrap(r.state.metadata) as Obj).name as string;

    it("generates two passwords, 40 letters and digits (they go into a URL unescaped), both secret", () => {
        const passwords = ofType(estate.resources, "random:index/randomPassword:RandomPassword").filter((r) => /-redis-/.test(r.name));
        assert.deepEqual(passwords.map((r) => r.name).sort(), ["honeydue-redis-apps", "honeydue-redis-backup"]);
        for (const r of passwords) assert.deepEqual([r.inputs.length, r.inputs.special], [40, false]);
        // Under the workloads component: the parent is part of the URN, so moving them would make an up regenerate both.
        for (const r of passwords) assert.match(r.parent, /\$honeydue:workloads:Apps::honeydue$/, r.name);
        assert.notEqual(appsPassword, backupPassword);
    });

    it("reads its users from an ACL file on a Secret volume: hashes only, the apps denied @admin and what destroys data, not Lua", () => {
        const args = container(redis()).args as string[];
        assert.equal(args[args.indexOf("--aclfile") + 1], "/etc/redis-acl/users.acl");
        assert.ok(!args.some((a) => /requirepass|PLACEHOLDER/.test(a)), "no password on the command line");
        assert.deepEqual((pod(redis()).volumes as Obj[]).find((v) => v.name === "acl"), { name: "acl", secret: { secretName: nameOf(aclSecret()), defaultMode: 0o440 } });
        assert.deepEqual((container(redis()).volumeMounts as Obj[]).find((m) => m.name === "acl"), { name: "acl", mountPath: "/etc/redis-acl", readOnly: true });
        assert.ok(plainText(aclSecret().inputs.stringData).includes("[secret]"), "the file is a secret value");
        assert.deepEqual(secretData(aclSecret()), { "users.acl": aclFile(["@admin", "flushall", "flushdb", "swapdb", "migrate", "restore", "function", "script|debug"], appsPassword, backupPassword) });
        // The file itself, line by line (redis/redis src/acl.c ACLSetUser: `#<sha256 hex>` a password
        // hash, `~*`/`&*` every key/channel, `resetkeys resetchannels` none, `-@all` then `+cmd` only those).
        const hash = (p: string) => createHash("sha256").update(p, "utf8").digest("hex");
        assert.equal(
            secretData(aclSecret())["users.acl"],
            `user default on #${hash(appsPassword)} ~* &* +@all -@admin -flushall -flushdb -swapdb -migrate -restore -function -script|debug\n` +
                `user backup on #${hash(backupPassword)} resetkeys resetchannels -@all +ping +replconf +sync\n`,
        );
        assert.equal(aclFile([], "a", "b").split("\n")[0], `user default on #${hash("a")} ~* &* +@all`, "nothing denied: no trailing space");
        const file = secretData(aclSecret())["users.acl"] as string;
        assert.ok(!file.includes(appsPassword) && !file.includes(backupPassword));
        assert.equal(metadata(aclSecret()).name, undefined, "auto-named: a changed ACL rolls Redis");
        assert.equal(aclSecret().inputs.type, "Opaque");
        assert.deepEqual(metadata(aclSecret()), { namespace: "honeydue", labels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } });
    });

    it("gives the apps their password and a URL carrying it, in the app Secret; the backup's password only to the backup", () => {
        const data = secretData(appSecret());
        assert.equal(data.REDIS_PASSWORD, appsPassword);
        assert.equal(data.REDIS_URL, `redis://:${appsPassword}@redis.honeydue.svc.cluster.local:6379/0`);
        assert.ok(!JSON.stringify(data).includes(backupPassword));
        assert.deepEqual(secretData(backupSecret()), { REDISCLI_AUTH: backupPassword, B2_APPLICATION_KEY: placeholderSecrets["honeydue:b2ApplicationKey"] });
        assert.ok(!JSON.stringify(secretData(backupSecret())).includes(appsPassword));
    });

    it("never shows either password in plain text", () => {
        const text = k8sObjects.map((r) => plainText(r.inputs)).join("\n");
        for (const p of [appsPassword, backupPassword]) assert.ok(!text.includes(p), `${p} in plain text`);
    });
});

describe("the Redis backup CronJob", () => {
    const cron = () => one(estate.resources, T.cronJob, "honeydue-redis-backup");
    const jobSpec = () => spec(cron()).jobTemplate.spec as Obj;
    const backupPod = () => jobSpec().template.spec as Obj;
    const env = (c: Obj) => Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));
    const backupSecretName = () => (unwrap(one(estate.resources, T.secret, "honeydue-redis-backup").state.metadata) as Obj).name as string;

    it("runs on its schedule, one at a time, bounded, keeping a short history", () => {
        const s = spec(cron());
        assert.equal(metadata(cron()).name, "redis-backup");
        assert.deepEqual([s.schedule, s.timeZone, s.concurrencyPolicy, s.startingDeadlineSeconds], ["30 */6 * * *", "Etc/UTC", "Forbid", 3600]);
        assert.deepEqual([s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit], [3, 3]);
        assert.deepEqual([jobSpec().backoffLimit, jobSpec().activeDeadlineSeconds], [2, 1800]);
        assert.equal(backupPod().restartPolicy, "Never");
    });

    it("dumps with the Redis image as the backup user, and uploads with the pinned rclone image, both by the same script", () => {
        const [dump] = backupPod().initContainers as Obj[];
        const [upload] = backupPod().containers as Obj[];
        assert.equal(dump.image, "docker.io/library/redis:7.4.7-alpine");
        assert.equal(upload.image, "docker.io/rclone/rclone:1.75.0");
        const script = readFileSync(join(__dirname, "..", "workloads", "scripts", "redis-backup.sh"), "utf8");
        assert.deepEqual(dump.command, ["/bin/sh", "-c", script, "redis-backup.sh", "dump"]);
        assert.deepEqual(upload.command, ["/bin/sh", "-c", script, "redis-backup.sh", "upload"]);
        assert.deepEqual(env(dump), {
            REDIS_HOST: "redis",
            REDIS_PORT: "6379",
            REDIS_USER: "backup",
            SNAPSHOT_DIR: "/backup",
            REDISCLI_AUTH: { secretKeyRef: { name: backupSecretName(), key: "REDISCLI_AUTH" } },
        });
        assert.deepEqual(env(upload), {
            B2_BUCKET: "honeyDueProd",
            BACKUP_FOLDER: "redis-backups",
            SNAPSHOT_DIR: "/backup",
            HOME: "/tmp",
            RCLONE_CONFIG_B2_TYPE: "s3",
            RCLONE_CONFIG_B2_PROVIDER: "Other",
            RCLONE_CONFIG_B2_ENDPOINT: "https://s3.us-east-005.backblazeb2.com",
            RCLONE_CONFIG_B2_REGION: "us-east-005",
            RCLONE_CONFIG_B2_NO_CHECK_BUCKET: "true",
            RCLONE_CONFIG_B2_ACCESS_KEY_ID: placeholderPlain["honeydue:b2KeyId"],
            RCLONE_CONFIG_B2_SECRET_ACCESS_KEY: { secretKeyRef: { name: backupSecretName(), key: "B2_APPLICATION_KEY" } },
        });
    });

    it("shares the snapshot between its two containers on an emptyDir, locked down like every workload", () => {
        for (const c of [...(backupPod().initContainers as Obj[]), ...(backupPod().containers as Obj[])]) {
            assert.ok((c.volumeMounts as Obj[]).some((m) => m.name === "snapshot" && m.mountPath === "/backup"), c.name);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
            assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] }, c.name);
            assert.ok(c.resources.limits.memory, c.name);
        }
        assert.deepEqual((backupPod().volumes as Obj[]).find((v) => v.name === "snapshot"), { name: "snapshot", emptyDir: { sizeLimit: "5Gi" } });
        assert.equal(backupPod().automountServiceAccountToken, false);
        assert.equal(backupPod().securityContext.runAsNonRoot, true);
    });

    it("runs small, pulls only what is missing, as the redis image's user, with /tmp bounded and no Service variables", () => {
        const containers = [...(backupPod().initContainers as Obj[]), ...(backupPod().containers as Obj[])];
        assert.deepEqual(containers.map((c) => c.name), ["dump", "upload"]);
        for (const c of containers) {
            assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } }, c.name);
            assert.equal(c.imagePullPolicy, "IfNotPresent", c.name);
            assert.deepEqual(c.volumeMounts, [{ name: "snapshot", mountPath: "/backup" }, { name: "tmp", mountPath: "/tmp" }], c.name);
        }
        assert.deepEqual((backupPod().volumes as Obj[]).find((v) => v.name === "tmp"), { name: "tmp", emptyDir: { sizeLimit: "64Mi" } });
        assert.deepEqual(backupPod().securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        assert.equal(backupPod().enableServiceLinks, false);
        const labels = { "app.kubernetes.io/name": "redis-backup", "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/version": "7.4.7-alpine" };
        assert.deepEqual(metadata(cron()).labels, labels);
        assert.deepEqual(jobSpec().template.metadata.labels, labels);
    });

    it("reads its two secrets from a Secret of its own, auto-named so a new key or password reaches the next run", () => {
        const s = one(estate.resources, T.secret, "honeydue-redis-backup");
        assert.equal(s.inputs.type, "Opaque");
        assert.deepEqual(metadata(s), { namespace: "honeydue", labels: { "app.kubernetes.io/name": "redis-backup", "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } });
        assert.ok(plainText(s.inputs.stringData).includes("[secret]"), "its data is a secret value");
    });
});

describe("routes", () => {
    it("has one Ingress per hostname of the routes, to the routed app's Service, on Traefik's web entry point, without TLS", () => {
        const ingresses = ofType(estate.resources, T.ingress);
        const routes = Object.fromEntries(
            ingresses.map((i) => {
                const rule = spec(i).rules[0];
                return [rule.host, rule.http.paths[0].backend.service.name];
            }),
        );
        assert.deepEqual(routes, { "api.myhoneydue.com": "api", "admin.myhoneydue.com": "admin", "myhoneydue.com": "api" });
        for (const i of ingresses) {
            // Ours, not "traefik" (the class k3s's bundled Traefik creates).
            assert.equal(spec(i).ingressClassName, "honeydue-traefik");
            assert.equal(spec(i).tls, undefined);
            assert.equal(spec(i).rules.length, 1);
            // Every path of the hostname (a Prefix of "/"; the API server refuses a Prefix path not starting with "/").
            assert.deepEqual(spec(i).rules[0].http.paths.map((p: Obj) => [p.path, p.pathType]), [["/", "Prefix"]]);
            assert.deepEqual(spec(i).rules[0].http.paths[0].backend.service.port, { name: "http" });
            assert.equal(metadata(i).annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
            for (const node of nodeNames) assert.ok(dependsOn(i, one(estate.resources, C, `${node}-traefik-ready`), estate.resources), `after Traefik serves on ${node}`);
            const app = spec(i).rules[0].http.paths[0].backend.service.name as string;
            assert.ok(dependsOn(i, one(estate.resources, T.service, `honeydue-${app}`), estate.resources), `${i.name} after its Service`);
            assert.deepEqual(metadata(i).labels, { "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" }, i.name);
        }
        assert.deepEqual(ingresses.map((i) => metadata(i).name).sort(), ["admin-myhoneydue-com", "api-myhoneydue-com", "myhoneydue-com"]);
    });

    it("names each Ingress after its hostname as a DNS label, however long the hostname", () => {
        assert.equal(hostLabel("api.myhoneydue.com"), "api-myhoneydue-com");
        const long = `${"a".repeat(60)}.b.example.com`;
        assert.equal(hostLabel(long), `${"a".repeat(60)}-b`);
        assert.equal(hostLabel(`${"a".repeat(62)}.example.com`), "a".repeat(62), "no dash left at the cut");
        // An internationalised label (xn--) cut between its two dashes.
        assert.equal(hostLabel(`${"a".repeat(58)}.xn--bcher-kva.example.com`), `${"a".repeat(58)}-xn`);
    });
});

describe("Traefik", () => {
    const chart = () => one(estate.resources, T.helmChart, "honeydue-traefik");
    const values = () => parse(String(spec(chart()).valuesContent)) as Obj;

    it("is installed by k3s's helm-controller from the pinned Traefik chart, in kube-system", () => {
        assert.equal(chart().inputs.apiVersion, "helm.cattle.io/v1");
        assert.equal(chart().inputs.kind, "HelmChart");
        assert.deepEqual(metadata(chart()).name, "honeydue-traefik");
        const s = spec(chart());
        assert.equal(s.repo, "https://traefik.github.io/charts");
        assert.equal(s.chart, "traefik");
        assert.equal(s.version, "37.1.2");
        assert.equal(s.targetNamespace, "kube-system");
        assert.equal(s.failurePolicy, "abort");
    });

    it("runs as a hostNetwork DaemonSet on 80/443, one node at a time", () => {
        const v = values();
        assert.equal(v.deployment.kind, "DaemonSet");
        assert.equal(v.hostNetwork, true);
        assert.equal(v.ports.web.port, 80);
        assert.equal(v.ports.websecure.port, 443);
        assert.deepEqual(v.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
        assert.deepEqual(v.service, { enabled: false });
    });

    it("can bind 80/443: NET_BIND_SERVICE as root, every other capability dropped, no escalation", () => {
        const v = values();
        assert.deepEqual(v.securityContext.capabilities, { drop: ["ALL"], add: ["NET_BIND_SERVICE"] });
        assert.equal(v.securityContext.allowPrivilegeEscalation, false);
        assert.equal(v.securityContext.readOnlyRootFilesystem, true);
        assert.equal(v.podSecurityContext.runAsUser, 0);
        assert.equal(v.podSecurityContext.runAsNonRoot, false);
    });

    it("trusts X-Forwarded-* from exactly Cloudflare's ranges, with no proxy protocol and no https redirect", () => {
        const v = values();
        const ranges = [...cloudflareRanges.ipv4Cidrs].sort().concat([...cloudflareRanges.ipv6Cidrs].sort());
        for (const ep of ["web", "websecure"]) {
            assert.deepEqual(v.ports[ep].forwardedHeaders, { trustedIPs: ranges, insecure: false }, ep);
            assert.deepEqual(v.ports[ep].proxyProtocol, { trustedIPs: [], insecure: false }, ep);
            assert.equal(v.ports[ep].redirections, undefined, `${ep}: Cloudflare Flexible speaks http to the origin; a redirect would loop`);
        }
    });

    it("publishes every node's own 80 and 443 as Traefik's entry points, resolves cluster names from the host network, and never phones home", () => {
        const v = values();
        assert.deepEqual(v.deployment, { kind: "DaemonSet", dnsPolicy: "ClusterFirstWithHostNet", podAnnotations: { "honeydue-chart-generation": v.deployment.podAnnotations["honeydue-chart-generation"] } });
        for (const [ep, port] of [["web", 80], ["websecure", 443]] as const) {
            const { forwardedHeaders, proxyProtocol, ...rest } = v.ports[ep];
            assert.ok(forwardedHeaders && proxyProtocol, ep);
            assert.deepEqual(rest, { port, expose: { default: true }, exposedPort: port }, ep);
        }
        assert.deepEqual(v.global, { checkNewVersion: false, sendAnonymousUsage: false });
        assert.deepEqual(v.resources, { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "256Mi" } }, "bounded: one Traefik per node beside etcd and the apps");
        assert.deepEqual(v.podSecurityContext, { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } });
    });

    it("is the default IngressClass and watches Ingresses and its own CRDs without publishing a Service's address", () => {
        const v = values();
        assert.deepEqual(v.ingressClass, { enabled: true, isDefaultClass: true, name: "honeydue-traefik" });
        assert.deepEqual(v.providers, {
            kubernetesCRD: { enabled: true, namespaces: ["honeydue"] },
            kubernetesIngress: { enabled: true, publishedService: { enabled: false }, namespaces: ["honeydue"] },
        });
        assert.deepEqual(v.additionalArguments, ["--providers.kubernetesingress.ingressendpoint.hostname=myhoneydue.com", "--providers.kubernetesingress.ingressclass=honeydue-traefik"]);
        assert.deepEqual(metadata(chart()), { name: "honeydue-traefik", namespace: "kube-system", labels: { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } });
    });

    it("does not expose the dashboard and names the ingress class the Ingresses use", () => {
        const v = values();
        assert.deepEqual(v.ingressRoute, { dashboard: { enabled: false } });
        assert.equal(v.ingressClass.name, "honeydue-traefik");
        assert.ok((v.additionalArguments as string[]).includes("--providers.kubernetesingress.ingressendpoint.hostname=myhoneydue.com"));
        assert.ok((v.additionalArguments as string[]).includes("--providers.kubernetesingress.ingressclass=honeydue-traefik"), "serves only its own class");
    });
});

describe("waiting for Traefik", () => {
    // pulumi-kubernetes marks a HelmChart ready at once and helm-controller sets no success
    // condition (workloads/traefikReady.ts cites both), so these commands are the wait.
    const chart = () => one(estate.resources, T.helmChart, "honeydue-traefik");
    const values = () => parse(String(spec(chart()).valuesContent)) as Obj;
    const ready = (node: string) => one(estate.resources, C, `${node}-traefik-ready`);

    it("checks for k3s's bundled Traefik only on adoption: a new cluster has none, and no k3s on node 1 before the bootstrap", () => {
        // The check depends on node 1's server only (workloads/bundledTraefik.ts), not on k3s being
        // installed there; on a new estate it would fail "k3s is not installed" (bundled-traefik.sh).
        assert.equal(estate.resources.filter((r) => r.type === C && r.name === "honeydue-bundled-traefik").length, 0);
        assert.equal(chart().dependencies.filter((d) => d.includes("bundled")).length, 0);
    });

    it("runs a bounded check on every node, after the HelmChart, for the generation the HelmChart carries", () => {
        const generation = values().deployment.podAnnotations["honeydue-chart-generation"] as string;
        assert.match(generation, /^[0-9a-f]{16}$/);
        for (const node of nodeNames) {
            const r = ready(node);
            assert.ok(dependsOn(r, chart(), estate.resources), `${node} waits for the HelmChart`);
            const create = String(unwrap(r.inputs.create));
            // Under the runner's backstop (infra/k3s/scripts.ts, scriptBounds) above the script's own 600 s.
            assert.match(create, new RegExp(`^(sudo -n )?timeout -k 30 900 bash -s -- --node ${node} --chart honeydue-traefik --host myhoneydue.com --generation ${generation} \\|\\| `));
            assert.match(String(r.inputs.stdin), /^#!\/usr\/bin\/env bash\n# Waits, on one server, until Traefik serves there/);
            assert.equal(r.inputs.addPreviousOutputInEnv, false);
            // triggers force a replacement (a re-run): the generation, and the node's server.
            const triggers = unwrap(r.inputs.triggers) as unknown[];
            assert.equal(triggers[0], generation, node);
            assert.equal(triggers.length, 2);
            assert.deepEqual([r.customTimeouts?.create, r.customTimeouts?.update], ["20m", "20m"], "above the script's own 900 s bound");
            assert.equal(r.parent, ofType(estate.resources, "honeydue:workloads:Apps")[0].urn);
            assert.equal(r.deletedWith, one(estate.resources, "hcloud:index/server:Server", node).urn, "goes with its node's server");
        }
    });

    it("has a generation that changes with the chart version and with every value, so the check re-runs on each change", () => {
        const repo = "https://traefik.github.io/charts";
        const edge = { ipv4: ["173.245.48.0/20"], ipv6: ["2400:cb00::/32"] };
        const base = traefikValues(edge, "myhoneydue.com");
        const g = chartGeneration(repo, "37.1.2", base);
        assert.notEqual(chartGeneration(repo, "37.1.3", base), g, "a new chart version");
        assert.notEqual(chartGeneration(repo, "37.1.2", traefikValues({ ...edge, ipv4: ["173.245.48.0/21"] }, "myhoneydue.com")), g, "new trusted ranges");
        assert.equal(chartGeneration(repo, "37.1.2", traefikValues(edge, "myhoneydue.com")), g, "stable for the same spec");
        const r = renderedValues(repo, "37.1.2", base);
        assert.equal(r.generation, g);
        assert.equal((parse(r.valuesContent) as Obj).deployment.podAnnotations["honeydue-chart-generation"], g);
    });
});

describe("the smoke checks (workloads/smoke.ts)", () => {
    const L = "command:local:Command";
    const smoke = (node: string) => one(estate.resources, C, `${node}-smoke`);
    const image = (app: string) => container(deployment(app)).image as string;
    const routes = JSON.stringify([["admin.myhoneydue.com", "admin"], ["api.myhoneydue.com", "api"], ["myhoneydue.com", "api"]]);
    const checks = "--check api.myhoneydue.com api /api/health application/json --check admin.myhoneydue.com admin / text/html --check myhoneydue.com api /api/health application/json";

    it("asks every node's own Traefik for every hostname, after the Ingresses, the Traefik waits and the apps", () => {
        const others = [...ofType(estate.resources, T.ingress), ...nodeNames.map((n) => one(estate.resources, C, `${n}-traefik-ready`)), deployment("api"), deployment("admin")];
        assert.equal(others.length, 8);
        for (const node of nodeNames) {
            const r = smoke(node);
            for (const o of others) assert.ok(dependsOn(r, o, estate.resources), `${node}'s smoke check waits for ${o.name}`);
            const create = String(unwrap(r.inputs.create));
            assert.match(create, new RegExp(`^(sudo -n )?timeout -k 30 300 bash -s -- --node ${node} --namespace honeydue --traefik honeydue-traefik ${checks} \\|\\| `));
            assert.match(String(r.inputs.stdin), /^#!\/usr\/bin\/env bash\n# Asks for every routed hostname/);
            assert.equal(r.inputs.addPreviousOutputInEnv, false);
            assert.deepEqual([r.customTimeouts?.create, r.customTimeouts?.update], ["10m", "10m"], "above the script's 300 s bound");
            assert.match(r.deletedWith, new RegExp(`::${node}$`));
        }
    });

    it("asks an app that has no health path for its root page", () => {
        const settings = { api: { healthPath: "/api/health" }, admin: { healthPath: undefined } } as unknown as Parameters<typeof smokeChecks>[0];
        assert.deepEqual(smokeChecks({ ...settings, routes: { "admin.example.com": "admin", "api.example.com": "api" } }), [
            "--check", "admin.example.com", "admin", "/", "text/html",
            "--check", "api.example.com", "api", "/api/health", "application/json",
        ]);
    });

    it("re-runs on exactly the routed apps' images, the routes, the node's server and Traefik's generation", () => {
        for (const node of nodeNames) {
            const triggers = unwrap(smoke(node).inputs.triggers) as unknown[];
            const server = one(estate.resources, "hcloud:index/server:Server", node);
            const ready = unwrap(one(estate.resources, C, `${node}-traefik-ready`).inputs.triggers) as unknown[];
            assert.deepEqual(triggers, [image("api"), image("admin"), routes, server.id, ready[0]], node);
            assert.match(String(server.id), /\S/, "the server's id is known to the trigger");
        }
    });

    it("re-runs for an app's new image only when that app is routed", () => {
        const settings = { api: { image: "r.io/api:2" }, admin: { image: "r.io/admin:2" } } as unknown as Parameters<typeof plainTriggers>[0];
        assert.deepEqual(plainTriggers({ ...settings, routes: { "api.example.com": "api" } }), ["r.io/api:2", JSON.stringify([["api.example.com", "api"]])]);
    });

    it("asks every hostname through Cloudflare from where pulumi up runs, after the nodes' checks and the DNS records, with no secret in its text", () => {
        const [edge] = ofType(estate.resources, L);
        assert.equal(edge.name, "honeydue-smoke-edge");
        for (const node of nodeNames) assert.ok(dependsOn(edge, smoke(node), estate.resources));
        for (const record of ofType(estate.resources, "cloudflare:index/dnsRecord:DnsRecord")) assert.ok(dependsOn(edge, record, estate.resources), record.name);
        assert.deepEqual([edge.customTimeouts?.create, edge.customTimeouts?.update], ["10m", "10m"], "above its own 300 s timeout");
        assert.equal(unwrap(edge.inputs.create), `timeout -k 30 300 bash -s -- --node cloudflare --edge ${checks.split(" ").map((a) => `'${a}'`).join(" ")}`);
        const servers = nodeNames.map((n) => one(estate.resources, "hcloud:index/server:Server", n).id);
        assert.deepEqual(unwrap(edge.inputs.triggers), [image("api"), image("admin"), routes, ...servers, (unwrap(smoke(nodeNames[0]).inputs.triggers) as unknown[])[4]]);
        const text = plainText(edge.inputs) + nodeNames.map((n) => plainText(smoke(n).inputs.create)).join("");
        for (const secret of Object.values(placeholderSecrets)) assert.ok(!text.includes(secret.slice(0, 24)), "no secret in the checks' text");
    });
});

// Issue 15, least privilege: the namespace's NetworkPolicies, read as kube-router reads them
// (a policy applies to the pods its podSelector matches; a pod it applies to gets only what one
// of them allows). Enforcement itself is the rehearsal's and the end-to-end's.
describe("NetworkPolicies in honeydue", () => {
    type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
    const policies = () => ofType(estate.resources, T.netpol).map((r) => ({ r, name: metadata(r).name as string, s: spec(r) }));
    const matches = (sel: Selector, labels: Record<string, string>) =>
        Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
        (sel.matchExpressions ?? []).every((e) => e.operator === "In" && e.values.includes(labels[e.key]));
    /** Every pod template of the namespace: the Deployments and the migrations Job, with their real labels and ports. */
    // A CronJob's pods are its job template's (the Redis backup).
    const templateOf = (r: Registration) => (r.type === T.cronJob ? spec(r).jobTemplate.spec.template : spec(r).template) as Obj;
    const pods = () =>
        [...ofType(estate.resources, T.deployment), ...ofType(estate.resources, T.job), ...ofType(estate.resources, T.cronJob)].map((r) => ({
            app: (templateOf(r).metadata.labels as Obj)["app.kubernetes.io/name"] as string,
            labels: templateOf(r).metadata.labels as Record<string, string>,
            ports: ((templateOf(r).spec.containers[0].ports ?? []) as Obj[]).map((p) => p.containerPort as number),
        }));
    const podOf = (app: string) => pods().find((p) => p.app === app)!;
    /** "TCP 443 -> 0.0.0.0/0" style lines of what `app` may send (egress) or receive (ingress). */
    function allowed(app: string, dir: "ingress" | "egress"): string[] {
        const p = podOf(app);
        const peers = (rule: Obj) => (rule[dir === "egress" ? "to" : "from"] as Obj[]).map((x) => x.ipBlock?.cidr ?? JSON.stringify(x.podSelector?.matchExpressions?.[0]?.values ?? x.podSelector?.matchLabels));
        return policies()
            .filter((x) => matches(x.s.podSelector, p.labels) && x.s.policyTypes.includes(dir === "egress" ? "Egress" : "Ingress"))
            .flatMap((x) => ((x.s[dir] ?? []) as Obj[]).flatMap((rule) => (rule.ports as Obj[]).map((port) => `${port.protocol} ${port.port} ${[...new Set(peers(rule))].join(",")}`)));
    }
    const deny = () => one(estate.resources, T.netpol, "honeydue-default-deny");

    it("deny everything in and out by default, and the deny comes after every allow", () => {
        assert.deepEqual(spec(deny()), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.equal(metadata(deny()).namespace, "honeydue");
        for (const x of policies().filter((p) => p.name.startsWith("allow-"))) assert.ok(dependsOn(deny(), x.r, estate.resources), `default-deny after ${x.name}`);
    });

    it("select only pods that exist: every app a policy names is a real pod label", () => {
        const apps = new Set(pods().map((p) => p.app));
        for (const x of policies()) {
            for (const e of (x.s.podSelector.matchExpressions ?? []) as Obj[]) for (const v of e.values as string[]) assert.ok(apps.has(v), `${x.name} names ${v}, which no pod carries`);
            for (const rule of [...((x.s.ingress ?? []) as Obj[]).flatMap((r) => r.from), ...((x.s.egress ?? []) as Obj[]).flatMap((r) => r.to)] as Obj[]) {
                for (const e of (rule.podSelector?.matchExpressions ?? []) as Obj[]) for (const v of e.values as string[]) if (!rule.namespaceSelector) assert.ok(apps.has(v), `${x.name} names peer ${v}`);
            }
        }
    });

    it("let every pod resolve names at CoreDNS, on UDP and TCP 53", () => {
        const dns = `{"k8s-app":"kube-dns"}`;
        for (const p of pods()) {
            assert.deepEqual(allowed(p.app, "egress").filter((l) => l.endsWith(dns)), [`UDP 53 ${dns}`, `TCP 53 ${dns}`], p.app);
        }
        const rule = (spec(one(estate.resources, T.netpol, "honeydue-allow-dns")).egress as Obj[])[0];
        assert.deepEqual(rule.to[0].namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } });
    });

    it("let Traefik's nodes reach the API and the admin on exactly their container ports, and nothing else in", () => {
        const ingressPorts = (app: string) => [...new Set(allowed(app, "ingress").map((l) => l.split(" ").slice(0, 2).join(" ")))];
        assert.deepEqual(ingressPorts("api"), [`TCP ${podOf("api").ports[0]}`]);
        assert.deepEqual(ingressPorts("admin"), [`TCP ${podOf("admin").ports[0]}`]);
        assert.deepEqual(podOf("api").ports, [8000]);
        assert.deepEqual(podOf("admin").ports, [3000]);
        for (const app of ["worker", "migrations"]) assert.deepEqual(allowed(app, "ingress"), [], `${app} accepts nothing (kubelet's probes come from its own node)`);
        // Redis: its own redis-clients policy, on the port its container listens on.
        assert.deepEqual(allowed("redis", "ingress"), [`TCP ${podOf("redis").ports[0]} ["api","worker","redis-backup"]`]);
        assert.deepEqual(allowed("redis-backup", "ingress"), [], "nothing connects to the backup");
    });

    it("let the Redis backup reach DNS, Redis on 6379 and B2 on 443 only", () => {
        assert.deepEqual(allowed("redis-backup", "egress").sort(), ["TCP 443 0.0.0.0/0", "TCP 53 {\"k8s-app\":\"kube-dns\"}", "TCP 6379 [\"redis\"]", "UDP 53 {\"k8s-app\":\"kube-dns\"}"].sort());
    });

    it("name Traefik's sources by address: the nodes' private IPs and each node subnet's flannel address, never a pod", () => {
        const from = (spec(one(estate.resources, T.netpol, "honeydue-allow-traefik-to-api")).ingress as Obj[])[0].from as Obj[];
        const cidrs = from.map((f) => f.ipBlock.cidr as string);
        assert.deepEqual(cidrs.slice(0, 3), ["10.0.1.11/32", "10.0.1.12/32", "10.0.1.13/32"]);
        assert.equal(cidrs.length, 3 + 256, "one flannel.1 address per /24 of the cluster CIDR 10.42.0.0/16");
        assert.equal(cidrs[3], "10.42.0.0/32");
        assert.equal(cidrs.at(-1), "10.42.255.0/32");
        assert.ok(cidrs.every((c) => c.endsWith("/32")), "single addresses only");
        assert.ok(cidrs.slice(3).every((c) => /^10\.42\.\d+\.0\/32$/.test(c)), "a subnet's .0 is flannel's, never a pod's");
    });

    it("let out exactly: the API and worker to Redis, Neon, B2 and Fastmail; the migrations to Neon; the admin to 443", () => {
        const outside = (app: string) => allowed(app, "egress").filter((l) => !l.includes("kube-dns"));
        assert.deepEqual(outside("api"), ['TCP 6379 ["redis"]', "TCP 5432 0.0.0.0/0", "TCP 443 0.0.0.0/0", "TCP 587 0.0.0.0/0"]);
        assert.deepEqual(outside("worker"), outside("api"));
        assert.deepEqual(outside("migrations"), ["TCP 5432 0.0.0.0/0", "TCP 443 0.0.0.0/0"]);
        assert.deepEqual(outside("admin"), ["TCP 443 0.0.0.0/0"]);
        assert.deepEqual(outside("redis"), [], "Redis sends nothing out");
        assert.equal(podOf("redis").ports[0], 6379, "the port the API and worker may reach is Redis's own");
    });

    it("read in the plan as what each one lets through", () => {
        const lines = (name: string) => planLines(one(estate.resources, T.netpol, name), estate.resources);
        assert.deepEqual(lines("honeydue-default-deny"), ["denies every ingress and egress connection no other policy allows"]);
        assert.deepEqual(lines("honeydue-allow-dns"), ["may reach kube-dns in kube-system, on 53/udp, 53"]);
        assert.deepEqual(lines("honeydue-allow-traefik-to-api"), ["only 259 node addresses may connect, on 8000"]);
        assert.deepEqual(lines("honeydue-allow-to-redis"), ["may reach redis, on 6379"]);
        assert.deepEqual(lines("honeydue-allow-apps-to-internet"), ["may reach 0.0.0.0/0 but 6 private ranges, on 5432, 443, 587"]);
        assert.deepEqual(lines("honeydue-redis"), ["only api and worker and redis-backup may connect, on 6379"]);
    });

    it("keep the internet allows off the cluster, the private network and the metadata service", () => {
        const web = (spec(one(estate.resources, T.netpol, "honeydue-allow-apps-to-internet")).egress as Obj[])[0].to[0].ipBlock;
        assert.equal(web.cidr, "0.0.0.0/0");
        for (const c of ["10.0.0.0/8", "169.254.0.0/16", "127.0.0.0/8"]) assert.ok(web.except.includes(c), c);
        // 10.42.0.0/16 (pods), 10.43.0.0/16 (Services) and the private network 10.0.0.0/16 are inside 10.0.0.0/8.
        // Every private range (RFC 1918), link-local (the metadata service), loopback and CGNAT: none is a service the apps use.
        assert.deepEqual([...web.except].sort(), ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"]);
    });

    it("keep a cluster or Service range outside the private ranges off the internet allows too", () => {
        const exceptOf = (p: ReturnType<typeof internet>) => (p.ipBlock as { except: string[] }).except;
        const except = exceptOf(internet({ clusterCidr: "198.18.0.0/16", serviceCidr: "10.43.0.0/16" }));
        assert.ok(except.includes("198.18.0.0/16"), "a public-looking cluster CIDR is still the cluster");
        assert.ok(!except.includes("10.43.0.0/16"), "one inside 10.0.0.0/8 is covered already");
        assert.ok(exceptOf(internet({ clusterCidr: "10.42.0.0/16", serviceCidr: "203.0.113.0/24" })).includes("203.0.113.0/24"));
    });

    it("count one flannel address per node subnet, whatever the cluster CIDR's size", () => {
        const flannel = (clusterCidr: string) => nodeSources({ clusterCidr, nodes: [] }).map((p) => (p.ipBlock as { cidr: string }).cidr);
        assert.deepEqual(flannel("10.42.0.0/24"), ["10.42.0.0/32"]);
        assert.deepEqual(flannel("10.42.0.0/25"), ["10.42.0.0/32"], "a range smaller than a node subnet is one subnet");
        assert.deepEqual(flannel("10.42.0.0/23"), ["10.42.0.0/32", "10.42.1.0/32"]);
    });

    it("select by the pods' real labels, in their peers too: each selector matches exactly the apps it names", () => {
        const selectors = policies().flatMap((x) => [
            { where: `${x.name} podSelector`, sel: x.s.podSelector as Selector },
            ...[...((x.s.ingress ?? []) as Obj[]).flatMap((r) => r.from), ...((x.s.egress ?? []) as Obj[]).flatMap((r) => r.to)]
                .filter((peer: Obj) => peer.podSelector && !peer.namespaceSelector)
                .map((peer: Obj) => ({ where: `${x.name} peer`, sel: peer.podSelector as Selector })),
        ]);
        assert.ok(selectors.length > 10);
        for (const { where, sel } of selectors) {
            if (!sel.matchExpressions && !sel.matchLabels) continue; // {}: every pod (the default deny)
            const named = [...(sel.matchExpressions ?? []).flatMap((e) => e.values), ...Object.entries(sel.matchLabels ?? {}).filter(([k]) => k === "app.kubernetes.io/name").map(([, v]) => v)];
            const selected = pods().filter((p) => matches(sel, p.labels)).map((p) => p.app);
            assert.ok(selected.length > 0, `${where} selects no pod`);
            assert.deepEqual([...new Set(selected)].sort(), [...new Set(named)].sort(), where);
        }
    });

    it("are each named for what they allow, once, with the estate's labels, and declare exactly the directions they rule", () => {
        const names = policies().map((x) => x.name);
        assert.equal(new Set(names).size, names.length, "no two share a name (Kubernetes would keep only one)");
        for (const x of policies()) {
            assert.match(x.name, /^(default-deny|allow-[a-z0-9]+(-[a-z0-9]+)*|redis-clients)$/, x.name);
            const meta = metadata(x.r);
            assert.equal(meta.labels["app.kubernetes.io/part-of"], "honeydue", x.name);
            // workloads/networkPolicies.ts's own (Redis's redis-clients is Redis's, labelled as Redis).
            if (x.name !== "redis-clients") assert.equal(meta.labels["app.kubernetes.io/name"], "network-policy", x.name);
            if (x.name === "default-deny") continue;
            const expected = [...(x.s.ingress ? ["Ingress"] : []), ...(x.s.egress ? ["Egress"] : [])];
            assert.deepEqual(x.s.policyTypes, expected, `${x.name}: a policyType without rules would deny that direction for its pods`);
        }
    });
});

describe("Traefik's privileges (least privilege)", () => {
    const values = () => parse(String(spec(one(estate.resources, T.helmChart, "honeydue-traefik")).valuesContent)) as Obj;
    const rules = (type: string) => (one(estate.resources, type, type === T.clusterRole || type === T.clusterRoleBinding ? "honeydue-traefik-cluster" : "honeydue-traefik").inputs.rules ?? []) as Obj[];

    it("turns the chart's RBAC off and watches only honeydue", () => {
        const v = values();
        assert.deepEqual(v.rbac, { enabled: false });
        assert.deepEqual(v.providers.kubernetesIngress.namespaces, ["honeydue"]);
        assert.deepEqual(v.providers.kubernetesCRD.namespaces, ["honeydue"]);
    });

    it("binds ping (8080) and metrics (9100) to loopback only", () => {
        const v = values();
        assert.deepEqual(v.ports.traefik, { hostIP: "127.0.0.1" });
        assert.deepEqual(v.ports.metrics, { hostIP: "127.0.0.1" });
    });

    it("may read Secrets in honeydue only: no cluster-wide rule names secrets", () => {
        const cluster = rules(T.clusterRole);
        assert.deepEqual(cluster.flatMap((r) => r.resources).sort(), ["ingressclasses", "nodes"]);
        assert.ok(cluster.every((r) => (r.verbs as string[]).every((v) => ["get", "list", "watch"].includes(v))), "read-only");
        const role = one(estate.resources, T.role, "honeydue-traefik");
        assert.equal(metadata(role).namespace, "honeydue");
        assert.ok(rules(T.role).some((r) => r.resources.includes("secrets")));
        assert.ok(rules(T.role).every((r) => !r.resources.includes("*") && !r.verbs.includes("*")));
        const writes = rules(T.role).filter((r) => (r.verbs as string[]).some((v) => !["get", "list", "watch"].includes(v)));
        assert.deepEqual(writes, [{ apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] }], "its only write: the Ingress status Pulumi waits for");
    });

    // What Traefik v3.5.3's two providers list and watch (traefik/traefik pkg/provider/kubernetes/crd/client.go
    // and ingress/client.go, WatchAll): one informer per resource, in each watched namespace, then
    // the cluster-scoped ones. An informer that may not `list` or `watch` never syncs, and WatchAll
    // waits for every cache (WaitForCacheSync) before the provider hands Traefik any configuration.
    const informers: Record<string, string[]> = {
        "": ["services", "configmaps", "secrets"],
        "discovery.k8s.io": ["endpointslices"],
        "networking.k8s.io": ["ingresses"],
        "traefik.io": ["ingressroutes", "middlewares", "middlewaretcps", "ingressroutetcps", "ingressrouteudps", "tlsoptions", "serverstransports", "serverstransporttcps", "tlsstores", "traefikservices"],
    };
    const clusterInformers: Record<string, string[]> = { "": ["nodes"], "networking.k8s.io": ["ingressclasses"] };
    const grants = (rs: Obj[], group: string, resource: string, verb: string) =>
        rs.some((r) => (r.apiGroups as string[]).includes(group) && (r.resources as string[]).includes(resource) && (r.verbs as string[]).includes(verb));

    it("may list and watch everything its providers' informers watch, or its providers never start", () => {
        for (const [group, resources] of Object.entries(informers))
            for (const resource of resources) for (const verb of ["list", "watch"]) assert.ok(grants(rules(T.role), group, resource, verb), `the Role grants ${verb} on ${group || "core"}/${resource} in honeydue`);
        for (const [group, resources] of Object.entries(clusterInformers))
            for (const resource of resources) for (const verb of ["list", "watch"]) assert.ok(grants(rules(T.clusterRole), group, resource, verb), `the ClusterRole grants ${verb} on ${group || "core"}/${resource}`);
        // The Ingress status Pulumi waits for (ingress/client.go UpdateIngressStatus: UpdateStatus).
        assert.ok(grants(rules(T.role), "networking.k8s.io", "ingresses/status", "update"));
    });

    it("grants exactly these rights: reads of what its providers watch, pods by name, and the Ingress status", () => {
        const read = ["get", "list", "watch"];
        assert.deepEqual(rules(T.role), [
            { apiGroups: [""], resources: ["services", "configmaps", "secrets"], verbs: read },
            { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
            { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
            { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
            {
                apiGroups: ["traefik.io"],
                resources: ["ingressroutes", "ingressroutetcps", "ingressrouteudps", "middlewares", "middlewaretcps", "serverstransports", "serverstransporttcps", "tlsoptions", "tlsstores", "traefikservices"],
                verbs: read,
            },
        ]);
        assert.deepEqual(rules(T.clusterRole), [
            { apiGroups: ["networking.k8s.io"], resources: ["ingressclasses"], verbs: read },
            { apiGroups: [""], resources: ["nodes"], verbs: read },
        ]);
        const labels = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" };
        for (const type of [T.clusterRole, T.clusterRoleBinding, T.role, T.roleBinding]) {
            const r = one(estate.resources, type, type === T.clusterRole || type === T.clusterRoleBinding ? "honeydue-traefik-cluster" : "honeydue-traefik");
            assert.deepEqual(metadata(r).labels, labels, r.name);
        }
    });

    it("binds both roles to the chart's ServiceAccount, before the HelmChart", () => {
        const chart = one(estate.resources, T.helmChart, "honeydue-traefik");
        for (const [type, kind, name] of [[T.clusterRoleBinding, "ClusterRole", "honeydue-traefik-cluster"], [T.roleBinding, "Role", "honeydue-traefik"]]) {
            const b = one(estate.resources, type, name);
            assert.deepEqual(b.inputs.subjects, [{ kind: "ServiceAccount", name: "honeydue-traefik", namespace: "kube-system" }]);
            assert.deepEqual(unwrap(b.inputs.roleRef), { apiGroup: "rbac.authorization.k8s.io", kind, name });
            assert.ok(dependsOn(chart, b, estate.resources), `the HelmChart after ${name}`);
        }
    });
});
