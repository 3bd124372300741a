#!/usr/bin/env bash
# Starts the three SSH test hosts and their shared fake k3s cluster (rehearsal/hosts/README.md).
#   REHEARSAL_STATE=DIR rehearsal/hosts/up.sh [NAME1 NAME2 NAME3]
# Starts from nothing: hosts that run are stopped and their state removed first.
# shellcheck source-path=SCRIPTDIR source=hosts.lib.sh
. "$(dirname "$0")/hosts.lib.sh"

names=("$@")
[ "${#names[@]}" -gt 0 ] || names=("${DEFAULT_NAMES[@]}")
[ "${#names[@]}" -eq 3 ] || hosts_die "expected three host names, got ${#names[@]}: ${names[*]}"
for n in "${names[@]}"; do [[ "$n" =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || hosts_die "host name '$n' is not a valid node name (lower-case letters, digits, '-')"; done
[ "$(id -u)" -eq 0 ] || hosts_die "must run as root (unshare and mount need it)"
[ -x /usr/sbin/sshd ] || hosts_die "/usr/sbin/sshd is missing: apt-get install openssh-server (.ci/run does)"
for tool in unshare flock jq ssh ssh-keygen; do command -v "$tool" >/dev/null || hosts_die "$tool is missing"; done
case "$HOSTS_DIR/" in
    /etc/* | /var/lib/* | /usr/local/* | /run/*) hosts_die "REHEARSAL_STATE ($REHEARSAL_STATE) must not be under /etc, /var/lib, /usr/local or /run: each host has its own view of those" ;;
esac
unshare --mount true 2>/dev/null || hosts_die "'unshare --mount' is not permitted here; the hosts need their own mount namespaces"

"$(dirname "$0")/down.sh"
mkdir -p "$HOSTS_DIR/cluster"/{members,nodes,node-passwords,hosts,snapshots,journal,faults}
: >"$HOSTS_DIR/cluster/events.log"
printf 'learner_promote_ms=1000\nrestart_sec_ms=1000\n' >"$HOSTS_DIR/cluster/settings"
ssh-keygen -q -t ed25519 -N '' -C rehearsal -f "$HOSTS_DIR/id_ed25519"
cp "$HOSTS_DIR/id_ed25519.pub" "$HOSTS_DIR/authorized_keys"
: >"$HOSTS_DIR/known_hosts"
json="{}"
for i in 0 1 2; do
    prepare_host "${names[$i]}" "${ADDRESSES[$i]}"
    echo "${ADDRESSES[$i]} $(cut -d' ' -f1,2 "$HOSTS_DIR/${ADDRESSES[$i]}.hostkey.pub")" >>"$HOSTS_DIR/known_hosts"
    json="$(jq -c --arg n "${names[$i]}" --arg a "${ADDRESSES[$i]}" '. + {($n): $a}' <<<"$json")"
done
jq . <<<"$json" >"$HOSTS_DIR/addresses.json"
for i in 0 1 2; do
    start_host "${names[$i]}" "${ADDRESSES[$i]}"
    echo "rehearsal hosts: ${names[$i]} answers at root@${ADDRESSES[$i]}:22"
done
