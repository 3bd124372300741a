// Redis's users as text: the ACL file and the apps' URL. Pure (no Pulumi), so the tests load it
// cheaply and feed the file to a real redis-server (tests/redis-backup.test.ts).
import { createHash } from "node:crypto";

/** Where the ACL file is mounted in the Redis container. */
export const redisAclDir = "/etc/redis-acl";
export const redisAclFile = "users.acl";
export const redisBackupUser = "backup";

/** The key of the app Secret holding the apps' password (and of the URL that carries it). */
export const redisPasswordKey = "REDIS_PASSWORD";
export const redisUrlKey = "REDIS_URL";

export const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The ACL file: one `user` line per user (the format ACL SAVE writes; redis/redis src/acl.c, ACLLoadFromFile). */
export function aclFile(denied: string[], appsPassword: string, backupPassword: string): string {
    return [
        `user default on #${sha256(appsPassword)} ~* &* +@all ${denied.map((d) => `-${d}`).join(" ")}`.trimEnd(),
        `user ${redisBackupUser} on #${sha256(backupPassword)} resetkeys resetchannels -@all +ping +replconf +sync`,
        "",
    ].join("\n");
}

/** The URL the apps connect with: the password as the default user's (redis://:password@host:port/db). */
export const redisUrl = (address: string, password: string) => `redis://:${password}@${address}/0`;

/**
 * Redis's probes, run in its container with REDISCLI_AUTH (the apps' password): ready only when
 * Redis answers PONG to that user. `redis-cli ping` alone exits 0 on any reply, NOAUTH, WRONGPASS
 * and LOADING included (redis/redis src/redis-cli.c, main → noninteractive → issueCommand returns
 * REDIS_OK after printing an error reply), so it would call Redis ready while it loads its files
 * or refuses the apps' password.
 */
export const redisProbeCommand = ["sh", "-c", "redis-cli ping | grep -qx PONG"];
