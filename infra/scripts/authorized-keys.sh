#!/usr/bin/env bash
# Replaces the login user's ~/.ssh/authorized_keys with the estate's configured public keys, so a
# rotated operator key reaches the running servers: Hetzner reads a server's SSH keys only when it
# creates the server (terraform-provider-hcloud internal/server/resource.go: ssh_keys is ForceNew
# and used by resourceServerCreate alone), and the program ignores `sshKeys` after creation.
#
#   bash -s -- --node NAME --user USER   (sent on stdin; the payload carries "authorized_keys <base64>")
#
# Safe by construction: the new file must hold at least one well-formed public key line, or
# nothing is written (a node is never left with an empty authorized_keys); it is written beside
# the old one with mode 0600 and renamed over it (atomic: sshd reads the old or the new file,
# never half of one); ~/.ssh is 0700. Idempotent: the same keys with the same mode change nothing.
# Environment: K3S_ROOT (prefix for every path, for tests).
set -euo pipefail

NODE=""
ROOT="${K3S_ROOT:-}"
NEW="" # the new file while it is written; removed on any exit before it is renamed into place

die() {
    echo "authorized-keys[${NODE:-?}]: $*" >&2
    exit 1
}

# Reads the payload's "authorized_keys <base64>" line into $1 (decoded through a pipe from a builtin).
read_payload() {
    local out="$1" name data
    while IFS=' ' read -r name data || [ -n "$name" ]; do
        [ -n "$name" ] || continue
        [ "$name" = authorized_keys ] || die "unexpected payload entry '$name'; expected authorized_keys"
        printf '%s' "$data" | base64 -d >"$out" 2>/dev/null || die "payload entry 'authorized_keys' is not valid base64"
        name=""
    done
}

# The home directory of user $1 on this node (under K3S_ROOT in tests).
home_of() {
    local home
    if [ "$1" = root ]; then
        home=/root
    else
        home="$(getent passwd "$1" | cut -d: -f6)" || true
        [ -n "$home" ] || die "user '$1' does not exist on $NODE; see 'getent passwd $1'"
    fi
    printf '%s%s' "$ROOT" "$home"
}

main() {
    local user="" dir file keys
    while [ $# -gt 0 ]; do
        case "$1" in
            --node) NODE="${2:?--node needs a value}"; shift 2 ;;
            --user) user="${2:?--user needs a value}"; shift 2 ;;
            *) die "unknown argument '$1'; expected --node NAME --user USER" ;;
        esac
    done
    [ -n "$NODE" ] || die "missing --node NAME"
    [ -n "$user" ] || die "missing --user USER"

    dir="$(home_of "$user")/.ssh"
    file="$dir/authorized_keys"
    mkdir -p "$dir"
    chmod 0700 "$dir"
    NEW="$(mktemp "$dir/.authorized_keys.XXXXXX")"
    trap 'rm -f "$NEW"' EXIT
    chmod 0600 "$NEW"
    read_payload "$NEW"
    keys="$(grep -cE '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$' "$NEW" || true)"
    [ "$keys" -gt 0 ] || die "the payload holds no public key line; $file is left as it is (never emptied)"
    [ "$(grep -cvE '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$' "$NEW" || true)" -eq 0 ] ||
        die "the payload has a line that is not a public key; $file is left as it is"

    if [ -f "$file" ] && cmp -s "$NEW" "$file" && [ "$(stat -c %a "$file")" = 600 ]; then
        echo "$NODE: $file already holds the $keys configured key(s); unchanged"
        return 0
    fi
    if [ "$user" != root ] && [ -z "$ROOT" ]; then chown "$user:" "$dir" "$NEW"; fi
    mv -f "$NEW" "$file"
    NEW=""
    echo "$NODE: $file now holds the $keys configured key(s) (mode 0600)"
}

main "$@"; exit $?
