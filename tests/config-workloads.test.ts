// Bad workload settings stop the program with one message naming the key, what was wrong and
// what is expected. loadConfig reads only configuration, so the cases share this process.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { b2KeyFor, b2KeysNote } from "../config/b2Keys";
import { bytes } from "../config/workloads";
import { migrationJobName } from "../workloads/migrations";
import { load, problems, rejects } from "./support/config";

describe("workload configuration", () => {
    it("defaults every app's user and writable paths", () => {
        const c = load({});
        assert.equal(c.api.runAsUser, 65532);
        assert.deepEqual(c.api.writablePaths, ["/tmp"]);
        assert.equal(c.admin.runAsUser, 1001);
        assert.deepEqual(c.admin.writablePaths, ["/tmp", "/app/.next/cache"]);
        assert.deepEqual(c.migrations.command, ["goose", "up"]);
        assert.equal(c.traefik.chartVersion, "37.1.2");
    });

    it("takes a memory request equal to its limit", () =>
        assert.deepEqual(load({ "honeydue:api": { memory: "512Mi", memoryLimit: "512Mi" } }).api.memory, "512Mi"));
    it("rejects a memory request above the limit", () =>
        rejects({ "honeydue:api": { memory: "1Gi", memoryLimit: "512Mi" } }, "honeydue:api", /memory 1Gi is above memoryLimit 512Mi; expected a request at or below the limit/));
    it("rejects a Redis maxMemory above 60% of its limit (an AOF rewrite's fork shares the cgroup), and takes 60% exactly", () => {
        rejects({ "honeydue:redis": { maxMemory: "384Mi", memoryLimit: "512Mi" } }, "honeydue:redis.maxMemory", /384Mi is above 60% of redis.memoryLimit 512Mi \(307Mi\); expected at most that/);
        rejects({ "honeydue:redis": { maxMemory: "512Mi", memoryLimit: "512Mi" } }, "honeydue:redis.maxMemory", /above 60%/);
        assert.equal(load({ "honeydue:redis": { maxMemory: "600Mi", memoryLimit: "1000Mi" } }).redis.maxMemory, "600Mi");
        const d = load({}).redis;
        assert.ok(bytes(d.maxMemory) <= 0.6 * bytes(d.memoryLimit), `the default ${d.maxMemory} fits under ${d.memoryLimit}`);
    });
    // The per-app checks hold for every app the cluster runs, not for the first ones listed.
    for (const key of ["api", "admin", "worker", "migrations"]) {
        it(`rejects ${key}'s image from another registry and a memory request above its limit`, () => {
            rejects({ [`honeydue:${key}`]: { image: "ghcr.io/someone/honeydue:1.0.0" } }, `honeydue:${key}`, /image ghcr\.io\/someone\/honeydue:1\.0\.0 comes from ghcr\.io; expected an image from the registry gitea\.treytartt\.com/);
            rejects({ [`honeydue:${key}`]: { memory: "600Mi", memoryLimit: "512Mi" } }, `honeydue:${key}`, /memory 600Mi is above memoryLimit 512Mi/);
        });
    }
    it("keeps two replicas of what users reach (api, admin) and lets the worker and migrations run one", () => {
        for (const key of ["api", "admin"]) rejects({ [`honeydue:${key}`]: { replicas: 1 } }, `honeydue:${key}.replicas (got 1)`, /expected a whole number from 2 to 20/);
        for (const key of ["worker", "migrations"] as const) assert.equal(load({ [`honeydue:${key}`]: { replicas: 1 } })[key].replicas, 1);
        assert.equal(load({ "honeydue:admin": { replicas: 2 } }).admin.replicas, 2);
    });
    it("defaults Redis's ACL denials and backup, and rejects a bad entry, schedule or folder", () => {
        const d = load({}).redis;
        assert.deepEqual([d.denied, d.backupSchedule, d.backupFolder, d.backupImage], [["@admin", "flushall", "flushdb", "swapdb", "migrate", "restore", "function", "script|debug"], "30 */6 * * *", "redis-backups", "docker.io/rclone/rclone:1.75.0"]);
        assert.equal(d.image, "docker.io/library/redis:7.4.7-alpine");
        rejects({ "honeydue:redis": { denied: ["-@admin"] } }, "honeydue:redis.denied.0", /expected an ACL category such as @scripting or a command such as flushall/);
        rejects({ "honeydue:redis": { backupSchedule: "daily" } }, "honeydue:redis.backupSchedule", /expected a five-field cron expression/);
        // The API server parses a CronJob's schedule with robfig/cron's ParseStandard, untrimmed
        // (kubernetes/kubernetes pkg/apis/batch/validation/validation.go validateScheduleFormat):
        // " @daily" would be refused there, mid-deploy; the blanks are dropped here instead.
        assert.equal(load({ "honeydue:redis": { backupSchedule: " @daily " } }).redis.backupSchedule, "@daily");
        rejects({ "honeydue:redis": { backupFolder: "/backups/" } }, "honeydue:redis.backupFolder", /expected a folder name such as redis-backups/);
        rejects({ "honeydue:redis": { backupImage: "rclone/rclone" } }, "honeydue:redis.backupImage", /./);
    });
    it("keeps the Redis backups and the etcd snapshots in separate folders (each key's name prefix covers its own)", () => {
        rejects({ "honeydue:redis": { backupFolder: "etcd-snapshots" } }, "honeydue:etcdSnapshotFolder", /etcd-snapshots and redis.backupFolder etcd-snapshots overlap \(one name begins with the other\); expected folders whose names do not begin with one another/);
        rejects({ "honeydue:redis": { backupFolder: "etcd-snapshots/redis" } }, "honeydue:etcdSnapshotFolder", /etcd-snapshots and redis.backupFolder etcd-snapshots\/redis overlap/);
        // The etcd key's name prefix has no "/" (k3s lists with the bare folder name): it covers etcd-snapshots-redis/ too.
        rejects({ "honeydue:redis": { backupFolder: "etcd-snapshots-redis" } }, "honeydue:etcdSnapshotFolder", /etcd-snapshots and redis.backupFolder etcd-snapshots-redis overlap \(one name begins with the other\)/);
        rejects({ "honeydue:redis": { backupFolder: "etcd" } }, "honeydue:etcdSnapshotFolder", /: etcd-snapshots and redis\.backupFolder etcd overlap \(one name begins with the other\); expected folders whose names do not begin with one another, so each B2 key's name prefix covers only its own files$/);
        assert.equal(load({ "honeydue:redis": { backupFolder: "backups/redis" } }).redis.backupFolder, "backups/redis", "a folder whose name does not begin with the other's");
    });
    it("takes a use's own B2 key only whole: its id and its secret application key", () => {
        const id = "PLACEHOLDERetcdKeyId00000";
        const key = "PLACEHOLDERetcdApplicationKey0";
        rejects({ "honeydue:etcdB2KeyId": id }, "honeydue:etcdB2KeyId", /set without honeydue:etcdB2ApplicationKey; expected both .* or neither \(then b2KeyId is used\)/);
        rejects({ "honeydue:redisBackupB2ApplicationKey": key }, "honeydue:redisBackupB2ApplicationKey", /set without honeydue:redisBackupB2KeyId; expected both/, ["honeydue:redisBackupB2ApplicationKey"]);
        rejects({ "honeydue:etcdB2KeyId": id, "honeydue:etcdB2ApplicationKey": key }, "honeydue:etcdB2ApplicationKey is stored in plain text", /expected a secret/);
        const c = load({ "honeydue:etcdB2KeyId": id, "honeydue:etcdB2ApplicationKey": key }, ["honeydue:etcdB2ApplicationKey"]);
        assert.equal(c.etcdB2KeyId, id);
    });
    it("takes a use's own B2 key id and key only in B2's forms, never echoing the key", () => {
        const found = problems({ "honeydue:etcdB2KeyId": "short", "honeydue:etcdB2ApplicationKey": "short-secret" }, ["honeydue:etcdB2ApplicationKey"]);
        assert.deepEqual(found, ["honeydue:etcdB2KeyId (got short): expected a Backblaze B2 application key id (12-40 letters and digits)", "honeydue:etcdB2ApplicationKey: expected a Backblaze B2 application key (20-64 characters)"]);
        for (const id of ["a".repeat(12), "a".repeat(40)]) assert.equal(load({ "honeydue:redisBackupB2KeyId": id, "honeydue:redisBackupB2ApplicationKey": "k".repeat(20) }, ["honeydue:redisBackupB2ApplicationKey"]).redisBackupB2KeyId, id);
        for (const id of ["a".repeat(11), "a".repeat(41), `${"a".repeat(12)}-`, `-${"a".repeat(12)}`]) {
            assert.deepEqual(problems({ "honeydue:redisBackupB2KeyId": id, "honeydue:redisBackupB2ApplicationKey": "k".repeat(20) }, ["honeydue:redisBackupB2ApplicationKey"]), [`honeydue:redisBackupB2KeyId (got ${id}): expected a Backblaze B2 application key id (12-40 letters and digits)`]);
        }
        for (const key of ["k".repeat(64), "k/+".repeat(7)]) assert.doesNotThrow(() => load({ "honeydue:redisBackupB2KeyId": "a".repeat(12), "honeydue:redisBackupB2ApplicationKey": key }, ["honeydue:redisBackupB2ApplicationKey"]));
        for (const key of ["k".repeat(19), "k".repeat(65), `${"k".repeat(20)}-`, `-${"k".repeat(20)}`]) {
            assert.deepEqual(problems({ "honeydue:redisBackupB2KeyId": "a".repeat(12), "honeydue:redisBackupB2ApplicationKey": key }, ["honeydue:redisBackupB2ApplicationKey"]), ["honeydue:redisBackupB2ApplicationKey: expected a Backblaze B2 application key (20-64 characters)"]);
        }
    });
    it("hands each B2 use its own key when it has one, else the apps' key, the application key always a secret", async () => {
        const id = "PLACEHOLDERetcdKeyId00000";
        const key = "PLACEHOLDERetcdApplicationKey0";
        const value = (o: pulumi.Output<string>) => new Promise<string>((resolve) => o.apply(resolve));
        const c = load({ "honeydue:etcdB2KeyId": id, "honeydue:etcdB2ApplicationKey": key }, ["honeydue:etcdB2ApplicationKey"]);
        const etcd = b2KeyFor(c, "etcd");
        assert.deepEqual([etcd.keyId, etcd.shared, await value(etcd.applicationKey), await pulumi.isSecret(etcd.applicationKey)], [id, false, key, true]);
        const redis = b2KeyFor(c, "redisBackup");
        assert.deepEqual([redis.keyId, redis.shared, await value(redis.applicationKey), await pulumi.isSecret(redis.applicationKey)], [c.b2KeyId, true, "PLACEHOLDERb2ApplicationKey000", true]);
    });
    it("says in the plan which B2 uses share the apps' key", () => {
        assert.equal(b2KeysNote({}), "B2 keys: the etcd snapshots and the Redis backups share the apps' key (honeydue:b2KeyId); each can have its own, restricted to its folder (README, Security, B2 keys)");
        assert.equal(b2KeysNote({ redisBackupB2KeyId: "x" }), "B2 keys: the etcd snapshots share the apps' key (honeydue:b2KeyId); each can have its own, restricted to its folder (README, Security, B2 keys)");
        assert.equal(b2KeysNote({ etcdB2KeyId: "x" }), "B2 keys: the Redis backups share the apps' key (honeydue:b2KeyId); each can have its own, restricted to its folder (README, Security, B2 keys)");
        assert.equal(b2KeysNote({ etcdB2KeyId: "x", redisBackupB2KeyId: "y" }), "B2 keys: the apps, the etcd snapshots and the Redis backups each have their own key");
    });
    it("rejects root as an app's user", () => rejects({ "honeydue:admin": { runAsUser: 0 } }, "honeydue:admin.runAsUser (got 0)", /expected a whole number from 1 to 2147483647/));
    it("rejects a relative writable path, one with a slash inside it too", () => {
        for (const path of ["tmp", "tmp/cache"]) rejects({ "honeydue:api": { writablePaths: [path] } }, "honeydue:api.writablePaths.0", /expected an absolute path such as \/tmp/);
    });
    it("rejects a Redis backup folder that begins with a slash", () =>
        rejects({ "honeydue:redis": { backupFolder: "/redis-backups" } }, "honeydue:redis.backupFolder", /expected a folder name such as redis-backups \(no leading or trailing \/\)/));
    it("takes a chart version with several digits in each part", () => assert.equal(load({ "honeydue:traefik": { chartVersion: "38.10.12" } }).traefik.chartVersion, "38.10.12"));
    // Each size names an example of its own kind in the message, so the operator sees what a size looks like.
    it("names an example size for each size it refuses", () => {
        for (const [key, value, where, example] of [
            ["honeydue:api", { memoryLimit: "lots" }, "honeydue:api.memoryLimit", "512Mi"],
            ["honeydue:redis", { storage: "lots" }, "honeydue:redis.storage", "5Gi"],
            ["honeydue:redis", { maxMemory: "lots" }, "honeydue:redis.maxMemory", "300Mi"],
            ["honeydue:redis", { memoryLimit: "lots" }, "honeydue:redis.memoryLimit", "512Mi"],
        ] as const) {
            assert.deepEqual(problems({ [key]: value }), [`${where} (got lots): expected a Kubernetes quantity such as ${example} (or 512M, 1G, 1.5Gi)`], where);
        }
    });
    it("rejects a writable path given twice", () => rejects({ "honeydue:api": { writablePaths: ["/tmp", "/tmp"] } }, "honeydue:api.writablePaths", /expected each path once/));
    it("takes an image pinned by digest, with or without its tag, for every configured image; refuses a malformed digest", () => {
        const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
        for (const key of ["api", "admin", "worker", "migrations", "redis"] as const) {
            const name = key === "redis" ? "docker.io/library/redis" : `gitea.treytartt.com/treytartt/honeydue-${key}`;
            for (const image of [`${name}:1.2.3@${digest}`, `${name}@${digest}`]) assert.equal(load({ [`honeydue:${key}`]: { image } })[key].image, image);
            const short = `${name}:1.2.3@sha256:${"0".repeat(63)}`;
            rejects({ [`honeydue:${key}`]: { image: short } }, `honeydue:${key}.image`, /is not an image reference; expected registry\/name:tag or registry\/name@sha256:<64 hex digits>/);
        }
        assert.equal(migrationJobName(`r.io/m:v1.2@${digest}`), "migrate-0123456789ab", "a new digest is a new migrations Job");
    });
    it("refuses each app, Redis, Traefik and SMTP setting that is not of its form, saying the form", () => {
        for (const [key, value, where, expected] of [
            ["api", { healthPath: "api/health" }, "api.healthPath (got api/health)", "expected an HTTP path such as /healthz"],
            ["api", { healthPath: "x/api" }, "api.healthPath (got x/api)", "expected an HTTP path such as /healthz"],
            ["api", { healthPath: "/api health" }, "api.healthPath (got /api health)", "expected an HTTP path such as /healthz"],
            ["api", { writablePaths: ["/tmp x"] }, "api.writablePaths.0 (got /tmp x)", "expected an absolute path such as /tmp"],
            ["api", { writablePaths: "/tmp" }, "api.writablePaths (got /tmp)", "expected a list of absolute paths"],
            ["migrations", { command: "goose up" }, "migrations.command (got goose up)", "expected a list of strings"],
            ["api", { port: 80 }, "api.port (got 80)", "expected a whole number from 1024 to 65535"],
            ["api", { cpu: "lots" }, "api.cpu (got lots)", "expected a Kubernetes quantity such as 100m (or 512M, 1G, 1.5Gi)"],
            ["redis", { denied: "flushall" }, "redis.denied (got flushall)", "expected a list of ACL categories and commands"],
            ["redis", { denied: ["flushall!"] }, "redis.denied.0 (got flushall!)", "expected an ACL category such as @scripting or a command such as flushall"],
            ["redis", { backupFolder: "redis-backups/" }, "redis.backupFolder (got redis-backups/)", "expected a folder name such as redis-backups (no leading or trailing /)"],
            ["traefik", { chartVersion: "v37.1.2" }, "traefik.chartVersion (got v37.1.2)", "expected a pinned chart version such as 37.1.2"],
            ["traefik", { chartVersion: "37.1.2-rc1" }, "traefik.chartVersion (got 37.1.2-rc1)", "expected a pinned chart version such as 37.1.2"],
            ["smtpUsername", "ops at myhoneydue.com", "smtpUsername (got ops at myhoneydue.com)", "expected the SMTP login (an email address)"],
            ["smtpUsername", "mail ops@myhoneydue.com", "smtpUsername (got mail ops@myhoneydue.com)", "expected the SMTP login (an email address)"],
            ["smtpUsername", "ops@myhoneydue.com ops", "smtpUsername (got ops@myhoneydue.com ops)", "expected the SMTP login (an email address)"],
            ["registryUsername", "deploy er", "registryUsername (got deploy er)", "expected the Gitea user that pulls images"],
        ] as const) {
            assert.deepEqual(problems({ [`honeydue:${key}`]: value }), [`honeydue:${where}: ${expected}`], JSON.stringify(value));
        }
    });
    it("takes the Redis denials, ports, health paths, commands and quantities an operator sets", () => {
        const c = load({ "honeydue:redis": { denied: ["@scripting", "script|debug", "acl|setuser"] }, "honeydue:api": { healthPath: "/ready", cpu: ".5", memory: "1.5e8", port: 9000, command: ["/api", "serve"] } });
        assert.deepEqual(c.redis.denied, ["@scripting", "script|debug", "acl|setuser"]);
        assert.deepEqual([c.api.healthPath, c.api.cpu, c.api.memory, c.api.port, c.api.command], ["/ready", ".5", "1.5e8", 9000, ["/api", "serve"]]);
    });
    it("rejects an unpinned Traefik chart", () => rejects({ "honeydue:traefik": { chartVersion: "37" } }, "honeydue:traefik.chartVersion", /expected a pinned chart version/));
});

describe("workload helpers", () => {
    it("reads memory quantities in bytes", () => {
        assert.equal(bytes("384Mi"), 384 * 1024 ** 2);
        assert.equal(bytes("1Gi"), 1024 ** 3);
        assert.equal(bytes("512"), 512);
        assert.ok(Number.isNaN(bytes("lots")));
    });

    it("names the migrations Job after the tag as a DNS label", () => {
        assert.equal(migrationJobName("gitea.treytartt.com/treytartt/honeydue-migrate:8d9ca2e6ed"), "migrate-8d9ca2e6ed");
        assert.equal(migrationJobName("registry:5000/migrate:v1.2_rc.3"), "migrate-v1-2-rc-3");
        assert.equal(migrationJobName(`r.io/m@sha256:${"ab".repeat(32)}`), "migrate-abababababab");
        const long = migrationJobName(`r.io/m:${"x".repeat(120)}`);
        assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
    });
});
