# shellcheck shell=bash
# The shared fake k3s cluster, sourced by every fake tool on a test host (k3s, kubectl, systemctl,
# curl, cloud-init, journalctl). No process runs k3s: "k3s runs on host H" is state in the
# cluster directory, which all three hosts see (it is outside their private mounts), changed
# under one flock. Files of the host itself (/etc/rancher, /var/lib/rancher, /etc/systemd,
# /usr/local/bin) are read at their real paths: each host sees its own.
#
# Layout of $HONEYDUE_CLUSTER (key=value files, one per object):
#   lock, settings                   the lock; timings (learner_promote_ms, restart_sec_ms)
#   id, cahash, passphrase           the running cluster: etcd cluster id, CA hash, server token
#   members/<member name>            etcd members: ip, host, learner (0|1), since (ms)
#   nodes/<node name>                Node objects: ip, host, member, version, cordoned, drained
#   node-passwords/<node name>       the node-password Secret (sha256 of /etc/rancher/node/password)
#   hosts/<host>                     each host's k3s unit: unit, sub, node, ip, version, member,
#                                    starts, restarts, installs, retry_at, error
#   snapshots/<name>/                etcd snapshots (the S3 bucket): meta, nodes/, node-passwords/
#   journal/<host>.log, events.log   k3s's journal per host; ordered events for the scenarios
#   faults/                          injected faults (cluster.sh fault ...)

# shellcheck source=/dev/null
. /usr/local/sbin/honeydue-host.env
C="$HONEYDUE_CLUSTER"
H="$HONEYDUE_HOST"
HS="$C/hosts/$H"
DATA=/var/lib/rancher/k3s/server
UNIT=/etc/systemd/system/k3s.service

now_ms() { date +%s%3N; }
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Takes the cluster lock for the rest of this process (the fakes are short-lived).
lock() {
    exec 9>>"$C/lock"
    flock -w 30 9 || {
        echo "rehearsal fake: the cluster lock ($C/lock) was not free within 30s" >&2
        exit 1
    }
}

kv_get() {
    [ -f "$1" ] || return 0
    sed -n "s/^$2=//p" "$1" | tail -n 1
}
kv_set() {
    local f="$1" k="$2" v="$3"
    mkdir -p "$(dirname "$f")"
    { [ ! -f "$f" ] || grep -v "^$k=" "$f" || true; printf '%s=%s\n' "$k" "$v"; } >"$f.tmp"
    mv -f "$f.tmp" "$f"
}
setting() {
    local v
    v="$(kv_get "$C/settings" "$1")"
    printf '%s' "${v:-$2}"
}

event() { printf '%s %s %s\n' "$(now_ms)" "$H" "$*" >>"$C/events.log"; }
journal() { printf '%s %s k3s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$H" "$*" >>"$C/journal/$H.log"; }

# ---- this host's configuration, as k3s reads it ----------------------------------------------

# A key of config.yaml, then of config.yaml.d/*.yaml in order (later wins), then the unit's
# flags (INSTALL_K3S_EXEC), which win over the files as k3s's command-line flags do.
cfg_get() {
    local key="$1" v="" f line tok prev=""
    for f in /etc/rancher/k3s/config.yaml /etc/rancher/k3s/config.yaml.d/*.yaml; do
        [ -f "$f" ] || continue
        line="$(grep -E "^${key}:" "$f" | tail -n 1 || true)"
        [ -z "$line" ] || v="$(printf '%s' "${line#*:}" | sed -E "s/^[[:space:]]+//; s/[[:space:]]+\$//; s/^\"(.*)\"\$/\\1/; s/^'(.*)'\$/\\1/")"
    done
    if [ -f "$UNIT" ]; then
        # shellcheck disable=SC2013 # the ExecStart line, word by word
        for tok in $(sed -n 's/^ExecStart=//p' "$UNIT"); do
            case "$tok" in
                "--$key="*) v="${tok#*=}" ;;
                "--$key") v=true ;;
            esac
            [ "$prev" != "--$key" ] || [[ "$tok" == --* ]] || v="$tok"
            prev="$tok"
        done
    fi
    printf '%s' "$v"
}

# The token this server starts with: token-file, else token (a K10 secure token or a passphrase).
cfg_token() {
    local file
    file="$(cfg_get token-file)"
    if [ -n "$file" ]; then
        [ -f "$file" ] && tr -d '\n' <"$file"
        return 0
    fi
    file="$(cfg_get token)"
    # The installer keeps K3S_TOKEN in the unit's environment file (a hand-built server).
    [ -n "$file" ] || file="$(sed -n 's/^K3S_TOKEN=//p' "$UNIT.env" 2>/dev/null | tail -n 1)"
    printf '%s' "$file"
}
passphrase_of() { local t="$1"; [[ "$t" == K10*::*:* ]] && printf '%s' "${t##*:}" || printf '%s' "$t"; }

installed_version() { [ -f /usr/local/bin/k3s ] && sed -n 's/^K3S_FAKE_VERSION=//p' /usr/local/bin/k3s; }

# ---- the cluster's view ------------------------------------------------------------------------

host_of_ip() {
    local f
    for f in "$C"/hosts/*; do
        [ -f "$f" ] || continue
        if [ "$(kv_get "$f" unit)" = active ] && [ "$(kv_get "$f" ip)" = "$1" ]; then
            basename "$f"
            return 0
        fi
    done
}

# A new etcd member for this host (a learner when it joins, a voter when it starts the cluster),
# and this host's etcd data naming it and the cluster it belongs to.
new_member() {
    local name
    name="$1-$(rand_hex 4)"
    kv_set "$C/members/$name" ip "$2"
    kv_set "$C/members/$name" host "$H"
    kv_set "$C/members/$name" learner "$3"
    kv_set "$C/members/$name" since "$(now_ms)"
    mkdir -p "$DATA/db/etcd" && chmod 0700 "$DATA/db/etcd"
    printf '%s' "$name" >"$DATA/db/etcd/name"
    cp "$C/id" "$DATA/db/etcd/cluster-id"
}

# Learners become voters after learner_promote_ms while their server runs (k3s's leader promotes
# them every 15 s: k3s-io/k3s pkg/etcd/etcd.go manageLearners, manageTickerTime; compressed here).
promote_learners() {
    local m now wait host
    now="$(now_ms)"
    wait="$(setting learner_promote_ms 1000)"
    for m in "$C"/members/*; do
        [ -f "$m" ] || continue
        [ "$(kv_get "$m" learner)" = 1 ] || continue
        host="$(kv_get "$m" host)"
        [ "$(kv_get "$C/hosts/$host" unit)" = active ] || continue
        if [ $((now - $(kv_get "$m" since))) -ge "$wait" ]; then
            kv_set "$m" learner 0
            event "promote member=$(basename "$m")"
        fi
    done
}

# Does member $1 run (its host's k3s is active with that member)?
member_runs() {
    local host
    host="$(kv_get "$C/members/$1" host)"
    [ -n "$host" ] && [ "$(kv_get "$C/hosts/$host" unit)" = active ] && [ "$(kv_get "$C/hosts/$host" member)" = "$1" ]
}

has_quorum() {
    local m voters=0 up=0
    for m in "$C"/members/*; do
        [ -f "$m" ] || continue
        [ "$(kv_get "$m" learner)" = 0 ] || continue
        voters=$((voters + 1))
        if member_runs "$(basename "$m")"; then up=$((up + 1)); fi
    done
    [ "$voters" -gt 0 ] && [ $((up * 2)) -gt "$voters" ]
}

# Why host $1's API server is not ready (nothing when it is): k3s not running, not a member,
# still a learner (k3s pkg/etcd/etcd.go Test: "not yet been promoted"), or no quorum.
api_unready() {
    local hs="$C/hosts/$1" member
    [ "$(kv_get "$hs" unit)" = active ] || { echo "k3s is not running"; return 0; }
    member="$(kv_get "$hs" member)"
    [ -f "$C/members/$member" ] || { echo "etcd: this member is not in the cluster"; return 0; }
    [ "$(kv_get "$C/members/$member" learner)" = 0 ] || { echo "this server has not yet been promoted from learner to voting member"; return 0; }
    has_quorum || echo "etcdserver: no quorum (fewer than a majority of the voting members run)"
}

# A Node is Ready while k3s runs on its host as that node and the agent was admitted.
node_ready() {
    local n="$C/nodes/$1" host
    host="$(kv_get "$n" host)"
    if [ -n "$host" ] && [ -z "$(api_unready "$host")" ] && [ "$(kv_get "$C/hosts/$host" node)" = "$1" ] && [ "$(kv_get "$C/hosts/$host" agent)" = admitted ]; then
        echo True
    else
        echo Unknown
    fi
}

# ---- k3s starting and stopping on this host (the unit's process) -------------------------------

# Starts k3s from this host's files. On failure: the message on stderr and in the journal, the
# unit in auto-restart (Restart=always), and status 1.
k3s_start() {
    local version node ip server init token pass mname cid hash target status
    version="$(installed_version)"
    promote_learners
    start_fail() {
        journal "level=fatal msg=\"$1\""
        echo "$1" >&2
        kv_set "$HS" unit activating
        kv_set "$HS" sub auto-restart
        kv_set "$HS" error "$1"
        kv_set "$HS" retry_at $(($(now_ms) + $(setting restart_sec_ms 1000)))
        kv_set "$HS" attempts $(($(kv_get "$HS" attempts) + 1))
        event "start-failed error=\"$1\""
        return 1
    }
    node="$(cfg_get node-name)"
    node="${node:-$(hostname)}"
    ip="$(cfg_get node-ip)"
    [ -n "$ip" ] || { start_fail "rehearsal fake: node-ip is not set; the fake cluster maps private addresses to hosts through it"; return 1; }
    server="$(cfg_get server)"
    init="$(cfg_get cluster-init)"
    token="$(cfg_token)"
    pass="$(passphrase_of "$token")"
    rm -f "$DATA/db/reset-flag"

    if [ -f "$DATA/db/etcd/name" ]; then
        # An existing member restarts from its own data (k3s pkg/etcd/etcd.go Start: existingCluster).
        mname="$(cat "$DATA/db/etcd/name")"
        cid="$(cat "$DATA/db/etcd/cluster-id" 2>/dev/null || true)"
        if [ "$cid" != "$(cat "$C/id" 2>/dev/null)" ] || [ ! -f "$C/members/$mname" ]; then
            start_fail "etcd: member $mname has been permanently removed from the cluster (or the cluster was reset from a snapshot); move $DATA/db aside and start again to join (rehearsal fake)"
            return 1
        fi
        [ "$pass" = "$(cat "$C/passphrase")" ] || { start_fail "bootstrap data already found and encrypted with different token"; return 1; }
    elif [ -n "$server" ]; then
        target="${server#https://}"
        target="${target%%:*}"
        if [ -z "$(host_of_ip "$target")" ]; then
            start_fail "failed to get CA certs: Get \"$server/cacerts\": dial tcp $target:6443: connect: connection refused"
            return 1
        fi
        if [[ "$token" == K10*::* ]]; then
            hash="${token#K10}"
            hash="${hash%%::*}"
            # k3s-io/k3s pkg/clientaccess/token.go: a secure token pins the cluster CA.
            [ "$hash" = "$(cat "$C/cahash")" ] || { start_fail "token CA hash does not match the Cluster CA certificate hash: $hash != $(cat "$C/cahash")"; return 1; }
        fi
        [ "$pass" = "$(cat "$C/passphrase")" ] || { start_fail "$server/v1-k3s/server-bootstrap: 401 Unauthorized"; return 1; }
        # k3s-io/k3s pkg/etcd/etcd.go join(): a member whose name, less its last "-suffix", is this
        # node's name refuses the join; then MemberAddAsLearner, which etcd refuses while another
        # learner exists (etcd api/v3rpc/rpctypes/error.go ErrGRPCTooManyLearners). Either is
        # logrus.Fatalf("ETCD join failed: %v") in Start, so systemd restarts k3s.
        for status in "$C"/members/*; do
            [ -f "$status" ] || continue
            mname="$(basename "$status")"
            if [ "${mname%-*}" = "$node" ]; then
                start_fail "ETCD join failed: duplicate node name found, please use a unique name for this node"
                return 1
            fi
        done
        for status in "$C"/members/*; do
            [ -f "$status" ] || continue
            if [ "$(kv_get "$status" learner)" = 1 ]; then
                start_fail "ETCD join failed: etcdserver: too many learner members in cluster"
                return 1
            fi
        done
        new_member "$node" "$ip" 1
        mname="$(cat "$DATA/db/etcd/name")"
        event "join node=$node member=$mname via=$target"
    elif [ "$init" = true ]; then
        if compgen -G "$C/members/*" >/dev/null; then
            # Real k3s would start a second, separate cluster here; the fake models one cluster and
            # makes that visible instead.
            event "second-cluster-init node=$node"
            start_fail "rehearsal fake: cluster-init with no etcd data while a cluster exists ($(cd "$C/members" && echo *)) would start a second cluster"
            return 1
        fi
        rand_hex 8 >"$C/id"
        rand_hex 32 >"$C/cahash"
        (umask 077 && printf '%s' "$pass" >"$C/passphrase")
        rm -rf "$C/nodes" "$C/node-passwords"
        mkdir -p "$C/nodes" "$C/node-passwords"
        new_member "$node" "$ip" 0
        mname="$(cat "$DATA/db/etcd/name")"
        event "cluster-init node=$node member=$mname"
    else
        start_fail "rehearsal fake: neither cluster-init nor server is set; k3s would run on SQLite, which the fake does not model"
        return 1
    fi

    # The server token file k3s writes: K10<CA hash>::server:<passphrase>.
    mkdir -p "$DATA"
    (umask 077 && printf 'K10%s::server:%s\n' "$(cat "$C/cahash")" "$(cat "$C/passphrase")" >"$DATA/token")
    ln -sf token "$DATA/node-token"
    local kmode
    kmode="$(cfg_get write-kubeconfig-mode)"
    printf 'apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: "https://127.0.0.1:6443"}\n  name: default\n' >/etc/rancher/k3s/k3s.yaml
    chmod "${kmode:-0600}" /etc/rancher/k3s/k3s.yaml

    kv_set "$HS" unit active
    kv_set "$HS" sub running
    kv_set "$HS" error ""
    kv_set "$HS" node "$node"
    kv_set "$HS" ip "$ip"
    kv_set "$HS" version "$version"
    kv_set "$HS" member "$mname"
    kv_set "$HS" starts $(($(kv_get "$HS" starts) + 1))
    journal "level=info msg=\"k3s $version is up and running (node $node, etcd member $mname)\""
    event "start node=$node member=$mname version=$version"

    # The agent's node password (k3s-io/k3s pkg/nodepassword/validate.go): a node whose password
    # Secret exists with another hash is refused its kubelet certificate and never registers.
    mkdir -p /etc/rancher/node
    [ -s /etc/rancher/node/password ] || (umask 077 && rand_hex 16 >/etc/rancher/node/password)
    hash="$(sha256sum /etc/rancher/node/password | cut -d' ' -f1)"
    if [ -f "$C/node-passwords/$node" ] && [ "$(cat "$C/node-passwords/$node")" != "$hash" ]; then
        kv_set "$HS" agent rejected
        journal "level=error msg=\"Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag\""
        event "node-password-rejected node=$node"
        return 0
    fi
    printf '%s' "$hash" >"$C/node-passwords/$node"
    kv_set "$HS" agent admitted
    kv_set "$C/nodes/$node" ip "$ip"
    kv_set "$C/nodes/$node" host "$H"
    kv_set "$C/nodes/$node" member "$mname"
    kv_set "$C/nodes/$node" version "$version"
    [ -n "$(kv_get "$C/nodes/$node" cordoned)" ] || kv_set "$C/nodes/$node" cordoned false
    [ -n "$(kv_get "$C/nodes/$node" drained)" ] || kv_set "$C/nodes/$node" drained false
    return 0
}

# Stops k3s on this host (systemctl stop, or the stop half of a restart).
k3s_stop() {
    local unit
    unit="$(kv_get "$HS" unit)"
    if [ "$unit" = active ]; then
        kv_set "$HS" restarts $(($(kv_get "$HS" restarts) + 1))
        event "stop node=$(kv_get "$HS" node) reason=${1:-stop}"
        journal "level=info msg=\"k3s stopped ($1)\""
    fi
    kv_set "$HS" unit inactive
    kv_set "$HS" sub dead
    kv_set "$HS" retry_at ""
}

# systemd's Restart=always: a unit in auto-restart starts again once its RestartSec has passed.
# Called by every fake on this host, and by cluster.sh through nsenter.
reconcile() {
    promote_learners
    if [ "$(kv_get "$HS" sub)" = auto-restart ] && [ "$(now_ms)" -ge "$(kv_get "$HS" retry_at)" ]; then
        k3s_start >/dev/null 2>&1 || true
    fi
}

# Fails with kubectl's own words unless this host's API server answers.
require_api() {
    local why
    why="$(api_unready "$H")"
    [ -n "$why" ] || return 0
    if [ "$(kv_get "$HS" unit)" != active ]; then
        echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2
    else
        echo "Error from server (InternalError): an error on the server (\"$why\") has prevented the request from succeeding" >&2
    fi
    exit 1
}
