#!/usr/bin/env bash
# Sourced by the install-*.sh scripts: download one file and check it against the SHA-256 recorded
# for it in a `sha256sum`-format file of this repository, before anything in it runs.
#
#   verified_download URL NAME SUMS OUT    (NAME is the file name the sums line gives)

verified_download() {
    local url="$1" name="$2" sums="$3" out="$4" expected
    expected="$(awk -v f="$name" '$2 == f && length($1) == 64 && $1 ~ /^[0-9a-f]+$/ { print $1 }' "$sums" 2>/dev/null || true)"
    [ -n "$expected" ] || die "no SHA-256 for $name in $sums; record it once from the release's checksums file (README, Checks that run for real) and commit it"
    curl -fsSL --retry 3 -o "$out" "$url" || die "could not download $url"
    echo "$expected  $out" | sha256sum -c --quiet - || die "$name does not match the SHA-256 in $sums ($expected); not installed"
}
