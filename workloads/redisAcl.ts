// Who may talk to Redis, and what they may run: two ACL users with generated passwords.
// - default: the apps (api, worker). Everything but honeydue:redis.denied (by default
//   redisDeniedDefault, config/workloads.ts: @admin, FLUSHALL, FLUSHDB, FUNCTION…; Lua through
//   EVAL/EVALSHA stays allowed, queue libraries need it).
// - backup: only what `redis-cli --rdb` sends: REPLCONF then SYNC (redis/redis src/redis-cli.c,
//   main: sendCapa/sendRdbOnly, then getRDB → sendSync), and PING. No key or channel access.
// Redis reads the users from an ACL file (--aclfile) on a Secret volume. The file holds SHA-256
// hashes, not passwords: `#<hash>` adds "this password hash" (redis/redis src/acl.c,
// ACLSetUser; ACLHashPassword: lowercase hex of SHA-256). No password is on redis-server's argv
// (where `ps` shows it); the container's environment has the apps' one for redis-cli's probes.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { aclFile, redisAclFile } from "./redisUsers";
import { labels, type Context } from "./workload";

export interface RedisPasswords {
    /** The default user's: the apps'. */
    apps: pulumi.Output<string>;
    /** The backup user's: the backup CronJob's only. */
    backup: pulumi.Output<string>;
}

/** Letters and digits only: the apps' password goes into a redis:// URL unescaped. */
export function redisPasswords(prefix: string, parent: pulumi.Resource): RedisPasswords {
    const make = (who: string) => pulumi.secret(new random.RandomPassword(`${prefix}-redis-${who}`, { length: 40, special: false }, { parent }).result);
    return { apps: make("apps"), backup: make("backup") };
}

/** Auto-named: a changed ACL is a new Secret, so the Redis Deployment rolls and reads it. */
export function createRedisAclSecret(ctx: Context, passwords: RedisPasswords): k8s.core.v1.Secret {
    const file = pulumi.all([passwords.apps, passwords.backup]).apply(([apps, backup]) => aclFile(ctx.config.redis.denied, apps, backup));
    return new k8s.core.v1.Secret(
        `${ctx.prefix}-redis-acl`,
        { metadata: { namespace: ctx.namespace, labels: labels("redis") }, type: "Opaque", stringData: { [redisAclFile]: pulumi.secret(file) } },
        ctx.opts,
    );
}
