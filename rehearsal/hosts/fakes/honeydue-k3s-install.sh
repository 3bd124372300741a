#!/bin/sh
# The fake k3s installer (what fake curl serves for install.sh at a release tag), run as
# `sh install.sh` like the real one. It honours INSTALL_K3S_VERSION (required: the rehearsal
# resolves no channel), INSTALL_K3S_EXEC (server [flags]; agents are not modelled),
# INSTALL_K3S_SKIP_START, INSTALL_K3S_SKIP_ENABLE, INSTALL_K3S_SKIP_DOWNLOAD (the binary already in
# INSTALL_K3S_BIN_DIR is kept, as install.sh's download_and_verify does) and INSTALL_K3S_BIN_DIR,
# and does what the real one does on a systemd host: the binary and the kubectl/crictl/ctr
# symlinks in /usr/local/bin, k3s-killall.sh and k3s-uninstall.sh, the unit
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

BIN_DIR="${INSTALL_K3S_BIN_DIR:-/usr/local/bin}"
info "Using $VERSION as release"
printf '%s\n' "$(date +%s%3N) $HONEYDUE_HOST install version=$VERSION exec=\"$EXEC\" skip_start=${INSTALL_K3S_SKIP_START:-false} skip_download=${INSTALL_K3S_SKIP_DOWNLOAD:-false}" >>"$HONEYDUE_CLUSTER/events.log"
mkdir -p "$BIN_DIR" /etc/systemd/system
if [ "${INSTALL_K3S_SKIP_DOWNLOAD:-false}" = true ]; then
    # As the real one: no download, only a check that the binary put there is executable.
    info "Skipping k3s download and verify"
    [ -x "$BIN_DIR/k3s" ] || fatal "Executable k3s binary not found at $BIN_DIR/k3s"
else
    info "Installing k3s to $BIN_DIR/k3s (rehearsal fake: no download)"
    printf '#!/bin/bash\nK3S_FAKE_VERSION=%s\n. /usr/local/sbin/honeydue-k3s\n' "$VERSION" >"$BIN_DIR/k3s.tmp"
    chmod 0755 "$BIN_DIR/k3s.tmp"
    mv -f "$BIN_DIR/k3s.tmp" "$BIN_DIR/k3s"
fi
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
