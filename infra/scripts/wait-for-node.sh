#!/usr/bin/env bash
# Waits until a fresh node has finished first boot: SSH answers (the provider retried until it
# did) and cloud-init is done, so the kernel settings k3s's protect-kernel-defaults expects are
# in place before anything is installed. cloud-init exit 2 ("degraded": recoverable warnings) is
# acceptable; anything else stops the bootstrap with a clear message. Then sshd's effective
# configuration (`sshd -T`) must carry the hardening cloud-init wrote: sshd keeps the first value
# it reads for a keyword, so a drop-in that sorts after 50-cloud-init.conf would silently lose.
#
#   bash -s -- --node NAME [--sshd keyword=value ...]   (sent on stdin by the command provider)
#
# Environment: CLOUD_INIT_TIMEOUT (seconds, default 900).
set -euo pipefail

die() {
    echo "wait-for-node: $*" >&2
    exit 1
}

# sshd -T prints PermitRootLogin prohibit-password as "without-password" in older OpenSSH (the
# first name of that value in servconf.c multistate_permitrootlogin): the two are one setting.
same_sshd_value() {
    [ "$1" = "$2" ] && return 0
    case "$1:$2" in
        prohibit-password:without-password | without-password:prohibit-password) return 0 ;;
    esac
    return 1
}

# Compares `sshd -T` with the expected keyword=value pairs.
check_sshd() {
    local node="$1" effective pair key want have bad=()
    shift
    [ $# -gt 0 ] || return 0
    command -v sshd >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
    effective="$(timeout 30 sshd -T 2>&1)" || die "$node: 'sshd -T' failed: ${effective:0:300}; see 'sshd -t' and /etc/ssh/sshd_config.d/"
    for pair in "$@"; do
        key="${pair%%=*}"
        want="${pair#*=}"
        # Every value of the keyword, space-separated: one for most, each key file for hostkey.
        have="$(awk -v k="$key" '$1 == k { printf "%s%s", sep, $2; sep = " " }' <<<"$effective")"
        same_sshd_value "$want" "$have" || bad+=("$key is '${have:-unset}' (expected $want)")
    done
    [ "${#bad[@]}" -eq 0 ] ||
        die "$node: sshd's effective configuration does not carry the hardening: ${bad[*]}; sshd keeps the first value it reads, so /etc/ssh/sshd_config.d/00-honeydue.conf must sort before any other drop-in that sets it (see 'sshd -T' and /etc/ssh/sshd_config.d/)"
    echo "$node: sshd hardening in effect ($*)"
}

main() {
    local node="" timeout="${CLOUD_INIT_TIMEOUT:-900}" rc=0 sshd=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            --sshd) sshd+=("${2:?--sshd needs keyword=value}"); shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME [--sshd keyword=value]" ;;
        esac
    done
    [ -n "$node" ] || die "missing --node NAME"

    if ! command -v cloud-init >/dev/null 2>&1; then
        echo "$node: no cloud-init on this image; nothing to wait for"
    else
        timeout "$timeout" cloud-init status --wait >/dev/null || rc=$?
        case "$rc" in
            0) echo "$node: cloud-init done" ;;
            2) echo "$node: cloud-init done, degraded (exit 2: recoverable warnings, see 'cloud-init status --long'); continuing" ;;
            124) die "$node: cloud-init still running after ${timeout}s; see /var/log/cloud-init-output.log" ;;
            *) die "$node: cloud-init failed (exit $rc); see 'cloud-init status --long' and /var/log/cloud-init-output.log" ;;
        esac
    fi
    check_sshd "$node" "${sshd[@]}"
}

main "$@"; exit $?
