// What runs in the cluster: per-app settings as objects, each field defaulted, so an operator
// sets only what differs (`pulumi config set --path 'honeydue:api.image' …`). DESIGN §8.
import { z } from "zod";
import { byteSize, cronSchedule, fqdn, image, int, json, nodeName, quantity, quantityValue, registryOf, strictObject, text } from "./fields";

const path = z.string().regex(/^\/\S*$/, { error: "expected an HTTP path such as /healthz" });
const absolutePath = z.string().regex(/^\/\S*$/, { error: "expected an absolute path such as /tmp" });
const command = z.array(z.string(), { error: "expected a list of strings" });

interface AppDefaults {
    image: string;
    replicas: number;
    port?: number;
    healthPath?: string;
    command?: string[];
    cpu: string;
    memory: string;
    memoryLimit: string;
    /** The image's non-root user (and group). */
    runAsUser: number;
    /** Where the app writes: each gets an emptyDir (the root filesystem is read-only). */
    writablePaths: string[];
}

/** One app's settings: every field optional for the operator, defaulted here. */
function app(d: AppDefaults, minReplicas: number) {
    return json(
        strictObject(
            {
                image: image.default(d.image),
                replicas: int(minReplicas, 20).default(d.replicas),
                port: int(1024, 65535).optional().transform((v) => v ?? d.port),
                healthPath: path.optional().transform((v) => v ?? d.healthPath),
                command: command.optional().transform((v) => v ?? d.command),
                cpu: quantity("100m").default(d.cpu),
                memory: byteSize("256Mi").default(d.memory),
                memoryLimit: byteSize("512Mi").default(d.memoryLimit),
                runAsUser: int(1, 2147483647).default(d.runAsUser),
                writablePaths: z
                    .array(absolutePath, { error: "expected a list of absolute paths" })
                    .refine((a) => new Set(a).size === a.length, { error: "expected each path once" })
                    .default(d.writablePaths),
            },
            "expected a JSON object of app settings",
        ),
    ).prefault({});
}

const tag = "8d9ca2e6ed";
/** distroless/static's "nonroot" user, which the Go images run as. */
const nonroot = 65532;
const gitea = "gitea.treytartt.com/treytartt";

/**
 * What the apps' Redis user may not run unless honeydue:redis.denied says otherwise: every @admin
 * command (CONFIG, DEBUG, SHUTDOWN, MONITOR, REPLICAOF, ACL SETUSER, SAVE, CLIENT KILL…; a command
 * flagged "admin" is in @admin and @dangerous, redis/redis src/server.c, setImplicitACLCategories),
 * the rest of @dangerous that destroys or moves data (FLUSHALL, FLUSHDB, SWAPDB, MIGRATE, RESTORE),
 * FUNCTION (stored Lua, which no queue library needs) and SCRIPT DEBUG. Not @scripting: go-redis's
 * Script.Run sends EVALSHA and, on NOSCRIPT (after every Redis restart), EVAL (redis/go-redis
 * script.go, Run), and queue libraries run every enqueue and dequeue that way (hibiken/asynq
 * internal/rdb/rdb.go, Enqueue and Dequeue: script.Run); the Lua CVEs are fixed in the image
 * (7.4.6+). Not INFO, ROLE, KEYS or SORT (@dangerous, but clients, dashboards and caches read them).
 * Categories per redis/redis src/commands/*.json on the 7.4 branch.
 */
export const redisDeniedDefault = ["@admin", "flushall", "flushdb", "swapdb", "migrate", "restore", "function", "script|debug"] as const;

export const workloadKeys = {
    registry: fqdn.default("gitea.treytartt.com"),
    registryUsername: text(/^\S+$/, "expected the Gitea user that pulls images"),
    // Sized for 8 GB nodes that also run etcd and the k3s server: all apps together request
    // under 1.5 GB and are limited to under 3 GB across the three nodes.
    api: app({ image: `${gitea}/honeydue-api:${tag}`, replicas: 2, port: 8000, healthPath: "/api/health", cpu: "100m", memory: "256Mi", memoryLimit: "512Mi", runAsUser: nonroot, writablePaths: ["/tmp"] }, 2),
    // Next.js writes its image/fetch cache under .next/cache.
    admin: app({ image: `${gitea}/honeydue-admin:${tag}`, replicas: 2, port: 3000, healthPath: "/", cpu: "50m", memory: "192Mi", memoryLimit: "384Mi", runAsUser: 1001, writablePaths: ["/tmp", "/app/.next/cache"] }, 2),
    worker: app({ image: `${gitea}/honeydue-worker:${tag}`, replicas: 1, port: 8001, healthPath: "/healthz", cpu: "100m", memory: "256Mi", memoryLimit: "512Mi", runAsUser: nonroot, writablePaths: ["/tmp"] }, 1),
    migrations: app({ image: `${gitea}/honeydue-migrate:${tag}`, replicas: 1, command: ["goose", "up"], cpu: "50m", memory: "64Mi", memoryLimit: "256Mi", runAsUser: nonroot, writablePaths: ["/tmp"] }, 1),
    redis: json(
        strictObject(
            {
                // 7.4.6 fixed CVE-2025-49844 (Lua use-after-free) and 7.4.3 CVE-2025-21605; 7.4.7 is the
                // 7.4 line's latest (redis/redis 00-RELEASENOTES on the 7.4 branch).
                image: image.default("docker.io/library/redis:7.4.7-alpine"),
                node: nodeName.default("ubuntu-8gb-nbg1-2"),
                storage: byteSize("5Gi").default("5Gi"),
                /** The PersistentVolumeClaim's name: on adoption, the running claim's (README, Adopting the running estate). */
                claimName: nodeName.default("redis-data"),
                // 60% of the limit: see redisMaxMemoryShare.
                maxMemory: byteSize("300Mi").default("300Mi"),
                memoryLimit: byteSize("512Mi").default("512Mi"),
                /** What the apps' Redis user may not run (ACL categories with @, or commands): workloads/redisAcl.ts. */
                denied: z
                    .array(z.string().regex(/^@?[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?$/, { error: "expected an ACL category such as @scripting or a command such as flushall" }), {
                        error: "expected a list of ACL categories and commands",
                    })
                    .default([...redisDeniedDefault]),
                /** The backup CronJob: an RDB snapshot to B2 under `folder` (workloads/redisBackup.ts). */
                backupSchedule: cronSchedule("expected a five-field cron expression such as '30 */6 * * *'").default("30 */6 * * *"),
                backupFolder: z.string().regex(/^[a-z0-9][a-z0-9/_-]*[a-z0-9]$/, { error: "expected a folder name such as redis-backups (no leading or trailing /)" }).default("redis-backups"),
                /** The uploader's image (rclone: maintained, small, speaks B2's S3 API). */
                backupImage: image.default("docker.io/rclone/rclone:1.75.0"),
            },
            "expected a JSON object of Redis settings",
        ),
    ).prefault({}),
    traefik: json(
        strictObject(
            {
                chartVersion: z
                    .string()
                    .regex(/^\d+\.\d+\.\d+$/, { error: "expected a pinned chart version such as 37.1.2" })
                    .default("37.1.2"),
            },
            "expected a JSON object of Traefik settings",
        ),
    ).prefault({}),
    smtpHost: fqdn.default("smtp.fastmail.com"),
    smtpPort: int(1, 65535).default(587),
    smtpUsername: text(/^\S+@\S+\.\S+$/, "expected the SMTP login (an email address)"),
};

/** A memory quantity ("384Mi", "1G") in bytes; the schema has already checked its form. */
export const bytes = quantityValue;

/**
 * The share of Redis's memory limit its dataset may use. BGREWRITEAOF (appendonly) forks a child
 * that shares pages copy-on-write; every page the parent writes during the rewrite is copied, in
 * the same cgroup, so the pair can approach twice the dataset under write load.
 */
export const redisMaxMemoryShare = 0.6;

type Workloads = z.infer<z.ZodObject<typeof workloadKeys>> & { nodes: { name: string }[] };

export function checkWorkloads(c: Workloads, issue: (key: string, message: string) => void): void {
    for (const key of ["api", "admin", "worker", "migrations"] as const) {
        const from = registryOf(c[key].image);
        if (from !== c.registry) issue(key, `image ${c[key].image} comes from ${from}; expected an image from the registry ${c.registry}`);
    }
    for (const key of ["api", "admin", "worker", "migrations"] as const) {
        if (bytes(c[key].memory) > bytes(c[key].memoryLimit)) issue(key, `memory ${c[key].memory} is above memoryLimit ${c[key].memoryLimit}; expected a request at or below the limit`);
    }
    const ceiling = bytes(c.redis.memoryLimit) * redisMaxMemoryShare;
    if (bytes(c.redis.maxMemory) > ceiling) {
        issue(
            "redis.maxMemory",
            `${c.redis.maxMemory} is above 60% of redis.memoryLimit ${c.redis.memoryLimit} (${Math.floor(ceiling / 1024 ** 2)}Mi); expected at most that: an append-only rewrite forks a copy-on-write child in the same cgroup, and the kernel kills Redis when both together pass the limit`,
        );
    }
    if (!c.nodes.some((n) => n.name === c.redis.node)) {
        issue("redis", `node ${c.redis.node} is not one of the nodes (${c.nodes.map((n) => n.name).join(", ")}); expected one of them`);
    }
}
