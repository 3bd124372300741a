#!/usr/bin/env bash
# Waits, on one server, until Traefik serves there with the chart generation Pulumi just applied:
#   1. helm-controller's install Job for the HelmChart has completed (and has not failed);
#   2. the DaemonSet's pod template carries this generation (so that Job installed it) and its
#      rollout is finished on every node;
#   3. this node's Traefik pod runs this generation and is Ready;
#   4. Traefik answers HTTP on this node's own port 80 (where Cloudflare connects).
# Pulumi marks a HelmChart ready as soon as the API server stores it; this is the wait that makes
# `pulumi up` fail while Traefik is not serving. Read-only: a second run changes nothing.
#
#   bash -s -- --node NAME --chart HELMCHART --generation HASH --host HOSTNAME [--namespace NS]
#
# Environment: TRAEFIK_READY_TIMEOUT (600 s), POLL_INTERVAL (5 s).
set -euo pipefail

die() {
    echo "traefik-ready: $*" >&2
    exit 1
}

kube() { k3s kubectl "$@" 2>&1; }

main() {
    local node="" chart="" generation="" host="" namespace="kube-system"
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            --chart) chart="${2:?--chart needs a value}"; shift 2 ;;
            --generation) generation="${2:?--generation needs a value}"; shift 2 ;;
            --host) host="${2:?--host needs a value}"; shift 2 ;;
            --namespace) namespace="${2:?--namespace needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --chart HELMCHART --generation HASH --host HOSTNAME" ;;
        esac
    done
    if [ -z "$node" ] || [ -z "$chart" ] || [ -z "$generation" ] || [ -z "$host" ]; then
        die "usage: --node NAME --chart HELMCHART --generation HASH --host HOSTNAME [--namespace NS]"
    fi
    command -v k3s >/dev/null 2>&1 || die "$node: k3s is not installed"

    local timeout="${TRAEFIK_READY_TIMEOUT:-600}" interval="${POLL_INTERVAL:-5}"
    local deadline=$((SECONDS + timeout))
    # helm-controller runs helm-install-<chart> in the HelmChart's namespace (k3s-io/helm-controller
    # pkg/controllers/chart/chart.go, jobName). The chart names the DaemonSet after the release.
    local job="helm-install-$chart" logs="k3s kubectl -n $namespace logs job/helm-install-$chart"
    local stage="" answer="" where=""
    while :; do
        # 1. The install Job: Complete, or Failed (failurePolicy abort keeps the old release serving).
        answer="$(kube -n "$namespace" get job "$job" -o 'jsonpath={.status.conditions[?(@.type=="Complete")].status}/{.status.conditions[?(@.type=="Failed")].status}' || true)"
        local template=""
        template="$(kube -n "$namespace" get daemonset "$chart" -o 'jsonpath={.spec.template.metadata.annotations.honeydue-chart-generation}' || true)"
        if [ "${answer#*/}" = "True" ] && [ "$template" != "$generation" ]; then
            die "$node: helm-controller's Job $namespace/$job failed to install Traefik generation $generation (the previous Traefik, if any, keeps serving); see '$logs' and 'k3s kubectl -n $namespace describe helmchart $chart'"
        fi
        stage="the Job $namespace/$job to complete for generation $generation"
        where="'$logs'"
        if [ "${answer%%/*}" = "True" ] && [ "$template" = "$generation" ]; then
            # 2. The rollout on every node.
            answer="$(kube -n "$namespace" get daemonset "$chart" -o 'jsonpath={.metadata.generation} {.status.observedGeneration} {.status.desiredNumberScheduled} {.status.updatedNumberScheduled} {.status.numberAvailable}' || true)"
            stage="the DaemonSet $namespace/$chart to roll out (generation observed desired updated available)"
            where="'k3s kubectl -n $namespace rollout status daemonset/$chart'"
            local gen observed desired updated available
            read -r gen observed desired updated available <<<"$answer" || true
            if [ -n "${desired:-}" ] && [ "${desired:-0}" -gt 0 ] && [ "$gen" = "$observed" ] && [ "$updated" = "$desired" ] && [ "$available" = "$desired" ]; then
                # 3. This node's pod: this generation, Ready.
                answer="$(kube -n "$namespace" get pods --field-selector "spec.nodeName=$node" -o 'jsonpath={range .items[*]}{.metadata.annotations.honeydue-chart-generation}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' || true)"
                stage="this node's Traefik pod of generation $generation to be Ready"
                where="'k3s kubectl -n $namespace get pods -o wide --field-selector spec.nodeName=$node'"
                if grep -qx "$generation=True" <<<"$answer"; then
                    # 4. Traefik answers on this node's port 80 (any HTTP status will do: a route may 404).
                    answer="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $host" http://127.0.0.1:80/ 2>&1 || true)"
                    stage="Traefik to answer HTTP on 127.0.0.1:80"
                    where="'ss -ltnp' and '$logs'"
                    if [[ "$answer" =~ ^[1-5][0-9][0-9]$ ]]; then
                        echo "$node: Traefik generation $generation serves on port 80 (HTTP $answer)"
                        return 0
                    fi
                fi
            fi
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "$node: gave up after ${timeout}s waiting for $stage (last answer: '${answer:0:200}'); see $where"
        fi
        sleep "$interval"
    done
}

main "$@"; exit $?
