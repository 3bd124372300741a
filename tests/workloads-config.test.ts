// The workloads follow their configuration: a stack that changes every workload setting gets
// exactly those values in the objects (one run of the estate with overrides).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { dependsOn, ofType, one, plainText, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { payloadFiles } from "./support/payload";

type Obj = Record<string, any>;
let estate: Estate;
const get = (type: string, name: string) => unwrap(one(estate.resources, type, name).inputs) as Obj;
const deployment = (app: string) => get("kubernetes:apps/v1:Deployment", `honeydue-${app}`);

// Run by each describe's own `before`, not a file-level one: mutation testing runs config's test
// files in one process (mutation/layers.mjs), where a file-level hook runs before the first test of
// every file (node:test hooks of the root), so each mutant would pay for this estate run before the
// quick files could kill it. runEstate gives the same run to every call with this configuration.
const configured = async () => {
    estate = await runEstate({
        overrides: {
            "honeydue:routes": { "api.myhoneydue.com": "api", "panel.myhoneydue.com": "admin" },
            "honeydue:api": { replicas: 3, port: 9000, healthPath: "/livez", command: ["/app/api", "serve"], memory: "300Mi", memoryLimit: "600Mi" },
            "honeydue:worker": { image: "gitea.treytartt.com/treytartt/honeydue-worker:v2.1.0" },
            // A port and a health path on the migrations too: the Job must still get no probes.
            "honeydue:migrations": { image: "gitea.treytartt.com/treytartt/honeydue-migrate:release_2025.01", command: ["goose", "-dir", "/migrations", "up"], port: 8080, healthPath: "/healthz" },
            // Two adoptable objects the book's cluster (tests/adopt-kubernetes.test.ts) does not run.
            "honeydue:adopt": { kubernetes: ["PodDisruptionBudget/api", "NetworkPolicy/redis-clients"] },
            "honeydue:redis": { node: "ubuntu-8gb-nbg1-3", storage: "10Gi", maxMemory: "256Mi", denied: ["@admin", "@dangerous"], backupSchedule: "5 3 * * *", backupFolder: "backups/redis" },
            // Separate B2 keys for the etcd snapshots and the Redis backup (config/b2Keys.ts).
            "honeydue:etcdB2KeyId": "PLACEHOLDERetcdKeyId00000",
            "honeydue:etcdB2ApplicationKey": "PLACEHOLDERetcdApplicationKey0",
            "honeydue:redisBackupB2KeyId": "PLACEHOLDERbackupKeyId000",
            "honeydue:redisBackupB2ApplicationKey": "PLACEHOLDERbackupApplicationKey",
            "honeydue:traefik": { chartVersion: "37.4.0" },
            "honeydue:protect": false,
            "honeydue:smokeThroughEdge": false,
            "honeydue:smtpPort": 465,
            "honeydue:appSecrets": { JWT_SECRET: "PLACEHOLDER-jwt-secret", SESSION_KEY: "PLACEHOLDER-session-key" },
        },
        secretKeys: ["honeydue:etcdB2ApplicationKey", "honeydue:redisBackupB2ApplicationKey"],
    });
};

describe("configured workloads", () => {
    before(configured);
    it("use the API's replicas, port, health path, command and memory", () => {
        const d = deployment("api");
        const c = d.spec.template.spec.containers[0];
        assert.equal(d.spec.replicas, 3);
        assert.deepEqual(c.command, ["/app/api", "serve"]);
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 9000, protocol: "TCP" }]);
        assert.deepEqual(c.readinessProbe.httpGet, { port: 9000, path: "/livez" });
        assert.deepEqual(c.resources, { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } });
    });

    it("name the migrations Job after a sanitised tag, and still gate the apps on it", () => {
        const [job] = ofType(estate.resources, "kubernetes:batch/v1:Job");
        assert.equal((unwrap(job.inputs.metadata) as Obj).name, "migrate-release-2025-01");
        assert.deepEqual((unwrap(job.inputs.spec) as Obj).template.spec.containers[0].command, ["goose", "-dir", "/migrations", "up"]);
        assert.ok(dependsOn(one(estate.resources, "kubernetes:apps/v1:Deployment", "honeydue-api"), job, estate.resources));
        assert.ok(dependsOn(one(estate.resources, "kubernetes:apps/v1:Deployment", "honeydue-worker"), job, estate.resources));
        assert.equal(deployment("worker").metadata.labels["app.kubernetes.io/version"], "v2.1.0");
    });

    it("never probe the migrations Job over HTTP, even given a port and a health path (goose serves nothing; a failing startup probe would kill the migration)", () => {
        const [job] = ofType(estate.resources, "kubernetes:batch/v1:Job");
        const c = (unwrap(job.inputs.spec) as Obj).template.spec.containers[0];
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }], "the configured port is taken");
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) assert.equal(c[probe], undefined, probe);
    });

    it("adopt the API's disruption budget and Redis's NetworkPolicy when adopt.kubernetes lists them, by namespace/name", () => {
        const pdb = one(estate.resources, "kubernetes:policy/v1:PodDisruptionBudget", "honeydue-api");
        assert.equal(pdb.importId, "honeydue/api");
        const np = one(estate.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "honeydue-redis");
        assert.equal(np.importId, "honeydue/redis-clients");
        assert.equal(one(estate.resources, "kubernetes:policy/v1:PodDisruptionBudget", "honeydue-admin").importId, "", "only what is listed");
    });

    it("route exactly the configured hostnames and derive the public URLs from them", () => {
        const hosts = ofType(estate.resources, "kubernetes:networking.k8s.io/v1:Ingress").map((i) => (unwrap(i.inputs.spec) as Obj).rules[0].host).sort();
        assert.deepEqual(hosts, ["api.myhoneydue.com", "panel.myhoneydue.com"]);
        const data = ofType(estate.resources, "kubernetes:core/v1:ConfigMap")[0].inputs.data as Obj;
        assert.equal(data.PUBLIC_ADMIN_URL, "https://panel.myhoneydue.com");
        assert.equal(data.PUBLIC_SITE_URL, undefined, "the apex is not routed");
    });

    it("pin Redis to the configured node with the configured volume and memory, unprotected when protect is off", () => {
        const d = deployment("redis");
        assert.deepEqual(d.spec.template.spec.nodeSelector, { "kubernetes.io/hostname": "ubuntu-8gb-nbg1-3" });
        const args = d.spec.template.spec.containers[0].args as string[];
        assert.equal(args[args.indexOf("--maxmemory") + 1], "256mb");
        const claim = one(estate.resources, "kubernetes:core/v1:PersistentVolumeClaim", "honeydue-redis-data");
        assert.deepEqual((unwrap(claim.inputs.spec) as Obj).resources.requests, { storage: "10Gi" });
        assert.equal(claim.protect, false);
    });

    it("install the configured Traefik chart version", () => {
        const chart = get("kubernetes:helm.cattle.io/v1:HelmChart", "honeydue-traefik");
        assert.equal(chart.spec.version, "37.4.0");
        assert.equal(parse(chart.spec.valuesContent).deployment.kind, "DaemonSet");
    });

    it("reference every extra app secret by key, and keep its value secret", () => {
        const env = deployment("api").spec.template.spec.containers[0].env as Obj[];
        // PORT first: the configured port, a plain value (not the image's default).
        assert.deepEqual(env[0], { name: "PORT", value: "9000" });
        assert.deepEqual(env.slice(1).map((e) => e.name), ["DATABASE_URL", "B2_APPLICATION_KEY", "SMTP_PASSWORD", "REDIS_PASSWORD", "REDIS_URL", "JWT_SECRET", "SESSION_KEY"]);
        assert.deepEqual((deployment("admin").spec.template.spec.containers[0].env as Obj[]).map((e) => e.name), ["PORT", "JWT_SECRET", "SESSION_KEY"]);
        const text = estate.resources.map((r) => plainText(r.inputs)).join("\n");
        assert.ok(!text.includes("PLACEHOLDER-session-key"));
    });
});

describe("separate B2 keys and the Redis backup's settings", () => {
    before(configured);
    const cronJob = () => get("kubernetes:batch/v1:CronJob", "honeydue-redis-backup");
    const env = (c: Obj) => Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

    it("give the etcd snapshots their own key, in the credentials drop-in only", () => {
        const k3s = one(estate.resources, "command:remote:Command", "ubuntu-8gb-nbg1-1-k3s");
        const files = payloadFiles(String(unwrap(k3s.inputs.stdin)));
        assert.deepEqual(parse(files["etcd-s3-credentials.yaml"]), { "etcd-s3-access-key": "PLACEHOLDERetcdKeyId00000", "etcd-s3-secret-key": "PLACEHOLDERetcdApplicationKey0" });
    });

    it("give the Redis backup its own key, and the apps keep the shared one", () => {
        const upload = cronJob().spec.jobTemplate.spec.template.spec.containers[0];
        assert.equal(env(upload).RCLONE_CONFIG_B2_ACCESS_KEY_ID, "PLACEHOLDERbackupKeyId000");
        assert.equal(env(upload).BACKUP_FOLDER, "backups/redis");
        const secret = get("kubernetes:core/v1:Secret", "honeydue-redis-backup");
        assert.equal(secret.stringData.B2_APPLICATION_KEY, "PLACEHOLDERbackupApplicationKey");
        const app = get("kubernetes:core/v1:Secret", "honeydue-app");
        assert.equal(app.stringData.B2_APPLICATION_KEY, "PLACEHOLDERb2ApplicationKey000");
        const settings = ofType(estate.resources, "kubernetes:core/v1:ConfigMap")[0].inputs.data as Obj;
        assert.equal(settings.B2_KEY_ID, "PLACEHOLDERb2KeyId0000000");
        const text = estate.resources.map((r) => plainText(r.inputs)).join("\n");
        for (const key of ["PLACEHOLDERetcdApplicationKey0", "PLACEHOLDERbackupApplicationKey"]) assert.ok(!text.includes(key), `${key} in plain text`);
    });

    it("run the backup on the configured schedule, and deny the apps only the configured categories", () => {
        assert.equal(cronJob().spec.schedule, "5 3 * * *");
        const acl = get("kubernetes:core/v1:Secret", "honeydue-redis-acl").stringData["users.acl"] as string;
        assert.match(acl.split("\n")[0], / ~\* &\* \+@all -@admin -@dangerous$/);
    });
});

describe("configured smoke checks", () => {
    before(configured);
    it("ask the configured hostnames on the configured health path, and not through Cloudflare when honeydue:smokeThroughEdge is false", () => {
        const smoke = one(estate.resources, "command:remote:Command", "ubuntu-8gb-nbg1-1-smoke");
        assert.match(String(unwrap(smoke.inputs.create)), / --check api\.myhoneydue\.com api \/livez application\/json --check panel\.myhoneydue\.com admin \/ text\/html \|\| /);
        const triggers = unwrap(smoke.inputs.triggers) as unknown[];
        assert.equal(triggers[2], JSON.stringify([["api.myhoneydue.com", "api"], ["panel.myhoneydue.com", "admin"]]));
        assert.deepEqual(ofType(estate.resources, "command:local:Command"), []);
    });
});

describe("configured NetworkPolicies", () => {
    before(configured);
    it("opens the NetworkPolicies on the configured ports: the API's container port to Traefik, the SMTP port out", () => {
        const netpol = (name: string) => get("kubernetes:networking.k8s.io/v1:NetworkPolicy", `honeydue-allow-${name}`).spec;
        assert.deepEqual(netpol("traefik-to-api").ingress[0].ports, [{ protocol: "TCP", port: 9000 }]);
        const out = (netpol("apps-to-internet").egress[0].ports as Obj[]).map((p) => p.port);
        assert.ok(out.includes(465), `the API and worker reach the configured SMTP port 465 (allowed: ${out.join(", ")})`);
        assert.ok(!out.includes(587), "and not a port nothing uses");
    });
});
