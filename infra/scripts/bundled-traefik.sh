#!/usr/bin/env bash
# On adoption (adopt.k3s), before our Traefik is installed: is k3s's bundled Traefik still there?
# A cluster built by hand without `disable: [traefik]` runs the bundled chart (HelmCharts traefik
# and traefik-crd in kube-system, from /var/lib/rancher/k3s/server/manifests/traefik.yaml). It
# holds 80/443 and answers our Ingresses without trusting Cloudflare's forwarded headers.
# This script does not remove it: k3s's deploy controller applies every manifest in that folder
# again on each start unless the component is disabled, and only then deletes the file and the
# objects it made (k3s-io/k3s pkg/deploy/controller.go, listFilesIn and delete). The durable,
# visible way is the operator's: disable it in each server's config.yaml and restart k3s. So this
# stops `pulumi up` with those instructions. Read-only: a second run changes nothing.
#
#   bash -s -- --node NAME
#
# Environment: K3S_ROOT (path prefix, for tests).
set -euo pipefail

die() {
    echo "bundled-traefik: $*" >&2
    exit 1
}

main() {
    local node=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) node="${2:?--node needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME" ;;
        esac
    done
    [ -n "$node" ] || die "usage: --node NAME"
    command -v k3s >/dev/null 2>&1 || die "$node: k3s is not installed"

    local manifests="${K3S_ROOT:-}/var/lib/rancher/k3s/server/manifests"
    local found=() answer=""
    if ! answer="$(k3s kubectl -n kube-system get helmchart traefik traefik-crd --ignore-not-found -o name 2>&1)"; then
        die "$node: cannot list HelmCharts in kube-system (answer: '${answer:0:200}'); see 'journalctl -u k3s -n 100'"
    fi
    while IFS= read -r line; do [ -n "$line" ] && found+=("$line"); done <<<"$answer"
    if ! answer="$(k3s kubectl -n kube-system get deployment traefik --ignore-not-found -o name 2>&1)"; then
        die "$node: cannot list Deployments in kube-system (answer: '${answer:0:200}'); see 'journalctl -u k3s -n 100'"
    fi
    [ -n "$answer" ] && found+=("$answer")
    if [ -f "$manifests/traefik.yaml" ] && [ ! -f "$manifests/traefik.yaml.skip" ]; then found+=("$manifests/traefik.yaml"); fi

    if [ "${#found[@]}" -eq 0 ]; then
        echo "$node: no bundled Traefik (k3s's traefik chart is disabled or gone)"
        return 0
    fi
    die "$node: k3s's bundled Traefik is still installed (${found[*]}). It holds ports 80/443 and would serve the Ingresses without trusting Cloudflare's forwarded headers, so our Traefik is not installed yet. To remove it: on each server in turn add
  disable:
    - traefik
    - servicelb
to /etc/rancher/k3s/config.yaml, run 'systemctl restart k3s', and wait for 'k3s kubectl get nodes' to show it Ready; k3s then deletes traefik.yaml and its HelmCharts, and helm-controller uninstalls the bundled Traefik. When 'k3s kubectl -n kube-system get helmchart,deployment traefik' finds nothing, run 'pulumi up' again. Expect a few minutes without an ingress on 80/443 (README, Adopting the running estate)."
}

main "$@"; exit $?
