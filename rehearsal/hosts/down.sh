#!/usr/bin/env bash
# Stops the test hosts and removes their state ($REHEARSAL_STATE/hosts). Idempotent: with
# nothing running it only makes sure nothing is left. Stops only the processes of the hosts'
# own namespaces (found through each sshd's pid file), by pid.
# shellcheck source-path=SCRIPTDIR source=hosts.lib.sh
. "$(dirname "$0")/hosts.lib.sh"

[ -d "$HOSTS_DIR" ] || exit 0
for d in "$HOSTS_DIR"/*/; do
    name="$(basename "$d")"
    [ -f "$d/sshd_config" ] || continue
    stop_host "$name"
    left="$(host_processes "$name")"
    [ -z "$left" ] || hosts_die "processes of $name are still running after SIGKILL: $left"
done
rm -rf "$HOSTS_DIR"
