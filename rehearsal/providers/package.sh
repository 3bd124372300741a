#!/bin/sh
# Build one installable plugin per simulated provider and a manifest:
#   rehearsal/providers/package.sh <outdir>
# writes <outdir>/pulumi-resource-<name>-v<version>.tar.gz (an executable pulumi-resource-<name>
# beside plugin.js, our TypeScript compiled by the repo's esbuild) and <outdir>/plugins.json
# [{"name","version","file"}], for `pulumi plugin install resource <name> <version> --file <file>`
# (pulumi/pulumi pkg/cmd/pulumi/plugin/plugin_install.go getFilePayload: a gzip tarball is unpacked
# into the plugin directory). The launcher runs node on plugin.js with the repo's node_modules on
# NODE_PATH, so the plugin uses this checkout's @pulumi/pulumi.
set -eu

out=${1:?usage: package.sh <outdir>}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$out/.build"
rm -rf "$build"
mkdir -p "$build"

echo "package.sh: compiling the simulated providers (esbuild)" >&2
"$repo/node_modules/.bin/esbuild" "$here/src/plugin.ts" --bundle --platform=node --format=cjs --target=node20 \
    --packages=external --log-level=warning --outfile="$build/plugin.js"

manifest="["
sep=""
for name in hcloud cloudflare kubernetes random tls; do
    version=$(node -p "require('$repo/node_modules/@pulumi/$name/package.json').pulumi.version")
    dir="$build/$name"
    mkdir -p "$dir"
    cp "$build/plugin.js" "$dir/plugin.js"
    cat >"$dir/pulumi-resource-$name" <<LAUNCHER
#!/bin/sh
# Simulated $name provider $version for the rehearsal (rehearsal/providers): its cloud is
# \$REHEARSAL_STATE/clouds/$name.json; it never contacts a real API.
NODE_PATH="$repo/node_modules" exec node "\$(dirname "\$0")/plugin.js" $name "\$@"
LAUNCHER
    chmod 755 "$dir/pulumi-resource-$name"
    file="$out/pulumi-resource-$name-v$version.tar.gz"
    tar -czf "$file" -C "$dir" "pulumi-resource-$name" plugin.js
    echo "package.sh: $name $version -> $file" >&2
    manifest="$manifest$sep{\"name\":\"$name\",\"version\":\"$version\",\"file\":\"$file\"}"
    sep=","
done
printf '%s]\n' "$manifest" >"$out/plugins.json"
rm -rf "$build"
