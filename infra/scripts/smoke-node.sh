#!/usr/bin/env bash
# Asks for every routed hostname and checks the answer comes from the app that hostname routes to:
# the app's health path answers 2xx with the app's content type. On a node (the default) it asks
# that node's own Traefik (http://127.0.0.1:80 with the Host header), so one node whose Traefik or
# route is wrong is caught although round-robin DNS would hide it most of the time. With --edge it
# asks https://HOSTNAME through Cloudflare instead (run where `pulumi up` runs). Read-only: a second
# run changes nothing.
#
#   bash -s -- --node NAME [--edge] [--namespace NS] --check HOSTNAME APP PATH CONTENT-TYPE [--check ...]
#
# Environment: SMOKE_TIMEOUT (180 s, for all hostnames together), POLL_INTERVAL (5 s).
set -euo pipefail

die() {
    echo "smoke-node: $*" >&2
    exit 1
}

# One request: prints "STATUS CONTENT-TYPE" on the first line, then the start of the body.
ask() {
    local url="$1" host="$2" body status
    body="$(mktemp)"
    if [ "$edge" = 1 ]; then
        status="$(curl -sS -o "$body" -w '%{http_code} %{content_type}' --max-time 10 "$url" 2>&1 || true)"
    else
        status="$(curl -sS -o "$body" -w '%{http_code} %{content_type}' --max-time 5 -H "Host: $host" "$url" 2>&1 || true)"
    fi
    echo "$status"
    head -c 200 "$body" 2>/dev/null | tr -s '\r\n\t' '   ' || true
    rm -f "$body"
}

edge=0

main() {
    local node="" namespace="honeydue" traefik="honeydue-traefik"
    local -a hosts=() apps=() paths=() types=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            --namespace) namespace="${2:?--namespace needs a value}"; shift 2 ;;
            --traefik) traefik="${2:?--traefik needs a value}"; shift 2 ;;
            --edge) edge=1; shift ;;
            --check)
                [ $# -ge 5 ] || die "--check needs HOSTNAME APP PATH CONTENT-TYPE"
                hosts+=("$2"); apps+=("$3"); paths+=("$4"); types+=("$5"); shift 5 ;;
            *) die "unknown argument '$1'; expected --node NAME [--edge] --check HOSTNAME APP PATH CONTENT-TYPE ..." ;;
        esac
    done
    if [ -z "$node" ] || [ "${#hosts[@]}" -eq 0 ]; then
        die "usage: --node NAME [--edge] [--namespace NS] --check HOSTNAME APP PATH CONTENT-TYPE [--check ...]"
    fi
    command -v curl >/dev/null 2>&1 || die "$node: curl is not installed"

    local timeout="${SMOKE_TIMEOUT:-180}" interval="${POLL_INTERVAL:-5}"
    local deadline=$((SECONDS + timeout))
    local i answer first status type url where
    for i in "${!hosts[@]}"; do
        if [ "$edge" = 1 ]; then
            url="https://${hosts[$i]}${paths[$i]}"
            where="the Cloudflare dashboard (the DNS records of ${hosts[$i]}, SSL/TLS mode) and the node checks (<node>-smoke) in this update's output"
        else
            url="http://127.0.0.1:80${paths[$i]}"
            where="'k3s kubectl -n $namespace get ingress,endpoints -o wide', 'k3s kubectl -n $namespace get pods -l app.kubernetes.io/name=${apps[$i]} -o wide' and 'k3s kubectl -n kube-system logs daemonset/$traefik --tail 50' on $node"
        fi
        while :; do
            answer="$(ask "$url" "${hosts[$i]}")"
            first="${answer%%$'\n'*}"
            status="${first%% *}"
            type="${first#* }"
            if [[ "$status" =~ ^2[0-9][0-9]$ ]] && [[ "$type" == "${types[$i]}"* ]]; then
                echo "$node: ${hosts[$i]} reaches ${apps[$i]} (HTTP $status $type on ${paths[$i]})"
                break
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                local body="${answer#*$'\n'}"
                [ "$body" != "$answer" ] || body=""
                die "$node: ${hosts[$i]} does not reach ${apps[$i]}: asked $url$([ "$edge" = 1 ] || echo " with Host ${hosts[$i]}") for ${timeout}s, expected HTTP 2xx ${types[$i]}, last answer: '${first:0:120}', body: '${body:0:160}'; see $where"
            fi
            sleep "$interval"
        done
    done
}

main "$@"; exit $?
