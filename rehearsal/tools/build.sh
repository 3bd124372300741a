#!/usr/bin/env bash
# Builds the real Pulumi toolchain the rehearsal drives, from Go modules at exact pinned versions,
# into a cache outside the repository, so a second run builds nothing:
#   ${HONEYDUE_TOOLS:-$HOME/.cache/honeydue-tools}/<hash of versions and pins>/bin
# - pulumi                      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi, built from the wrapper
#                               module tools/cli (pkg's go.mod replaces sdk with ../sdk, which only
#                               resolves inside the monorepo);
# - pulumi-language-nodejs      github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3;
# - pulumi-resource-command     github.com/pulumi/pulumi-command/provider at @pulumi/command's version;
# - pulumi-analyzer-policy-nodejs  our own launcher (tools/analyzer-policy.sh), no build.
# Prints what it builds or reuses, writes <bin>/../toolchain.json (what is there, what is missing and
# why), prints the bin folder on its last line, and exits 3 when a tool could not be built.
set -euo pipefail

tools="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$tools/../.." && pwd)"

pulumi_version="$(node -p "require('$root/package.json').dependencies['@pulumi/pulumi']")"
command_version="$(node -p "require('$root/node_modules/@pulumi/command/package.json').pulumi.version")"

# The wrapper module must pin pkg and sdk at exactly the SDK's version.
for module in github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3; do
    if ! grep -Eq "^[[:space:]]*$module v$pulumi_version( |$)" "$tools/cli/go.mod"; then
        echo "build.sh: rehearsal/tools/cli/go.mod must require $module v$pulumi_version (@pulumi/pulumi in package.json)" >&2
        exit 1
    fi
done

export GOFLAGS="-mod=readonly -trimpath"
export GOTOOLCHAIN=local
hash="$({
    go version
    echo "pulumi $pulumi_version command $command_version"
    cat "$tools/cli/go.mod" "$tools/cli/go.sum" "$0"
} | sha256sum | cut -c1-16)"
cache="${HONEYDUE_TOOLS:-$HOME/.cache/honeydue-tools}/$hash"
bin="$cache/bin"
mkdir -p "$bin" "$cache/logs"
missing=()

# build NAME WORKDIR PACKAGE LDFLAGS: go build into the cache unless it is there already.
build() {
    local name="$1" dir="$2" package="$3" ldflags="$4" started
    if [[ -x "$bin/$name" ]]; then
        echo "reusing  $name ($package) from $bin" >&2
        return 0
    fi
    echo "building $name from $package (log: $cache/logs/$name.log)" >&2
    started=$(date +%s)
    if (cd "$dir" && nice go build -ldflags "$ldflags" -o "$bin/.$name.tmp" "$package") >"$cache/logs/$name.log" 2>&1; then
        mv "$bin/.$name.tmp" "$bin/$name"
        echo "built    $name in $(($(date +%s) - started)) s" >&2
    else
        echo "FAILED   $name: (cd $dir && go build $package), see $cache/logs/$name.log:" >&2
        tail -5 "$cache/logs/$name.log" >&2
        missing+=("$name")
    fi
}

# fetchable MODULE@VERSION NAME: ask the module proxy for a module; on refusal record the command
# and its answer, which is what a blocked note needs.
fetchable() {
    local spec="$1" name="$2" answer
    if answer="$(go mod download -json "$spec" 2>&1)"; then
        echo "$answer"
        return 0
    fi
    echo "FAILED   $name: go mod download -json $spec" >&2
    echo "$answer" | grep -E '"Error"|403|404|410|not available|invalid' | head -3 >&2
    echo "$answer" >"$cache/logs/$name.log"
    missing+=("$name")
    return 1
}

# 1. The CLI. version.Version is what `pulumi version` prints and what the CLI compares plugin
#    requirements against (sdk/go/common/version/version.go: `var Version string`, set by -X).
build pulumi "$tools/cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version"

# 2. The Node.js language host lives in its own module, which the pulumi monorepo does not tag
#    (its tags are pkg/vX and sdk/vX only); ask for the SDK's version anyway, so the day it is
#    served this script says so.
if [[ ! -x "$bin/pulumi-language-nodejs" ]]; then
    fetchable "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@v$pulumi_version" \
        pulumi-language-nodejs >/dev/null || true
else
    echo "reusing  pulumi-language-nodejs from $bin" >&2
fi

# 3. The command provider: its Go module is github.com/pulumi/pulumi-command/provider (provider/go.mod
#    in pulumi/pulumi-command). The repository tags releases at its root only (v1.2.1), so the module's
#    version for release v1.2.1 is the pseudo-version of that tag's commit 7f3eb6f3b77c.
declare -A command_module_versions=([1.2.1]=v0.0.0-20260303235922-7f3eb6f3b77c)
command_module_version="${command_module_versions[$command_version]:-}"
if [[ -z "$command_module_version" ]]; then
    echo "build.sh: no module version known for @pulumi/command's provider $command_version; add it to command_module_versions" >&2
    exit 1
fi
if [[ ! -x "$bin/pulumi-resource-command" ]]; then
    fetchable "github.com/pulumi/pulumi-command/provider@$command_module_version" pulumi-resource-command >/dev/null || true
else
    echo "reusing  pulumi-resource-command from $bin" >&2
fi

# 4. Our launcher for Node.js policy packs (see analyzer-policy.sh for why and when the CLI uses
#    it); copied on every run, so it is not part of the cache key.
install -m 0755 "$tools/analyzer-policy.sh" "$bin/pulumi-analyzer-policy-nodejs"

node -e '
const [file, bin, pulumi, command, ...missing] = process.argv.slice(1);
const fs = require("fs");
const present = fs.readdirSync(bin).filter((f) => !f.startsWith("."));
fs.writeFileSync(file, JSON.stringify({ bin, pulumi, command, present, missing }, null, 2) + "\n");
' "$cache/toolchain.json" "$bin" "$pulumi_version" "$command_version" "${missing[@]}"

echo "$bin"
if ((${#missing[@]})); then
    echo "build.sh: not built: ${missing[*]} (see $cache/toolchain.json and $cache/logs/)" >&2
    exit 3
fi
