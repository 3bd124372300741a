#!/bin/sh
# The Redis backup, run in the redis-backup CronJob's pod (workloads/redisBackup.ts), in two steps:
#   dump    (init container, the Redis image): `redis-cli --rdb` fetches a point-in-time RDB snapshot
#           over Redis's replication protocol, as the ACL user that may only PING, REPLCONF and SYNC,
#           into $SNAPSHOT_DIR/dump.rdb. A partial download never takes that name.
#   upload  (container, the rclone image): copies it to b2:$B2_BUCKET/$BACKUP_FOLDER/redis-<UTC>.rdb.
# A new object per run; nothing is deleted here: B2 drops old snapshots by the folder's lifecycle
# rule (docs/runbook/restore-redis.md), and the backup's key has no deleteFiles (it can still
# hide files: README, "Backed up"). POSIX sh (busybox ash in both images: no bash, so no
# pipefail; no pipeline here needs it). Every step is bounded and says
# what failed and where to look. A pod script, not a node script (infra/scripts/).
#
#   sh redis-backup.sh dump|upload
#
# Environment:
#   dump:   REDIS_HOST, REDIS_PORT, REDIS_USER, REDISCLI_AUTH (the user's password, from a Secret;
#           redis-cli reads it from the environment, so it is on no command line), DUMP_TIMEOUT (300 s)
#   upload: B2_BUCKET, BACKUP_FOLDER, RCLONE_CONFIG_B2_* (the remote; its secret key from a Secret),
#           UPLOAD_TIMEOUT (600 s)
#   both:   SNAPSHOT_DIR (/backup)
set -eu

log() { echo "redis-backup: $*" >&2; }
die() {
    log "$*"
    exit 1
}
need() {
    eval "value=\${$1:-}"
    # shellcheck disable=SC2154 # value is set by the eval above
    [ -n "$value" ] || die "$1 is not set; expected it from the redis-backup CronJob's pod spec ($2)"
}

snapshot_dir=${SNAPSHOT_DIR:-/backup}
snapshot="$snapshot_dir/dump.rdb"

dump() {
    need REDIS_HOST "the Redis Service's name"
    need REDIS_PORT "6379"
    need REDIS_USER "the ACL user of the backup"
    need REDISCLI_AUTH "the backup user's password, by secretKeyRef"
    limit=${DUMP_TIMEOUT:-300}
    partial="$snapshot.partial"
    rm -f "$partial" "$snapshot"
    if ! timeout "$limit" redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --user "$REDIS_USER" --rdb "$partial" >&2; then
        die "no RDB snapshot from $REDIS_HOST:$REDIS_PORT as user $REDIS_USER within ${limit}s; see the lines above, the Redis log (kubectl -n honeydue logs deploy/redis), and whether the NetworkPolicies let this pod reach Redis on $REDIS_PORT"
    fi
    magic=$(head -c 5 "$partial" 2>/dev/null || true)
    [ "$magic" = "REDIS" ] || die "what $REDIS_HOST:$REDIS_PORT sent does not start with REDIS (got '$magic'): not an RDB file; see the Redis log (kubectl -n honeydue logs deploy/redis)"
    mv "$partial" "$snapshot"
    log "fetched $(wc -c <"$snapshot" | tr -d ' ') bytes from $REDIS_HOST:$REDIS_PORT into $snapshot"
}

upload() {
    need B2_BUCKET "honeydue:b2Bucket"
    need BACKUP_FOLDER "honeydue:redis.backupFolder"
    [ -s "$snapshot" ] || die "no snapshot at $snapshot; the dump step did not leave one (kubectl -n honeydue logs job/<job> -c dump)"
    limit=${UPLOAD_TIMEOUT:-600}
    target="b2:$B2_BUCKET/$BACKUP_FOLDER/redis-$(date -u +%Y%m%dT%H%M%SZ).rdb"
    if ! timeout "$limit" rclone copyto "$snapshot" "$target" >&2; then
        die "could not upload $snapshot to $target within ${limit}s; see rclone's lines above (a 403 is the key: its bucket, name prefix $BACKUP_FOLDER/ and writeFiles capability), and whether this pod may reach B2 on 443"
    fi
    log "uploaded $(wc -c <"$snapshot" | tr -d ' ') bytes to $target"
}

case "${1:-}" in
    dump) dump ;;
    upload) upload ;;
    *) die "unknown step '${1:-}'; expected dump or upload" ;;
esac
