#!/usr/bin/env bash
# Installs, joins or upgrades one k3s server, idempotently. The command provider sends this
# script on stdin (`bash -s -- ARGS`), followed by the payload: one line per file,
# "<name> <base64 content>", so no secret is ever on a command line or in the environment.
#
#   bash -s -- --role init|join --node NAME --version vX.Y.Z+k3sN [--peers IP,IP...]
#
# Payload files: config.yaml (this server's k3s configuration), token (the cluster token),
# etcd-s3-credentials.yaml (a k3s config drop-in holding the B2 key; optional) and, for the init
# role, config-rejoin.yaml (the same server joining through the first peer).
#
# Role init is the first node. On the first-ever bootstrap it starts the cluster (cluster-init).
# Rebuilt, it must not start a second cluster: when it has no etcd data of its own and any peer
# already answers, it joins through the first peer instead (config-rejoin.yaml). The choice is
# recorded in /etc/rancher/k3s/honeydue-bootstrap and kept from then on.
#
# Second run with the same version and files: nothing is installed or restarted.
#
# Environment (defaults for a real node): K3S_ROOT (prefix for every path, for tests),
# K3S_INSTALLER_URL (https://get.k3s.io), READY_TIMEOUT (300 s), POLL_INTERVAL (5 s),
# PEER_PROBE_TIMEOUT (5 s).
set -euo pipefail

ROOT="${K3S_ROOT:-}"
CONF_DIR="$ROOT/etc/rancher/k3s"
CONFIG="$CONF_DIR/config.yaml"
TOKEN="$CONF_DIR/token"
CREDENTIALS="$CONF_DIR/config.yaml.d/90-etcd-s3-credentials.yaml"
MARKER="$CONF_DIR/honeydue-bootstrap"
ETCD_DATA="$ROOT/var/lib/rancher/k3s/server/db/etcd"
CHANGED=()
WORK=""

log() { echo "k3s-server[$NODE]: $*"; }
die() {
    echo "k3s-server[${NODE:-?}]: $*" >&2
    exit 1
}

# Reads "<name> <base64>" lines from stdin into $1/<name>. Content is decoded by a pipe from a
# shell builtin, so it never becomes an argument of any process.
read_payload() {
    local dir="$1" name data
    while IFS=' ' read -r name data || [ -n "$name" ]; do
        [ -n "$name" ] || continue
        case "$name" in
            config.yaml | config-rejoin.yaml | token | etcd-s3-credentials.yaml) ;;
            *) die "unexpected payload entry '$name'; expected config.yaml, config-rejoin.yaml, token or etcd-s3-credentials.yaml" ;;
        esac
        printf '%s' "$data" | base64 -d >"$dir/$name" 2>/dev/null || die "payload entry '$name' is not valid base64"
        name=""
    done
}

# Copies $1 to $2 with mode 0600 when content or mode differ; records what changed.
install_file() {
    local src="$1" dest="$2"
    if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c %a "$dest")" = 600 ]; then
        return 0
    fi
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest.new"
    chmod 0600 "$dest.new"
    mv -f "$dest.new" "$dest"
    CHANGED+=("${dest#"$ROOT"}")
}

peer_answers() {
    local answer
    answer="$(curl -sk --max-time "${PEER_PROBE_TIMEOUT:-5}" "https://$1:6443/ping" 2>/dev/null || true)"
    [ "$answer" = pong ]
}

# Prints "cluster-init" or "rejoin" for the init role (see the header).
bootstrap_mode() {
    local peers="$1" peer first="" answering=() list=()
    if [ -f "$MARKER" ]; then
        cat "$MARKER"
        return 0
    fi
    if [ -d "$ETCD_DATA" ]; then
        echo cluster-init
        return 0
    fi
    IFS=',' read -r -a list <<<"$peers"
    for peer in "${list[@]}"; do
        [ -n "$peer" ] || continue
        [ -n "$first" ] || first="$peer"
        if peer_answers "$peer"; then answering+=("$peer"); fi
    done
    if [ "${#answering[@]}" -eq 0 ]; then
        echo cluster-init
    elif [ "${answering[0]}" = "$first" ]; then
        echo rejoin
    else
        die "a cluster already runs (${answering[*]} answer) but $first, the server a rebuilt first node joins through, does not; start k3s on $first and run again (this node will not start a second cluster)"
    fi
}

# protect-kernel-defaults makes the kubelet refuse to start unless these are already set
# (cloud-init sets them at first boot). Checked up front for a clear message instead of a crash loop.
check_kernel_defaults() {
    local pair key want have bad=()
    grep -q '^protect-kernel-defaults: true' "$1" || return 0
    for pair in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1; do
        key="${pair%=*}"
        want="${pair#*=}"
        have="$(cat "$ROOT/proc/sys/$key" 2>/dev/null || echo unreadable)"
        [ "$have" = "$want" ] || bad+=("${key//\//.}=$have (expected $want)")
    done
    [ "${#bad[@]}" -eq 0 ] || die "protect-kernel-defaults is on but ${bad[*]}; cloud-init's /etc/sysctl.d/90-kubelet.conf should set them (run 'sysctl --system')"
}

installed_version() {
    if command -v k3s >/dev/null 2>&1; then
        k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }'
    fi
}

run_installer() {
    local version="$1" work="$2" url="${K3S_INSTALLER_URL:-https://get.k3s.io}"
    log "installing k3s $version with the installer from $url"
    curl -sfL --retry 3 --max-time 120 -o "$work/install.sh" "$url" || die "could not download the k3s installer from $url"
    INSTALL_K3S_VERSION="$version" INSTALL_K3S_EXEC="server" sh "$work/install.sh" ||
        die "the k3s installer failed for $version; see its output above and 'journalctl -u k3s -n 100'"
}

wait_ready() {
    local timeout="${READY_TIMEOUT:-300}" interval="${POLL_INTERVAL:-5}" answer=""
    local deadline=$((SECONDS + timeout))
    while :; do
        answer="$(k3s kubectl get --raw /readyz 2>&1 || true)"
        [ "$answer" = ok ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "the API server on this node is not ready after ${timeout}s (last /readyz answer: '${answer:0:200}'); see 'journalctl -u k3s -n 100'"
        fi
        sleep "$interval"
    done
}

main() {
    local role="" version="" peers="" mode="" installed
    NODE=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --role) role="${2:?--role needs a value}"; shift 2 ;;
            --node) NODE="${2:?--node needs a value}"; shift 2 ;;
            --version) version="${2:?--version needs a value}"; shift 2 ;;
            --peers) peers="${2:?--peers needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --role, --node, --version, --peers" ;;
        esac
    done
    case "$role" in init | join) ;; *) die "--role must be init or join, got '$role'" ;; esac
    [ -n "$NODE" ] || die "missing --node NAME"
    [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$ ]] || die "--version must be a pinned k3s release such as v1.34.6+k3s1, got '$version'"
    if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
        die "must run as root (log in as root, or give honeydue:sshUser passwordless sudo)"
    fi

    umask 077
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    local work="$WORK"
    read_payload "$work"
    [ -s "$work/config.yaml" ] || die "the payload has no config.yaml"
    [ -s "$work/token" ] || die "the payload has no token"

    local config="$work/config.yaml"
    if [ "$role" = init ]; then
        mode="$(bootstrap_mode "$peers")"
        if [ "$mode" = rejoin ]; then
            [ -s "$work/config-rejoin.yaml" ] || die "a cluster already runs, and the payload has no config-rejoin.yaml to join it with"
            config="$work/config-rejoin.yaml"
            log "no etcd data here and the cluster already runs: joining it (never a second cluster-init)"
        fi
    fi

    check_kernel_defaults "$config"
    install_file "$config" "$CONFIG"
    install_file "$work/token" "$TOKEN"
    if [ -s "$work/etcd-s3-credentials.yaml" ]; then
        install_file "$work/etcd-s3-credentials.yaml" "$CREDENTIALS"
    elif [ -f "$CREDENTIALS" ]; then
        rm -f "$CREDENTIALS"
        CHANGED+=("${CREDENTIALS#"$ROOT"} (removed)")
    fi

    installed="$(installed_version)"
    if [ "$installed" = "$version" ] && [ "${#CHANGED[@]}" -eq 0 ] && systemctl is-active --quiet k3s; then
        log "k3s $version already installed and configured; nothing to change"
    elif [ "$installed" != "$version" ]; then
        [ -z "$installed" ] || log "upgrading k3s from $installed to $version"
        run_installer "$version" "$work"
    else
        if [ "${#CHANGED[@]}" -gt 0 ]; then log "configuration changed (${CHANGED[*]}); restarting k3s"; else log "k3s $version installed but not running; starting it"; fi
        systemctl restart k3s || die "k3s did not restart; see 'journalctl -u k3s -n 100'"
    fi

    wait_ready
    if [ "$role" = init ] && [ ! -f "$MARKER" ]; then
        echo "$mode" >"$MARKER"
    fi
    log "k3s $version ready ($role${mode:+, $mode})"
}

main "$@"; exit $?
