// B2 keys by use, each restricted to its own name prefix in the bucket (README, Security, B2 keys).
// Optional: a stack with only b2KeyId/b2ApplicationKey keeps working, and every use shares that
// one key. A use with its own key id must have its own application key, and the reverse.
import * as pulumi from "@pulumi/pulumi";
import { text } from "./fields";

const keyIdPattern = /^[A-Za-z0-9]{12,40}$/;
const keyPattern = /^[A-Za-z0-9+/]{20,64}$/;
export const b2KeyIdField = text(keyIdPattern, "expected a Backblaze B2 application key id (12-40 letters and digits)");
export const b2ApplicationKeyField = text(keyPattern, "expected a Backblaze B2 application key (20-64 characters)");

/** The uses that may have their own key: id key (plain) and application key (secret). */
export const b2KeyUses = {
    etcd: { idKey: "etcdB2KeyId", secretKey: "etcdB2ApplicationKey", prefix: "the etcd snapshot folder" },
    redisBackup: { idKey: "redisBackupB2KeyId", secretKey: "redisBackupB2ApplicationKey", prefix: "the Redis backup folder" },
} as const;
export type B2Use = keyof typeof b2KeyUses;

export const b2KeyPlainKeys = {
    /** The key k3s writes etcd snapshots with (name prefix: etcdSnapshotFolder/). */
    etcdB2KeyId: b2KeyIdField.optional(),
    /** The key the Redis backup CronJob uploads with (name prefix: redis.backupFolder/). */
    redisBackupB2KeyId: b2KeyIdField.optional(),
};
export const b2KeySecretKeys = {
    etcdB2ApplicationKey: b2ApplicationKeyField.optional(),
    redisBackupB2ApplicationKey: b2ApplicationKeyField.optional(),
};

/** Both halves of a use's key, or neither: one half alone would pair a key id with another key. */
export function checkB2Keys(plain: Record<string, unknown>, secrets: Record<string, unknown>, issue: (key: string, message: string) => void): void {
    for (const use of Object.values(b2KeyUses)) {
        const hasId = plain[use.idKey] !== undefined;
        const hasKey = secrets[use.secretKey] !== undefined;
        if (hasId && !hasKey) issue(use.idKey, `set without honeydue:${use.secretKey}; expected both (set it with \`pulumi config set --secret honeydue:${use.secretKey}\`) or neither (then b2KeyId is used)`);
        if (hasKey && !hasId) issue(use.secretKey, `set without honeydue:${use.idKey}; expected both (the id \`b2 key create\` printed with it) or neither (then b2ApplicationKey is used)`);
    }
}

/**
 * Two folders of the bucket where one name begins with the other would let one prefix-restricted
 * key reach the other's files. Compared without a trailing "/": the etcd key's name prefix is the
 * bare folder name, because k3s lists its snapshots with the folder as the prefix, no "/" (k3s-io/k3s
 * pkg/etcd/s3/s3.go, ListSnapshots: ListObjectsOptions{Prefix: Folder}), and B2 refuses a listing
 * outside a key's name prefix; so `etcd-snapshots` also covers `etcd-snapshots-redis/`.
 */
export function checkB2Folders(folders: Record<string, string>, issue: (key: string, message: string) => void): void {
    const entries = Object.entries(folders);
    entries.forEach(([keyA, a], i) =>
        entries.slice(i + 1).forEach(([keyB, b]) => {
            if (a.startsWith(b) || b.startsWith(a))
                issue(keyA, `${a} and ${keyB} ${b} overlap (one name begins with the other); expected folders whose names do not begin with one another, so each B2 key's name prefix covers only its own files`);
        }),
    );
}

/** What a use of B2 authenticates with, and whether that is the shared (apps') key. */
export interface B2Key {
    keyId: string;
    applicationKey: pulumi.Output<string>;
    shared: boolean;
}

interface KeyConfig {
    b2KeyId: string;
    etcdB2KeyId?: string;
    redisBackupB2KeyId?: string;
    secrets: { b2ApplicationKey: pulumi.Output<string> } & Partial<Record<(typeof b2KeyUses)[B2Use]["secretKey"], pulumi.Output<string | undefined>>>;
}

/** A use's own key when configured, else the shared one (b2KeyId / b2ApplicationKey). */
export function b2KeyFor(config: KeyConfig, use: B2Use): B2Key {
    const { idKey, secretKey } = b2KeyUses[use];
    const id = config[idKey];
    // Optional secrets are absent from config.secrets when unset (as k3sToken: infra/k3s/token.ts).
    const own = config.secrets[secretKey];
    if (id !== undefined && own !== undefined) return { keyId: id, applicationKey: pulumi.secret(own.apply((k) => k ?? "")), shared: false };
    return { keyId: config.b2KeyId, applicationKey: config.secrets.b2ApplicationKey, shared: true };
}

/** The plan's line on B2 keys: which uses share the apps' key (README, Security, B2 keys). */
export function b2KeysNote(ids: Partial<Record<(typeof b2KeyUses)[B2Use]["idKey"], unknown>>): string {
    // Both names are plural, so the verb is "share" whichever of them share the key.
    const names: Record<B2Use, string> = { etcd: "the etcd snapshots", redisBackup: "the Redis backups" };
    const shared = (Object.keys(b2KeyUses) as B2Use[]).filter((u) => ids[b2KeyUses[u].idKey] === undefined).map((u) => names[u]);
    if (shared.length === 0) return "B2 keys: the apps, the etcd snapshots and the Redis backups each have their own key";
    return `B2 keys: ${shared.join(" and ")} share the apps' key (honeydue:b2KeyId); each can have its own, restricted to its folder (README, Security, B2 keys)`;
}
