// The Redis backup: a CronJob whose pod fetches an RDB snapshot from Redis (init container `dump`,
// the Redis image's redis-cli, as the ACL user `backup`) and uploads it to B2 under
// honeydue:redis.backupFolder (container `upload`, rclone). The script is
// workloads/scripts/redis-backup.sh; retention is a B2 lifecycle rule on that folder, set by the
// operator (docs/runbook/restore-redis.md), so the backup's key needs no delete capability.
//
// Network, under the namespace's default deny (workloads/networkPolicies.ts): pods labelled
// app.kubernetes.io/name=redis-backup reach Redis (TCP 6379: allow-to-redis, and Redis's own
// redis-clients in redis.ts), B2 (s3.<b2Region>.backblazeb2.com, TCP 443: allow-redis-backup-to-b2)
// and DNS (allow-dns); nothing may connect to them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { b2KeyFor } from "../config/b2Keys";
import { redisPort } from "./redis";
import type { RedisPasswords } from "./redisAcl";
import { redisBackupUser } from "./redisUsers";
import { containerSecurity, labels, meta, podSecurity, versionOf, type Context } from "./workload";

export const backupApp = "redis-backup";
export const backupScriptPath = join(__dirname, "scripts", "redis-backup.sh");
export const backupScript = () => readFileSync(backupScriptPath, "utf8");
const snapshotDir = "/backup";
/** The redis image's user and group (as for Redis itself); rclone runs as any user. */
const uid = 999;
const gid = 1000;

/** The backup's own Secret: the backup user's Redis password and its B2 key; nothing of the apps'. */
export function createBackupSecret(ctx: Context, passwords: RedisPasswords): k8s.core.v1.Secret {
    const key = b2KeyFor(ctx.config, "redisBackup");
    return new k8s.core.v1.Secret(
        `${ctx.prefix}-redis-backup`,
        {
            // Auto-named: a changed key or password is a new Secret, and the CronJob's next pod reads it.
            metadata: { namespace: ctx.namespace, labels: labels(backupApp) },
            type: "Opaque",
            stringData: { REDISCLI_AUTH: passwords.backup, B2_APPLICATION_KEY: pulumi.secret(key.applicationKey) },
        },
        ctx.opts,
    );
}

const fromSecret = (name: string, secret: pulumi.Input<string>, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

export function createRedisBackup(ctx: Context, passwords: RedisPasswords): k8s.batch.v1.CronJob {
    const c = ctx.config;
    const r = c.redis;
    const secret = createBackupSecret(ctx, passwords).metadata.name;
    const key = b2KeyFor(c, "redisBackup");
    const step = (name: string) => ["/bin/sh", "-c", backupScript(), "redis-backup.sh", name];
    const mounts = [
        { name: "snapshot", mountPath: snapshotDir },
        { name: "tmp", mountPath: "/tmp" },
    ];
    const small = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } };

    const dump = {
        name: "dump",
        image: r.image,
        imagePullPolicy: "IfNotPresent",
        command: step("dump"),
        env: [
            { name: "REDIS_HOST", value: "redis" },
            { name: "REDIS_PORT", value: String(redisPort) },
            { name: "REDIS_USER", value: redisBackupUser },
            { name: "SNAPSHOT_DIR", value: snapshotDir },
            fromSecret("REDISCLI_AUTH", secret, "REDISCLI_AUTH"),
        ],
        resources: small,
        securityContext: containerSecurity,
        volumeMounts: mounts,
    };
    // rclone takes a whole remote from RCLONE_CONFIG_<NAME>_<OPTION> variables, no config file
    // (rclone/rclone docs/content/docs.md, "Config file": environment variables). B2 speaks S3.
    const upload = {
        name: "upload",
        image: r.backupImage,
        imagePullPolicy: "IfNotPresent",
        command: step("upload"),
        env: [
            { name: "B2_BUCKET", value: c.b2Bucket },
            { name: "BACKUP_FOLDER", value: r.backupFolder },
            { name: "SNAPSHOT_DIR", value: snapshotDir },
            { name: "HOME", value: "/tmp" },
            { name: "RCLONE_CONFIG_B2_TYPE", value: "s3" },
            { name: "RCLONE_CONFIG_B2_PROVIDER", value: "Other" },
            { name: "RCLONE_CONFIG_B2_ENDPOINT", value: `https://${c.b2Endpoint}` },
            { name: "RCLONE_CONFIG_B2_REGION", value: c.b2Region },
            // The bucket exists; a key restricted to a prefix may not create one.
            { name: "RCLONE_CONFIG_B2_NO_CHECK_BUCKET", value: "true" },
            { name: "RCLONE_CONFIG_B2_ACCESS_KEY_ID", value: key.keyId },
            fromSecret("RCLONE_CONFIG_B2_SECRET_ACCESS_KEY", secret, "B2_APPLICATION_KEY"),
        ],
        resources: small,
        securityContext: containerSecurity,
        volumeMounts: mounts,
    };

    const podLabels = labels(backupApp, versionOf(r.image));
    return new k8s.batch.v1.CronJob(
        `${ctx.prefix}-redis-backup`,
        {
            metadata: meta(ctx, backupApp, backupApp, versionOf(r.image)),
            spec: {
                schedule: r.backupSchedule,
                timeZone: "Etc/UTC",
                // One at a time; a run missed by more than an hour (cluster down) is skipped, not queued.
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 3600,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 1800,
                        template: {
                            metadata: { labels: podLabels },
                            spec: {
                                restartPolicy: "Never",
                                automountServiceAccountToken: false,
                                enableServiceLinks: false,
                                securityContext: podSecurity(uid, gid),
                                initContainers: [dump],
                                containers: [upload],
                                volumes: [
                                    // An RDB is smaller than the dataset (maxMemory); the claim's size bounds both.
                                    { name: "snapshot", emptyDir: { sizeLimit: r.storage } },
                                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                ],
                            },
                        },
                    },
                },
            },
        },
        ctx.opts,
    );
}
