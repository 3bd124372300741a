#!/usr/bin/env bash
# Installs, joins or upgrades one k3s server, idempotently. The command provider sends this
# script on stdin (`bash -s -- ARGS`), followed by the payload: one line per file,
# "<name> <base64 content>", so no secret is ever on a command line or in the environment.
#
#   bash -s -- --role init|join --node NAME --version vX.Y.Z+k3sN --installer-sha256 HEX
#               --k3s-sha256 HEX [--peers IP,IP...] [--adopt]
#               [--restore SNAPSHOT | --rejoin-restored SNAPSHOT]
#
# Payload files: config.yaml (this server's k3s configuration), token (the cluster token),
# etcd-s3-credentials.yaml (a k3s config drop-in holding the B2 key; optional) and, for the init
# role, config-rejoin.yaml (the same server joining through the first peer).
#
# Role init is the first node. On the first-ever bootstrap it starts the cluster (cluster-init).
# Rebuilt, it must not start a second cluster: when it has no etcd data of its own and any peer
# already answers, it joins through the first peer instead (config-rejoin.yaml).
#
# What the script decided is kept in /etc/rancher/k3s/honeydue-bootstrap, one key=value a line:
#   mode=cluster-init|rejoin   the init role's choice, kept from then on
#   k3s=adopted|managed        adopted: built by hand and left alone; managed: our configuration
#   restored=SNAPSHOT          the last etcd snapshot restored (node 1) or rejoined after (others)
#
# --adopt (honeydue:adopt.k3s): a node that already runs k3s and has never been managed is left
# alone when it runs the pinned version (no install, no file written, no restart) and recorded as
# adopted; on another version the script refuses (pin the running version first). An adopted node
# gets our configuration at the next deliberate change: a version bump, a restore, or --adopt
# dropped. On node 1 the payload token must be the running cluster's.
#
# --restore SNAPSHOT (node 1, honeydue:etcdRestore): once per snapshot name, stop k3s and run
# `k3s server --cluster-reset --cluster-reset-restore-path=SNAPSHOT`, which reads the etcd-s3
# settings and credentials from config.yaml and its drop-in, then start normally. A node 1 without
# etcd data while a peer answers (rebuilt after the restore) refuses: never restore over a cluster.
# --rejoin-restored SNAPSHOT (the others, strictly after node 1): once per snapshot name, stop k3s,
# move the old etcd data aside (server/db-before-restore-SNAPSHOT) and join the restored cluster.
#
# Token rotation (node 1): when the payload token differs from the one k3s runs with (the tail of
# /var/lib/rancher/k3s/server/token), `k3s token rotate` replaces it (k3s reads the old token from
# that file itself), then k3s restarts with the new token file. The joiners follow in their steps.
#
# Verified downloads (honeydue:k3sInstallerSha256, honeydue:k3sBinarySha256): the installer is
# install.sh at the release's own tag (not get.k3s.io, which serves whatever is newest), and the
# binary is the release's asset for this machine (k3s on x86_64, k3s-arm64 on aarch64). Each is
# checked against its configured SHA-256 before anything runs or is installed; a mismatch stops
# here, naming the file, the expected and the actual hash. The binary is put in place by this
# script, then the installer runs with INSTALL_K3S_SKIP_DOWNLOAD=true, so it neither downloads nor
# replaces it (k3s-io/k3s install.sh, download_and_verify: can_skip_download_binary, then only
# verify_k3s_is_executable). A binary that already has the pinned hash is not downloaded again;
# a managed node whose binary is not the pinned one (same version, other hash) gets the pinned one.
#
# Second run with the same version, hashes and files: nothing is downloaded, installed or restarted.
#
# Nothing here waits unbounded (the command provider never times a command out): the installer
# runs with INSTALL_K3S_SKIP_START=true under `timeout`, k3s is started with `systemctl --no-block`
# (install.sh's own `systemctl restart` blocks until k3s is ready: Type=notify, TimeoutStartSec=0)
# and then this script polls /readyz against its own deadline; every systemctl call is under
# `timeout`. Each failure names the node, what it waited for and where to look.
#
# Environment (defaults for a real node): K3S_ROOT (prefix for every path, for tests),
# READY_TIMEOUT (300 s), POLL_INTERVAL (5 s),
# PEER_PROBE_TIMEOUT (5 s), RESTORE_TIMEOUT (900 s), ROTATE_TIMEOUT (120 s), ROTATE_KILL_GRACE (5 s),
# INSTALL_TIMEOUT (600 s), SYSTEMCTL_TIMEOUT (90 s).
set -euo pipefail

ROOT="${K3S_ROOT:-}"
CONF_DIR="$ROOT/etc/rancher/k3s"
CONFIG="$CONF_DIR/config.yaml"
TOKEN="$CONF_DIR/token"
CREDENTIALS="$CONF_DIR/config.yaml.d/90-etcd-s3-credentials.yaml"
MARKER="$CONF_DIR/honeydue-bootstrap"
DB_DIR="$ROOT/var/lib/rancher/k3s/server/db"
ETCD_DATA="$DB_DIR/etcd"
RESET_FLAG="$DB_DIR/reset-flag"
SERVER_TOKEN="$ROOT/var/lib/rancher/k3s/server/token"
BIN_DIR="$ROOT/usr/local/bin"
VERSION=""
INSTALLER_SHA256=""
BINARY_SHA256=""
CHANGED=()
WORK=""

log() { echo "k3s-server[$NODE]: $*"; }
die() {
    echo "k3s-server[${NODE:-?}]: $*" >&2
    exit 1
}

# systemctl under a bound: a stop or a blocking start can wait for ever on a unit that never
# settles. Exit 124 when the bound is hit.
svc() {
    timeout "${SYSTEMCTL_TIMEOUT:-90}" systemctl "$@"
}

# Asks systemd to (re)start k3s without waiting for it (wait_ready does, against its deadline).
start_k3s() {
    local verb="${1:-restart}" rc=0
    svc "$verb" --no-block k3s || rc=$?
    [ "$rc" -ne 124 ] || die "'systemctl $verb --no-block k3s' did not return within ${SYSTEMCTL_TIMEOUT:-90}s; see 'systemctl status k3s' and 'journalctl -u systemd -n 50' on this node"
    [ "$rc" -eq 0 ] || die "systemd refused to $verb k3s (exit $rc); see 'systemctl status k3s' and 'journalctl -u k3s -n 100' on this node"
}

# Stops k3s and waits (bounded) for it: $1 says why, for the message.
stop_k3s() {
    local rc=0
    svc stop k3s || rc=$?
    [ "$rc" -ne 124 ] || die "k3s did not stop within ${SYSTEMCTL_TIMEOUT:-90}s ($1); see 'systemctl status k3s' and 'journalctl -u k3s -n 100' on this node"
    [ "$rc" -eq 0 ] || die "could not stop k3s ($1, exit $rc); see 'systemctl status k3s' on this node"
}

# Whether k3s runs here; a systemctl that does not answer is an error, not "stopped".
k3s_active() {
    local rc=0
    svc is-active --quiet k3s || rc=$?
    [ "$rc" -ne 124 ] || die "systemctl did not answer within ${SYSTEMCTL_TIMEOUT:-90}s (is-active k3s); see 'systemctl status k3s' on this node"
    [ "$rc" -eq 0 ]
}

# A marker line as key=value (the first version of the marker held only the init role's mode).
marker_line() {
    case "$1" in
        cluster-init | rejoin) printf 'mode=%s' "$1" ;;
        *) printf '%s' "$1" ;;
    esac
}

# Prints the marker's value for key $1 (nothing when unset).
marker_get() {
    local line
    [ -f "$MARKER" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        line="$(marker_line "$line")"
        if [ "${line%%=*}" = "$1" ]; then
            printf '%s\n' "${line#*=}"
            return 0
        fi
    done <"$MARKER"
    return 0
}

# Sets key $1 to $2 in the marker; rewrites the file only when its content changes.
marker_set() {
    local key="$1" value="$2" line out=""
    if [ -f "$MARKER" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            line="$(marker_line "$line")"
            if [ -n "$line" ] && [ "${line%%=*}" != "$key" ]; then out+="$line"$'\n'; fi
        done <"$MARKER"
    fi
    out+="$key=$value"$'\n'
    if [ -f "$MARKER" ] && printf '%s' "$out" | cmp -s - "$MARKER"; then return 0; fi
    mkdir -p "$CONF_DIR"
    printf '%s' "$out" >"$MARKER"
}

# The passphrase k3s runs with: the tail of its secure token K10<CA hash>::server:<passphrase>.
running_passphrase() {
    local secure
    [ -s "$SERVER_TOKEN" ] || return 0
    secure="$(<"$SERVER_TOKEN")"
    printf '%s\n' "${secure##*:}"
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

# Prints the first of the comma-separated peers that answers on :6443 (nothing when none does).
answering_peer() {
    local peer list=()
    IFS=',' read -r -a list <<<"$1"
    for peer in "${list[@]}"; do
        if [ -n "$peer" ] && peer_answers "$peer"; then
            echo "$peer"
            return 0
        fi
    done
    return 0
}

# Prints "cluster-init" or "rejoin" for the init role (see the header).
bootstrap_mode() {
    local peers="$1" peer first="" answering=() list=() recorded
    recorded="$(marker_get mode)"
    if [ -n "$recorded" ]; then
        echo "$recorded"
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

# Where the pinned release's files are: install.sh at the release's tag, the binary among its
# assets ('+' escaped in the tag as GitHub spells it in a path).
installer_url() { printf 'https://raw.githubusercontent.com/k3s-io/k3s/%s/install.sh' "${1//+/%2B}"; }
binary_url() { printf 'https://github.com/k3s-io/k3s/releases/download/%s/%s' "${1//+/%2B}" "$2"; }

# The release asset for this machine, as install.sh names it (setup_verify_arch).
binary_asset() {
    local arch
    arch="$(uname -m)"
    case "$arch" in
        x86_64 | amd64) echo k3s ;;
        aarch64 | arm64) echo k3s-arm64 ;;
        *) die "no k3s binary is pinned for this machine's architecture '$arch'; expected x86_64 or aarch64" ;;
    esac
}

sha256_of() {
    local sum
    sum="$(sha256sum "$1")"
    printf '%s\n' "${sum%% *}"
}

# Stops unless file $1 (downloaded from $2) has the SHA-256 $3, recorded in honeydue:$4.
verify_download() {
    local actual
    actual="$(sha256_of "$1")"
    [ "$actual" = "$3" ] ||
        die "the downloaded $(basename "$1") ($2) has SHA-256 $actual, expected $3 (honeydue:$4 for k3s $VERSION); nothing was installed or run: check the hash recorded for this version (docs/runbook/upgrade-k3s.md) or the download"
}

# True when the installed k3s binary is the pinned one.
binary_pinned() {
    [ -x "$BIN_DIR/k3s" ] && [ "$(sha256_of "$BIN_DIR/k3s")" = "$BINARY_SHA256" ]
}

# Downloads what this run installs and checks it, before any file of the node is written: the
# installer (an install or upgrade), and the binary unless the installed one is already pinned.
fetch_release() {
    local work="$1" want_installer="$2" url asset
    if [ "$want_installer" = true ]; then
        url="$(installer_url "$VERSION")"
        log "downloading the k3s $VERSION installer from $url"
        curl -sfL --retry 3 --max-time 120 -o "$work/install.sh" "$url" || die "could not download the k3s installer from $url"
        verify_download "$work/install.sh" "$url" "$INSTALLER_SHA256" k3sInstallerSha256
    fi
    if binary_pinned; then
        log "the k3s binary in /usr/local/bin already has the pinned SHA-256: not downloaded again"
        return 0
    fi
    asset="$(binary_asset)"
    url="$(binary_url "$VERSION" "$asset")"
    log "downloading the k3s $VERSION binary ($asset) from $url"
    curl -sfL --retry 3 --max-time 600 -o "$work/k3s.download" "$url" || die "could not download the k3s binary from $url; is the node's outbound HTTPS to github.com open?"
    mv -f "$work/k3s.download" "$work/$asset"
    verify_download "$work/$asset" "$url" "$BINARY_SHA256" k3sBinarySha256
    mv -f "$work/$asset" "$work/k3s.checked"
}

# Puts the checked binary (fetch_release) in place, unless the installed one is already pinned;
# moved over the old one (a running k3s keeps its open file).
place_binary() {
    local work="$1"
    binary_pinned && return 0
    [ -f "$work/k3s.checked" ] || die "internal: no checked k3s binary to install"
    mkdir -p "$BIN_DIR"
    cp "$work/k3s.checked" "$BIN_DIR/k3s.new"
    chmod 0755 "$BIN_DIR/k3s.new"
    mv -f "$BIN_DIR/k3s.new" "$BIN_DIR/k3s"
}

# Installs (or upgrades) the binary and the unit, never starting k3s: the installer's own start
# blocks until k3s is ready. The caller starts it (start_k3s) and polls (wait_ready). The installer
# was fetched and checked by fetch_release; it runs without downloading anything itself.
run_installer() {
    local version="$1" work="$2" rc=0 bound="${INSTALL_TIMEOUT:-600}"
    [ -f "$work/install.sh" ] || die "internal: no checked k3s installer to run"
    log "installing k3s $version with the installer from $(installer_url "$version")"
    place_binary "$work"
    INSTALL_K3S_VERSION="$version" INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_BIN_DIR="$BIN_DIR" INSTALL_K3S_EXEC="server" INSTALL_K3S_SKIP_START=true timeout "$bound" sh "$work/install.sh" || rc=$?
    [ "$rc" -ne 124 ] || die "the k3s installer for $version did not finish within ${bound}s; see its output above"
    [ "$rc" -eq 0 ] || die "the k3s installer failed for $version; see its output above and 'journalctl -u k3s -n 100'"
}

wait_ready() {
    local timeout="${READY_TIMEOUT:-300}" interval="${POLL_INTERVAL:-5}" answer=""
    local deadline=$((SECONDS + timeout))
    while :; do
        answer="$(k3s kubectl --request-timeout=10s get --raw /readyz 2>&1 || true)"
        [ "$answer" = ok ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "the API server on this node is not ready after ${timeout}s (last /readyz answer: '${answer:0:200}'); see 'journalctl -u k3s -n 100' on this node"
        fi
        sleep "$interval"
    done
}

# Adoption, first contact or a re-run: a node that runs the pinned k3s is only checked, never
# changed. Node 1's payload token must be the one the cluster runs with, or the first deliberate
# change (which writes our token file) would stop k3s from starting.
adopt_in_place() {
    local role="$1" version="$2" token="$3" state="$4" current
    k3s_active ||
        die "k3s $version is installed but not running; an adopted node is left as it is: start it ('systemctl start k3s', see 'journalctl -u k3s -n 100') and run again"
    if [ "$role" = init ]; then
        current="$(running_passphrase)"
        if [ -n "$current" ] && [ "$current" != "$(<"$token")" ]; then
            if [ "$state" = adopted ]; then
                die "the cluster token changed while this node is adopted and left alone; rotate it after the node runs our configuration (bump honeydue:k3sVersion, or drop honeydue:adopt.k3s), see docs/runbook/rotate-k3s-token.md"
            fi
            die "the cluster token the program would use is not the one this cluster runs with; set honeydue:k3sToken to the running cluster's token (the part after '::server:' in /var/lib/rancher/k3s/server/token on this node) with 'pulumi config set --secret honeydue:k3sToken'"
        fi
    fi
    wait_ready
    marker_set k3s adopted
    if [ "$state" = adopted ]; then
        log "adopted node on k3s $version: left alone (its configuration is applied at the next version bump)"
    else
        log "k3s $version already runs here (built by hand): adopted and left alone; no install, no configuration written, no restart"
    fi
}

# Replaces the cluster token with the payload's while k3s runs. k3s reads the old token from its
# own token file; it takes the new one only as the flag --new-token (no file, no environment
# variable: k3s-io/k3s pkg/cli/cmds/token.go, NewTokenCommands "rotate"; its config file is read
# only for server, agent and etcd-snapshot: pkg/configfilearg/defaultparser.go, DefaultParser.After),
# and replaces its own process title before it connects (pkg/cli/token/token.go, serverAccess:
# gspt.SetProcTitle). So the token is on k3s's own argv only, for as short as k3s needs: no
# `timeout` wrapper (whose argv would hold it for the whole wait); this shell is the watchdog.
# Stops the rotation $1: TERM, then KILL if it has not exited within ROTATE_KILL_GRACE seconds (a
# plain `wait` after TERM would wait for ever on a process that ignores or handles it).
stop_rotation() {
    local pid="$1" grace=$((SECONDS + ${ROTATE_KILL_GRACE:-5}))
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$grace" ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

rotate_token() {
    local new pid rc=0 bound="${ROTATE_TIMEOUT:-120}" deadline
    new="$(<"$1")"
    k3s_active ||
        die "the cluster token changed but k3s is not running here, so it cannot be rotated; start k3s ('systemctl start k3s') and run again"
    log "the cluster token changed: rotating it with 'k3s token rotate' (then restarting with the new token file)"
    k3s token rotate --new-token="$new" >/dev/null &
    pid=$!
    new=""
    deadline=$((SECONDS + bound))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            stop_rotation "$pid"
            die "'k3s token rotate' did not finish within ${bound}s and was stopped; k3s still runs with the old token (see 'journalctl -u k3s -n 100' on this node); fix it and run 'pulumi up' again"
        fi
        sleep 0.2
    done
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] ||
        die "'k3s token rotate' failed (exit $rc); k3s still runs with the old token (see 'journalctl -u k3s -n 100' on this node); fix it and run 'pulumi up' again"
}

# Node 1: reset the cluster to this server alone, from an etcd snapshot in the B2 bucket.
restore_snapshot() {
    local snapshot="$1" out="$WORK/cluster-reset.log"
    stop_k3s "before the restore"
    if [ -f "$RESET_FLAG" ]; then
        log "a cluster reset already ran here and k3s has not started since (server/db/reset-flag): starting without another reset"
        return 0
    fi
    log "restoring etcd from the snapshot $snapshot in the B2 bucket (k3s server --cluster-reset); this server becomes the cluster's only member"
    if ! timeout "${RESTORE_TIMEOUT:-900}" k3s server --cluster-reset --cluster-reset-restore-path="$snapshot" >"$out" 2>&1; then
        tail -n 20 "$out" >&2 || true
        die "the restore from $snapshot failed or timed out (its last lines are above); is the name right ('k3s etcd-snapshot ls' on a server lists the bucket's snapshots)?"
    fi
}

# The other servers after node 1's restore: their etcd data belongs to the old cluster.
leave_old_cluster() {
    local snapshot="$1" aside="$DB_DIR-before-restore-$1"
    log "the cluster was restored from $snapshot: stopping k3s, moving the old etcd data aside and joining again"
    stop_k3s "before rejoining the restored cluster"
    if [ -d "$DB_DIR" ]; then
        rm -rf "$aside"
        mv "$DB_DIR" "$aside"
    fi
}

main() {
    local role="" version="" peers="" mode="" installed adopt=false restore="" rejoined="" state snapshot
    NODE=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --role) role="${2:?--role needs a value}"; shift 2 ;;
            --node) NODE="${2:?--node needs a value}"; shift 2 ;;
            --version) version="${2:?--version needs a value}"; shift 2 ;;
            --installer-sha256) INSTALLER_SHA256="${2:?--installer-sha256 needs a value}"; shift 2 ;;
            --k3s-sha256) BINARY_SHA256="${2:?--k3s-sha256 needs a value}"; shift 2 ;;
            --peers) peers="${2:?--peers needs a value}"; shift 2 ;;
            --adopt) adopt=true; shift ;;
            --restore) restore="${2:?--restore needs a snapshot name}"; shift 2 ;;
            --rejoin-restored) rejoined="${2:?--rejoin-restored needs a snapshot name}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --role, --node, --version, --installer-sha256, --k3s-sha256, --peers, --adopt, --restore, --rejoin-restored" ;;
        esac
    done
    case "$role" in init | join) ;; *) die "--role must be init or join, got '$role'" ;; esac
    [ -n "$NODE" ] || die "missing --node NAME"
    [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$ ]] || die "--version must be a pinned k3s release such as v1.34.6+k3s1, got '$version'"
    VERSION="$version"
    [[ "$INSTALLER_SHA256" =~ ^[0-9a-f]{64}$ ]] || die "--installer-sha256 must be the SHA-256 of the k3s $version installer (64 lower-case hex digits, honeydue:k3sInstallerSha256), got '$INSTALLER_SHA256'"
    [[ "$BINARY_SHA256" =~ ^[0-9a-f]{64}$ ]] || die "--k3s-sha256 must be the SHA-256 of the k3s $version binary (64 lower-case hex digits, honeydue:k3sBinarySha256), got '$BINARY_SHA256'"
    [ -z "$restore" ] || [ "$role" = init ] || die "--restore is for the init role (node 1); the others take --rejoin-restored"
    [ -z "$rejoined" ] || [ "$role" = join ] || die "--rejoin-restored is for the join role; node 1 takes --restore"
    snapshot="$restore$rejoined"
    [ -z "$snapshot" ] || [[ "$snapshot" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "the snapshot must be a file name in the bucket's folder, got '$snapshot'"
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

    installed="$(installed_version)"
    state="$(marker_get k3s)"
    # A restore already done for this snapshot is not repeated.
    [ -z "$snapshot" ] || [ "$(marker_get restored)" != "$snapshot" ] || snapshot=""

    if [ "$adopt" = true ] && [ -n "$installed" ] && [ "$state" != managed ]; then
        if [ "$state" != adopted ] && [ "$installed" != "$version" ]; then
            die "k3s $installed runs here but honeydue:k3sVersion is $version; to adopt a running node, pin the version it runs first ('pulumi config set honeydue:k3sVersion $installed'), adopt, then upgrade by changing honeydue:k3sVersion (docs/runbook/upgrade-k3s.md)"
        fi
        if [ "$installed" = "$version" ] && [ -z "$snapshot" ]; then
            adopt_in_place "$role" "$version" "$work/token" "$state"
            return 0
        fi
        if [ -n "$snapshot" ]; then
            log "adopted node: applying the program's configuration now, for the restore from $snapshot"
        else
            log "adopted node: applying the program's configuration now, with the upgrade from $installed to $version"
        fi
    fi

    # A rebuilt node 1 (no etcd data) must never reset a cluster that runs without it: the restore
    # named in the configuration was done before this server existed.
    if [ -n "$restore" ] && [ -n "$snapshot" ] && [ ! -d "$ETCD_DATA" ]; then
        local peer
        peer="$(answering_peer "$peers")"
        [ -z "$peer" ] || die "the restore from $snapshot is still configured, but this server has no etcd data and the cluster runs ($peer answers): a rebuilt first server does not restore over it; remove honeydue:etcdRestore if that restore was done ('pulumi config rm honeydue:etcdRestore'), or stop k3s on the other servers to restore on purpose"
    fi

    # What this run installs is downloaded and checked first: a mismatch leaves the node as it was.
    # The pinned version with another binary (put there by hand, or a hash recorded since) gets the pinned one.
    local repin=false
    if [ "$installed" = "$version" ] && ! binary_pinned; then repin=true; fi
    if [ "$installed" != "$version" ]; then
        fetch_release "$work" true
    elif [ "$repin" = true ]; then
        fetch_release "$work" false
    fi

    local config="$work/config.yaml"
    if [ "$role" = init ]; then
        # After a restore this server founds the cluster again, whatever it did before.
        if [ -n "$snapshot" ]; then mode=cluster-init; else mode="$(bootstrap_mode "$peers")"; fi
        if [ "$mode" = rejoin ]; then
            [ -s "$work/config-rejoin.yaml" ] || die "a cluster already runs, and the payload has no config-rejoin.yaml to join it with"
            config="$work/config-rejoin.yaml"
            log "no etcd data here and the cluster already runs: joining it (never a second cluster-init)"
        fi
        # A new cluster token while k3s runs: rotate it before the new token file is written.
        local current
        current="$(running_passphrase)"
        if [ -z "$snapshot" ] && [ -n "$installed" ] && [ -n "$current" ] && [ "$current" != "$(<"$work/token")" ]; then
            rotate_token "$work/token"
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

    if [ -n "$restore" ] && [ -n "$snapshot" ]; then
        if [ "$installed" != "$version" ]; then
            run_installer "$version" "$work"
            installed="$version"
        fi
        restore_snapshot "$snapshot"
        marker_set restored "$snapshot"
    elif [ -n "$rejoined" ] && [ -n "$snapshot" ] && [ -n "$installed" ]; then
        leave_old_cluster "$snapshot"
    fi

    if [ "$installed" = "$version" ] && [ "$repin" = false ] && [ "${#CHANGED[@]}" -eq 0 ] && k3s_active; then
        log "k3s $version already installed and configured; nothing to change"
    elif [ "$installed" != "$version" ]; then
        [ -z "$installed" ] || log "upgrading k3s from $installed to $version"
        run_installer "$version" "$work"
        start_k3s restart
    elif [ "$repin" = true ]; then
        log "k3s $version is installed, but its binary is not the one pinned by honeydue:k3sBinarySha256: replacing it, then restarting k3s"
        place_binary "$work"
        start_k3s restart
    else
        if [ "${#CHANGED[@]}" -gt 0 ]; then log "configuration changed (${CHANGED[*]}); restarting k3s"; else log "k3s $version installed but not running; starting it"; fi
        start_k3s restart
    fi

    wait_ready
    if [ "$role" = init ] && { [ -z "$(marker_get mode)" ] || [ -n "$restore" ]; }; then marker_set mode "$mode"; fi
    [ -z "$rejoined" ] || [ -z "$snapshot" ] || marker_set restored "$snapshot"
    marker_set k3s managed
    log "k3s $version ready ($role${mode:+, $mode}${snapshot:+, restored from $snapshot})"
}

main "$@"; exit $?
