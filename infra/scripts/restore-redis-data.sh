#!/usr/bin/env bash
# Restores Redis's data from an RDB snapshot (a redis-backup CronJob upload), on redis.node, with
# Redis stopped (docs/runbook/restore-redis.md). Redis runs with appendonly: at start it loads the
# append-only files named in appendonlydir's manifest, and with no manifest it starts EMPTY,
# never reading dump.rdb (redis/redis src/server.c, loadDataFromDisk; src/aof.c,
# loadAppendOnlyFiles: AOF_NOT_EXIST). A base file may be in RDB format, so the snapshot becomes
# the base of a new appendonlydir with a one-line manifest (`file NAME seq 1 type b`, the format of
# src/aof.c getAofManifestAsString). The old appendonlydir is kept beside it, renamed.
# A second run with the same snapshot changes nothing. It refuses while a Redis pod exists: a
# running Redis keeps appending to the files moved aside, and its next AOF rewrite writes a new
# manifest over the restored one (src/aof.c, rewriteAppendOnlyFileBackground), so the restore
# would be silently undone. It asks k3s (the node is a k3s server), not /proc: a container's
# open files show there by its own paths (/data/…), not the node's.
#
#   ssh root@NODE 'bash -s -- --node NAME --snapshot /root/redis-restore.rdb [--claim redis-data]' < infra/scripts/restore-redis-data.sh
#
# Environment: REDIS_STORAGE (k3s's local-path root, /var/lib/rancher/k3s/storage),
# REDIS_OWNER (the redis image's user and group, 999:1000).
set -euo pipefail

die() {
    echo "restore-redis-data: $*" >&2
    exit 1
}
log() { echo "restore-redis-data: $*" >&2; }

main() {
    local node="" snapshot="" claim="redis-data"
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            --snapshot) snapshot="${2:?--snapshot needs a value}"; shift 2 ;;
            --claim) claim="${2:?--claim needs a value (honeydue:redis.claimName)}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --snapshot FILE [--claim NAME]" ;;
        esac
    done
    if [ -z "$node" ] || [ -z "$snapshot" ]; then
        die "usage: --node NAME --snapshot FILE"
    fi
    local storage="${REDIS_STORAGE:-/var/lib/rancher/k3s/storage}" owner="${REDIS_OWNER:-999:1000}"

    [ -s "$snapshot" ] || die "$node: no snapshot at $snapshot; copy it there first (scp redis-….rdb $node:$snapshot)"
    [ "$(head -c 5 "$snapshot")" = "REDIS" ] || die "$node: $snapshot does not start with REDIS: not an RDB snapshot"

    # Bounded: k3s's API answers within 30 s or the restore does not start.
    local pods
    if ! pods="$(timeout 30 k3s kubectl -n honeydue get pods -l app.kubernetes.io/name=redis -o name 2>&1)"; then
        die "$node: could not ask k3s whether Redis is stopped (at most 30 s): $pods; run this as root on a k3s server node (journalctl -u k3s)"
    fi
    [ -z "$pods" ] || die "$node: Redis still runs ($(echo "$pods" | tr '\n' ' ')); stop it first: kubectl -n honeydue scale deployment/redis --replicas=0, then wait for the pod to go (docs/runbook/restore-redis.md, step 2)"

    local volumes=()
    shopt -s nullglob
    volumes=("$storage"/*_honeydue_"$claim")
    shopt -u nullglob
    [ "${#volumes[@]}" -eq 1 ] || die "$node: expected one Redis volume $storage/*_honeydue_$claim, found ${#volumes[@]}; is this honeydue:redis.node, and is the claim honeydue:redis.claimName? (kubectl -n honeydue get pvc $claim -o wide)"
    local volume="${volumes[0]}"
    local dir="$volume/appendonlydir" base="appendonly.aof.1.base.rdb" manifest="appendonly.aof.manifest"
    local line="file $base seq 1 type b"

    if [ -f "$dir/$base" ] && cmp -s "$snapshot" "$dir/$base" && [ "$(cat "$dir/$manifest" 2>/dev/null)" = "$line" ]; then
        log "$node: $dir already holds this snapshot as its only file; nothing to do"
        return 0
    fi
    if [ -e "$dir" ]; then
        local kept
        kept="$volume/appendonlydir.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
        mv "$dir" "$kept"
        log "$node: kept the data Redis had in $kept (delete it once the restore is checked)"
    fi
    local fresh="$volume/.appendonlydir.restoring"
    rm -rf "$fresh"
    mkdir "$fresh"
    cp "$snapshot" "$fresh/$base"
    printf '%s\n' "$line" >"$fresh/$manifest"
    chown -R "$owner" "$fresh"
    mv "$fresh" "$dir"
    log "$node: $dir now holds $snapshot ($(wc -c <"$snapshot") bytes) as its base; start Redis (kubectl -n honeydue scale deployment/redis --replicas=1)"
}

main "$@"
