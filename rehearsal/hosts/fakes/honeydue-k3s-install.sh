#!/bin/sh
# The fake k3s installer (what fake curl serves for get.k3s.io), run as `sh install.sh` like the
# real one. It honours INSTALL_K3S_VERSION (required: the rehearsal resolves no channel),
# INSTALL_K3S_EXEC (server [flags]; agents are not modelled), INSTALL_K3S_SKIP_START and
# INSTALL_K3S_SKIP_ENABLE, and does what the real one does on a systemd host: the binary and the
# kubectl/crictl/ctr symlinks in /usr/local/bin, k3s-killall.sh and k3s-uninstall.sh, the unit
# /etc/systemd/system/k3s.service (Type=notify, Restart=always, RestartSec=5s) and its .env file,
# daemon-reload, enable, then `systemctl restart k3s` unless told to skip the start.
set -e
# shellcheck source=/dev/null
. /usr/local/sbin/honeydue-host.env
info() { echo "[INFO]  $*"; }
fatal() { echo "[ERROR]  $*" >&2; exit 1; }

VERSION="${INSTALL_K3S_VERSION:-}"
[ -n "$VERSION" ] || fatal "rehearsal fake installer: INSTALL_K3S_VERSION is not set (the rehearsal resolves no release channel)"
echo "$VERSION" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$' || fatal "Unable to find release $VERSION"
[ -z "${K3S_URL:-}" ] || [ -n "${INSTALL_K3S_EXEC:-}" ] || fatal "rehearsal fake installer: agents (K3S_URL without INSTALL_K3S_EXEC=server) are not modelled"
EXEC="${INSTALL_K3S_EXEC:-server}"
case "$EXEC" in
    server | server\ *) ;;
    agent | agent\ *) fatal "rehearsal fake installer: agents are not modelled" ;;
    -*) EXEC="server $EXEC" ;;
    *) fatal "rehearsal fake installer: unexpected INSTALL_K3S_EXEC '$EXEC'" ;;
esac

info "Using $VERSION as release"
info "Installing k3s to /usr/local/bin/k3s (rehearsal fake: no download)"
printf '%s\n' "$(date +%s%3N) $HONEYDUE_HOST install version=$VERSION exec=\"$EXEC\" skip_start=${INSTALL_K3S_SKIP_START:-false}" >>"$HONEYDUE_CLUSTER/events.log"
mkdir -p /usr/local/bin /etc/systemd/system
printf '#!/bin/bash\nK3S_FAKE_VERSION=%s\n. /usr/local/sbin/honeydue-k3s\n' "$VERSION" >/usr/local/bin/k3s.tmp
chmod 0755 /usr/local/bin/k3s.tmp
mv -f /usr/local/bin/k3s.tmp /usr/local/bin/k3s
for cmd in kubectl crictl ctr; do
    if [ ! -e "/usr/local/bin/$cmd" ]; then
        info "Creating /usr/local/bin/$cmd symlink to k3s"
        ln -sf k3s "/usr/local/bin/$cmd"
    fi
done
cat >/usr/local/bin/k3s-killall.sh <<'KILL'
#!/bin/sh
systemctl stop k3s
KILL
cat >/usr/local/bin/k3s-uninstall.sh <<'UNINSTALL'
#!/bin/sh
systemctl stop k3s
systemctl disable k3s
rm -f /etc/systemd/system/k3s.service /etc/systemd/system/k3s.service.env
rm -rf /etc/rancher/k3s /var/lib/rancher/k3s /etc/rancher/node
rm -f /usr/local/bin/kubectl /usr/local/bin/crictl /usr/local/bin/ctr /usr/local/bin/k3s-killall.sh
rm -f /usr/local/bin/k3s /usr/local/bin/k3s-uninstall.sh
UNINSTALL
chmod 0755 /usr/local/bin/k3s-killall.sh /usr/local/bin/k3s-uninstall.sh

umask 077
: >/etc/systemd/system/k3s.service.env
for v in K3S_TOKEN K3S_URL K3S_NODE_NAME; do
    eval "val=\${$v:-}"
    [ -z "$val" ] || printf '%s=%s\n' "$v" "$val" >>/etc/systemd/system/k3s.service.env
done
umask 022
cat >/etc/systemd/system/k3s.service <<UNIT
[Unit]
Description=Lightweight Kubernetes
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
EnvironmentFile=-/etc/systemd/system/k3s.service.env
KillMode=process
Delegate=yes
LimitNOFILE=1048576
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStart=/usr/local/bin/k3s $EXEC

[Install]
WantedBy=multi-user.target
UNIT
info "systemd: Creating service file /etc/systemd/system/k3s.service"
systemctl daemon-reload
if [ "${INSTALL_K3S_SKIP_ENABLE:-false}" != true ]; then
    info "systemd: Enabling k3s unit"
    systemctl enable k3s
fi
if [ "${INSTALL_K3S_SKIP_START:-false}" != true ]; then
    info "systemd: Starting k3s"
    systemctl restart k3s
fi
