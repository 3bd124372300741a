#!/usr/bin/env bash
# Waits until a fresh node has finished first boot: SSH answers (the provider retried until it
# did) and cloud-init is done, so the kernel settings k3s's protect-kernel-defaults expects are
# in place before anything is installed. cloud-init exit 2 ("degraded": recoverable warnings) is
# acceptable; anything else stops the bootstrap with a clear message.
#
#   bash -s -- --node NAME        (sent on stdin by the command provider)
#
# Environment: CLOUD_INIT_TIMEOUT (seconds, default 900).
set -euo pipefail

die() {
    echo "wait-for-node: $*" >&2
    exit 1
}

main() {
    local node="" timeout="${CLOUD_INIT_TIMEOUT:-900}" rc=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME" ;;
        esac
    done
    [ -n "$node" ] || die "missing --node NAME"

    if ! command -v cloud-init >/dev/null 2>&1; then
        echo "$node: no cloud-init on this image; nothing to wait for"
        return 0
    fi
    timeout "$timeout" cloud-init status --wait >/dev/null || rc=$?
    case "$rc" in
        0) echo "$node: cloud-init done" ;;
        2) echo "$node: cloud-init done, degraded (exit 2: recoverable warnings, see 'cloud-init status --long'); continuing" ;;
        124) die "$node: cloud-init still running after ${timeout}s; see /var/log/cloud-init-output.log" ;;
        *) die "$node: cloud-init failed (exit $rc); see 'cloud-init status --long' and /var/log/cloud-init-output.log" ;;
    esac
}

main "$@"; exit $?
