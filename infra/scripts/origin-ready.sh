#!/usr/bin/env bash
# Waits, on one server, until Traefik serves the origin's TLS on this node's own port 443, before
# the zone's `ssl` setting sends Cloudflare there (README, "The origin"):
#   1. the certificate it presents for HOST is the Origin CA certificate (its SHA-256 fingerprint);
#   2. a client without a certificate is refused (TLSOption `default`, RequireAndVerifyClientCert).
# The API server storing the TLSStore and TLSOption is not Traefik using them: its provider loads
# them from its watch, later, and serves its own default certificate with no client check until
# then, or for ever when it cannot read them (a Secret it may not read or that lacks a key).
# Read-only: a second run changes nothing.
#
#   bash -s -- --node NAME --host HOSTNAME --fingerprint SHA256-HEX
#
# Environment: ORIGIN_READY_TIMEOUT (300 s), POLL_INTERVAL (5 s).
set -euo pipefail

die() {
    echo "origin-ready: $*" >&2
    exit 1
}

# The SHA-256 fingerprint of the certificate served on 127.0.0.1:443 for the host, lower-case hex
# without colons (openssl prints "sha256 Fingerprint=AB:CD:..."); empty when none was served.
served() {
    timeout 10 openssl s_client -connect 127.0.0.1:443 -servername "$1" </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/^.*=//; s/://g' | tr 'A-F' 'a-f' || true
}

main() {
    local node="" host="" fingerprint=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            --host) host="${2:?--host needs a value}"; shift 2 ;;
            --fingerprint) fingerprint="${2:?--fingerprint needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --host HOSTNAME --fingerprint SHA256-HEX" ;;
        esac
    done
    if [ -z "$node" ] || [ -z "$host" ] || [ -z "$fingerprint" ]; then
        die "usage: --node NAME --host HOSTNAME --fingerprint SHA256-HEX"
    fi
    command -v openssl >/dev/null 2>&1 || die "$node: openssl is not installed (apt-get install openssl)"

    local timeout="${ORIGIN_READY_TIMEOUT:-300}" interval="${POLL_INTERVAL:-5}"
    local deadline=$((SECONDS + timeout))
    local where="'k3s kubectl -n honeydue get tlsstore,tlsoption' and Traefik's log ('k3s kubectl -n kube-system logs ds/honeydue-traefik')"
    local stage="" answer="" rc=0
    while :; do
        answer="$(served "$host")"
        stage="Traefik to serve the Origin CA certificate ($fingerprint) for $host on 127.0.0.1:443"
        if [ "$answer" = "$fingerprint" ]; then
            # Refused: curl 35 (handshake failure, TLS 1.2); with TLS 1.3 the client's handshake ends
            # before Go's server checks the certificate, so its alert shows as 56 (read), 55 (send:
            # the connection already closed) or 52 (no reply). 0 is an answer without a certificate.
            rc=0
            answer="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -k --resolve "$host:443:127.0.0.1" "https://$host/" 2>&1)" || rc=$?
            stage="Traefik to refuse a client without Cloudflare's origin-pull certificate on 127.0.0.1:443"
            if [ "$rc" -eq 35 ] || [ "$rc" -eq 52 ] || [ "$rc" -eq 55 ] || [ "$rc" -eq 56 ]; then
                echo "$node: Traefik serves the Origin CA certificate on 443 and requires the origin-pull client certificate"
                return 0
            fi
            answer="curl exit $rc: $answer"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "$node: gave up after ${timeout}s waiting for $stage (last answer: '${answer:0:200}'); see $where"
        fi
        sleep "$interval"
    done
}

main "$@"; exit $?
