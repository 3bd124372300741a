// Redis, the cache and the worker's queue: one pod on one named node with its data on that node's
// disk (local-path). Recreate, because two pods cannot share the volume; appendonly, so a restart
// keeps the queue; protected, because deleting the claim deletes the data (reclaim Delete). Who may
// run what is in the ACL file (workloads/redisAcl.ts); the backup is workloads/redisBackup.ts.
import * as k8s from "@pulumi/kubernetes";
import { bytes } from "../config/workloads";
import { adoptOptions } from "./adoption";
import { redisAclDir, redisAclFile, redisPasswordKey, redisProbeCommand } from "./redisUsers";
import { containerSecurity, labels, meta, podSecurity, selector, versionOf, type Context } from "./workload";

export const redisPort = 6379;
/** The redis alpine image's own user and group. */
const redisUid = 999;
const redisGid = 1000;

/** The apps allowed to talk to Redis, and the backup CronJob's pods. */
export const redisClients = ["api", "worker", "redis-backup"];

/** redis-server's flags: durable queue, bounded memory, no eviction of queued jobs, users from the ACL file. */
export function redisArgs(maxMemory: string): string[] {
    // Redis reads "mb" as 1024*1024 bytes, the same unit as Kubernetes's Mi.
    const mb = Math.floor(bytes(maxMemory) / 1024 ** 2);
    const durable = ["--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory", `${mb}mb`, "--maxmemory-policy", "noeviction", "--dir", "/data"];
    return [...durable, "--aclfile", `${redisAclDir}/${redisAclFile}`];
}

export interface Redis {
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
    claim: k8s.core.v1.PersistentVolumeClaim;
    networkPolicy: k8s.networking.v1.NetworkPolicy;
}

/** `aclSecret`: the Secret holding the ACL file (workloads/redisAcl.ts). */
export function createRedis(ctx: Context, aclSecret: k8s.core.v1.Secret): Redis {
    const r = ctx.config.redis;
    const keep = { ...ctx.opts, protect: ctx.config.protect };
    const adopt = (kind: string, name: string) => adoptOptions(ctx.config, kind, name);
    const version = versionOf(r.image);

    // Adopted or not, the claim's bound spec.volumeName is never diffed (adoption.ts, allocated).
    const claimAdoption = adopt("PersistentVolumeClaim", r.claimName);
    const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${ctx.prefix}-redis-data`,
        {
            metadata: {
                ...meta(ctx, r.claimName, "redis"),
                // local-path binds when the pod is scheduled (WaitForFirstConsumer): nothing to wait for here.
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: { accessModes: ["ReadWriteOnce"], storageClassName: "local-path", resources: { requests: { storage: r.storage } } },
        },
        // An adopted claim holds the queue: protected whatever honeydue:protect says.
        { ...keep, ...claimAdoption, ...(claimAdoption.import ? { protect: true } : {}) },
    );

    // redis-cli authenticates as the default user with REDISCLI_AUTH (redis/redis src/redis-cli.c,
    // REDIS_CLI_AUTH_ENV), so the probe's password is in no argv either; redisProbeCommand says
    // why it checks the answer.
    const probe = { exec: { command: redisProbeCommand }, timeoutSeconds: 2 };
    const deployment = new k8s.apps.v1.Deployment(
        `${ctx.prefix}-redis`,
        {
            metadata: meta(ctx, "redis", "redis", version),
            spec: {
                replicas: 1,
                strategy: { type: "Recreate" },
                selector: { matchLabels: selector("redis") },
                template: {
                    metadata: { labels: labels("redis", version) },
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        // The volume lives on this node's disk: the pod must always come back here.
                        nodeSelector: { "kubernetes.io/hostname": r.node },
                        securityContext: podSecurity(redisUid, redisGid),
                        containers: [
                            {
                                name: "redis",
                                image: r.image,
                                imagePullPolicy: "IfNotPresent",
                                args: redisArgs(r.maxMemory),
                                env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: ctx.secret, key: redisPasswordKey } } }],
                                ports: [{ name: "redis", containerPort: redisPort, protocol: "TCP" }],
                                resources: { requests: { cpu: "50m", memory: r.maxMemory }, limits: { memory: r.memoryLimit } },
                                securityContext: containerSecurity,
                                volumeMounts: [
                                    { name: "data", mountPath: "/data" },
                                    { name: "tmp", mountPath: "/tmp" },
                                    { name: "acl", mountPath: redisAclDir, readOnly: true },
                                ],
                                startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 60 },
                                readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
                                livenessProbe: { ...probe, periodSeconds: 20, failureThreshold: 3 },
                            },
                        ],
                        volumes: [
                            { name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } },
                            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                            // Readable by Redis's group only (fsGroup): the file holds password hashes.
                            { name: "acl", secret: { secretName: aclSecret.metadata.name, defaultMode: 0o440 } },
                        ],
                    },
                },
            },
        },
        { ...keep, ...adopt("Deployment", "redis") },
    );

    const service = new k8s.core.v1.Service(
        `${ctx.prefix}-redis`,
        { metadata: meta(ctx, "redis", "redis"), spec: { type: "ClusterIP", selector: selector("redis"), ports: [{ name: "redis", port: redisPort, targetPort: "redis", protocol: "TCP" }] } },
        { ...ctx.opts, dependsOn: [deployment], ...adopt("Service", "redis") },
    );

    // Once a policy selects the Redis pod, everything it does not allow is refused.
    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
        `${ctx.prefix}-redis`,
        {
            metadata: meta(ctx, "redis-clients", "redis"),
            spec: {
                podSelector: { matchLabels: selector("redis") },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: redisClients }] } }],
                        ports: [{ protocol: "TCP", port: redisPort }],
                    },
                ],
            },
        },
        { ...ctx.opts, ...adopt("NetworkPolicy", "redis-clients") },
    );

    return { deployment, service, claim, networkPolicy };
}
