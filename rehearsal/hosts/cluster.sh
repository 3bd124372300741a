#!/usr/bin/env bash
# The fake k3s cluster as the scenario runner reads and steers it.
#   cluster.sh status            JSON: members, nodes (ready, version, cordoned, drained), hosts
#                                (k3s unit state, node, private IP, version, starts, restarts,
#                                installs), snapshots
#   cluster.sh events            JSON: every event in order ({at (ms), host, event, fields})
#   cluster.sh journal HOST      the fake k3s journal of HOST
#   cluster.sh fault NAME [VALUE|off]
#                                drain-blocked-<node>: kubectl drain fails as a PodDisruptionBudget
#                                would make it; cloud-init-rc-<host>: cloud-init's exit code
#   cluster.sh set KEY VALUE     learner_promote_ms (1000), restart_sec_ms (1000)
#   cluster.sh power-off HOST    the server goes away without a drain: its k3s stops, its etcd
#                                member and Node object stay (as when a server is deleted)
#   cluster.sh reimage HOST      a rebuilt server of the same name: power-off, then a fresh disk
#                                (the host's /etc, /var/lib and /usr/local changes are dropped)
# Before reading, each host's systemd is brought up to date (a k3s unit in auto-restart retries).
# shellcheck source-path=SCRIPTDIR source=hosts.lib.sh
. "$(dirname "$0")/hosts.lib.sh"

C="$HOSTS_DIR/cluster"
[ -d "$C" ] || hosts_die "no test hosts run (no $C); start them with rehearsal/hosts/up.sh"

in_host() {
    local name="$1" pid
    shift
    pid="$(host_pid "$name")"
    [ -n "$pid" ] || return 0
    nsenter --target "$pid" --mount --uts -- /bin/bash -c "$*"
}

reconcile_all() {
    local name
    for name in $(host_names); do
        # shellcheck disable=SC2016 # expanded inside the host
    in_host "$name" '. /usr/local/sbin/honeydue-fake.lib.sh && lock && reconcile'
    done
}

kv_json() {
    # A key=value file as a JSON object of strings.
    [ -f "$1" ] || { echo '{}'; return 0; }
    jq -R -s 'split("\n") | map(select(length > 0) | capture("^(?<k>[^=]+)=(?<v>.*)$")) | map({(.k): .v}) | add // {}' "$1"
}

status() {
    reconcile_all
    exec 9>>"$C/lock"
    flock -w 30 9 || hosts_die "the cluster lock was not free within 30s"
    local members="[]" nodes="[]" hosts="{}" snapshots="[]" f name obj ready host
    for f in "$C"/members/*; do
        [ -f "$f" ] || continue
        name="$(basename "$f")"
        obj="$(kv_json "$f")"
        members="$(jq -c --arg n "$name" --argjson o "$obj" '. + [{name: $n, node: ($n | sub("-[^-]*$"; "")), ip: $o.ip, host: $o.host, learner: ($o.learner == "1")}]' <<<"$members")"
    done
    for f in "$C"/nodes/*; do
        [ -f "$f" ] || continue
        name="$(basename "$f")"
        obj="$(kv_json "$f")"
        ready="$(in_host "$(jq -r .host <<<"$obj")" ". /usr/local/sbin/honeydue-fake.lib.sh && node_ready '$name'")"
        nodes="$(jq -c --arg n "$name" --arg r "${ready:-Unknown}" --argjson o "$obj" '. + [{name: $n, ready: ($r == "True"), kubeletVersion: $o.version, cordoned: ($o.cordoned == "true"), drained: ($o.drained == "true"), ip: $o.ip, host: $o.host, member: $o.member}]' <<<"$nodes")"
    done
    for host in $(host_names); do
        obj="$(kv_json "$C/hosts/$host")"
        local installs
        installs="$(grep -c "^[0-9]* $host install " "$C/events.log" || true)"
        hosts="$(jq -c --arg h "$host" --arg a "$(jq -r --arg h "$host" '.[$h]' "$HOSTS_DIR/addresses.json")" --argjson i "${installs:-0}" --argjson o "$obj" --arg up "$([ -n "$(host_pid "$host")" ] && echo true || echo false)" \
            '. + {($h): {address: $a, up: ($up == "true"), k3s: ($o.unit // "inactive"), sub: ($o.sub // "dead"), error: ($o.error // ""), node: ($o.node // null), privateIp: ($o.ip // null), version: ($o.version // null), member: ($o.member // null), agent: ($o.agent // null), starts: (($o.starts // "0") | tonumber), restarts: (($o.restarts // "0") | tonumber), installs: $i}}' <<<"$hosts")"
    done
    for f in "$C"/snapshots/*; do
        [ -d "$f" ] && snapshots="$(jq -c --arg n "$(basename "$f")" '. + [$n]' <<<"$snapshots")"
    done
    jq -n --argjson m "$members" --argjson n "$nodes" --argjson h "$hosts" --argjson s "$snapshots" --arg id "$(cat "$C/id" 2>/dev/null || true)" \
        '{clusterId: $id, members: $m, nodes: $n, hosts: $h, snapshots: $s}'
}

events() {
    jq -R -s '
      split("\n") | map(select(length > 0) | capture("^(?<at>[0-9]+) (?<host>[^ ]+) (?<event>[^ ]+) ?(?<rest>.*)$")
        | .at |= tonumber
        | .fields = ([.rest | scan("([a-z_]+)=(\"[^\"]*\"|[^ ]*)") | {(.[0]): (.[1] | ltrimstr("\"") | rtrimstr("\""))}] | add // {})
        | del(.rest))' "$C/events.log"
}

power_off() {
    local name="$1"
    # shellcheck disable=SC2016 # expanded inside the host
    in_host "$name" '. /usr/local/sbin/honeydue-fake.lib.sh && lock && k3s_stop power-off && kv_set "$HS" agent ""'
}

case "${1:-}" in
    status) status ;;
    events) events ;;
    journal) cat "$C/journal/${2:?cluster.sh journal HOST}.log" 2>/dev/null || true ;;
    fault)
        [ -n "${2:-}" ] || hosts_die "cluster.sh fault NAME [VALUE|off]"
        if [ "${3:-on}" = off ]; then rm -f "$C/faults/$2"; else printf '%s' "${3:-on}" >"$C/faults/$2"; fi
        ;;
    set)
        case "${2:-}" in learner_promote_ms | restart_sec_ms) ;; *) hosts_die "cluster.sh set: unknown key '${2:-}'; expected learner_promote_ms or restart_sec_ms" ;; esac
        [[ "${3:-}" =~ ^[0-9]+$ ]] || hosts_die "cluster.sh set $2: expected milliseconds, got '${3:-}'"
        exec 9>>"$C/lock"
        flock -w 30 9
        { grep -v "^$2=" "$C/settings" || true; echo "$2=$3"; } >"$C/settings.tmp"
        mv "$C/settings.tmp" "$C/settings"
        ;;
    power-off) power_off "${2:?cluster.sh power-off HOST}" ;;
    reimage)
        name="${2:?cluster.sh reimage HOST}"
        addr="$(jq -r --arg h "$name" '.[$h] // empty' "$HOSTS_DIR/addresses.json")"
        [ -n "$addr" ] || hosts_die "no test host named '$name'"
        power_off "$name"
        stop_host "$name"
        rm -rf "$HOSTS_DIR/$name/root" "$HOSTS_DIR/$name/work"
        start_host "$name" "$addr"
        printf '%s %s reimage\n' "$(date +%s%3N)" "$name" >>"$C/events.log"
        ;;
    *) hosts_die "usage: cluster.sh status|events|journal HOST|fault NAME [VALUE|off]|set KEY MS|power-off HOST|reimage HOST" ;;
esac
