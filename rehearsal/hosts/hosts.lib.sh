# shellcheck shell=bash
# Shared by up.sh, down.sh and cluster.sh: where the hosts live and how one starts and stops.
#
# A host is one sshd (Debian's openssh-server) in its own mount and UTS namespace
# (unshare --mount --uts --propagation private), so nothing it does reaches this machine:
#   /etc, /var/lib, /usr/local  overlays whose writes land in $REHEARSAL_STATE/hosts/<name>/root
#                               (so /etc/rancher, /etc/systemd, /etc/ssh/sshd_config.d,
#                               /var/lib/rancher, /usr/local/bin are the host's own);
#   /usr/local/sbin             the fakes (first on sshd's PATH for root);
#   /run                        a private tmpfs (sshd's /run/sshd);
#   /root                       an empty home (no login scripts of this machine's root);
#   /proc/sys/{vm,kernel}/...   the four settings cloud-init sets for protect-kernel-defaults.
set -euo pipefail

[ -n "${REHEARSAL_STATE:-}" ] || { echo "rehearsal hosts: set REHEARSAL_STATE to the rehearsal's state directory" >&2; exit 1; }
HOSTS_DIR="$(realpath -m "$REHEARSAL_STATE")/hosts"
HOSTS_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by up.sh
DEFAULT_NAMES=(ubuntu-8gb-nbg1-1 ubuntu-8gb-nbg1-2 ubuntu-8gb-nbg1-3)
# shellcheck disable=SC2034 # used by up.sh and cluster.sh
ADDRESSES=(127.0.1.11 127.0.1.12 127.0.1.13)
# What cloud-init's /etc/sysctl.d/90-kubelet.conf sets (infra/hetzner/cloudInit.ts kernelDefaults).
SYSCTLS=(vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1)

hosts_die() {
    echo "rehearsal hosts: $*" >&2
    exit 1
}

# The pid of host $1's sshd when it runs (nothing otherwise).
host_pid() {
    local pid
    pid="$(cat "$HOSTS_DIR/$1/sshd.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]; then echo "$pid"; fi
}

# Every process in host $1's mount namespace (its sshd and the sessions it started).
host_processes() {
    local pid ns p
    pid="$(host_pid "$1")"
    [ -n "$pid" ] || return 0
    ns="$(readlink "/proc/$pid/ns/mnt")"
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
    done
    return 0
}

# Lays out host $1 (address $2): its root, fakes, sshd configuration and host key.
prepare_host() {
    local name="$1" addr="$2" d="$HOSTS_DIR/$1" f kv
    mkdir -p "$d/home" "$d"/root/{etc/rancher,etc/systemd/system,etc/ssh/sshd_config.d,var/lib/rancher,usr/local/bin,usr/local/sbin} "$d"/work/{etc,varlib,usrlocal} "$d/sysctl"
    for f in systemctl curl cloud-init journalctl; do install -m 0755 "$HOSTS_HERE/fakes/$f" "$d/root/usr/local/sbin/$f"; done
    for f in honeydue-fake.lib.sh honeydue-k3s honeydue-k3s-install.sh; do install -m 0644 "$HOSTS_HERE/fakes/$f" "$d/root/usr/local/sbin/$f"; done
    printf 'HONEYDUE_HOST=%s\nHONEYDUE_ADDRESS=%s\nHONEYDUE_CLUSTER=%s\nHONEYDUE_USER_DATA=%s\nHONEYDUE_YAML=%s\n' "$name" "$addr" "$HOSTS_DIR/cluster" \
        "$d/user-data" "$(realpath -m "$HOSTS_HERE/../../node_modules/yaml")" >"$d/root/usr/local/sbin/honeydue-host.env"
    for kv in "${SYSCTLS[@]}"; do
        mkdir -p "$d/sysctl/${kv%%/*}"
        echo "${kv#*=}" >"$d/sysctl/${kv%=*}"
    done
    [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$d/ssh_host_ed25519_key"
    cp "$d/ssh_host_ed25519_key.pub" "$HOSTS_DIR/$addr.hostkey.pub"
    cat >"$d/sshd_config" <<CONF
# Test host $name: loopback only, root by key only.
ListenAddress $addr:22
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $HOSTS_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
MaxStartups 50:30:100
MaxSessions 50
Subsystem sftp internal-sftp
CONF
}

# Starts host $1 (address $2) and waits until it answers over SSH.
start_host() {
    local name="$1" addr="$2" d="$HOSTS_DIR/$1" kv binds="" deadline
    prepare_host "$name" "$addr"
    if (exec 3<>"/dev/tcp/$addr/22") 2>/dev/null; then
        hosts_die "something already listens on $addr:22 (a machine-wide sshd on 0.0.0.0:22?); the test hosts need that port on their own addresses"
    fi
    for kv in "${SYSCTLS[@]}"; do binds+="mount --bind '$d/sysctl/${kv%=*}' '/proc/sys/${kv%=*}'; "; done
    rm -f "$d/sshd.pid"
    unshare --mount --uts --propagation private -- /bin/bash -c "
        set -e
        mount -t overlay overlay -o 'lowerdir=/etc,upperdir=$d/root/etc,workdir=$d/work/etc' /etc
        mount -t overlay overlay -o 'lowerdir=/var/lib,upperdir=$d/root/var/lib,workdir=$d/work/varlib' /var/lib
        mount -t overlay overlay -o 'lowerdir=/usr/local,upperdir=$d/root/usr/local,workdir=$d/work/usrlocal' /usr/local
        mount -t tmpfs -o mode=0755 tmpfs /run
        mkdir -p -m 0755 /run/sshd
        mount --bind '$d/home' /root
        $binds
        hostname '$name'
        exec /usr/sbin/sshd -f '$d/sshd_config' -E '$d/sshd.log'
    " || hosts_die "sshd for $name did not start; see $d/sshd.log"
    deadline=$((SECONDS + 10))
    until ssh_host "$addr" true 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || hosts_die "$name ($addr) does not answer over SSH after 10s; see $d/sshd.log"
        sleep 0.1
    done
}

# Stops host $1: its sshd and every session process left in its namespace; the namespace and
# its mounts go with the last of them.
stop_host() {
    local name="$1" pids deadline
    pids="$(host_processes "$name")"
    # shellcheck disable=SC2086 # one pid a word
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while [ -n "$(host_processes "$name")" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    pids="$(host_processes "$name")"
    # shellcheck disable=SC2086 # one pid a word
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    rm -f "$HOSTS_DIR/$name/sshd.pid"
}

ssh_host() {
    local addr="$1"
    shift
    ssh -i "$HOSTS_DIR/id_ed25519" -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile="$HOSTS_DIR/known_hosts" -o LogLevel=ERROR "root@$addr" "$@"
}

# The host names, in address order (from addresses.json once up.sh wrote it).
host_names() {
    if [ -f "$HOSTS_DIR/addresses.json" ]; then
        jq -r 'to_entries | sort_by(.value) | .[].key' "$HOSTS_DIR/addresses.json"
    fi
}
