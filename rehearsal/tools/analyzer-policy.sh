#!/usr/bin/env bash
# pulumi-analyzer-policy-nodejs: boots a Node.js CrossGuard policy pack for the Pulumi CLI. Ours,
# written from what the CLI expects of it; the released CLI ships its own beside its binaries.
#
# When the CLI uses it: the CLI 3.276.0 itself runs a policy pack folder through the Node.js
# language host's RunPlugin (pkg/resource/plugin/analyzer_plugin.go NewPolicyAnalyzer ->
# plugin.go ExecPlugin, "via runtime"), so `--policy-pack policy` needs no launcher there. The
# SDK's older loader (sdk/go/common/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer) falls
# back to this launcher when no `nodejs` language plugin is found. The CLI then looks up the analyzer plugin "policy-<runtime>", runs it
# with the policy pack folder as working directory and the arguments
#     <engine address> . [-<option>=<value> ...]      (the runtime options of PulumiPolicy.yaml)
# and reads the gRPC port from the first line of its stdout (plugin.go, newPlugin). If stderr says
# "Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'", the CLI reports that the pack's
# dependencies are not installed, so that message must reach stderr untouched.
#
# What it must do: run the pack's own copy of @pulumi/pulumi/cmd/run-policy-pack (resolved from the
# pack folder, so the pack's SDK answers), which starts the analyzer server and prints the port.
set -euo pipefail

# The CLI also launches an executable given as `--policy-pack <file>` directly, with the engine
# address as its only argument (pkg/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer, "binary
# analyzer plugin"); then the pack folder comes from HONEYDUE_POLICY_PACK.
if (($# < 1)); then
    echo "usage: pulumi-analyzer-policy-nodejs <engine-address> [<policy-pack-dir> [-option=value ...]]" >&2
    exit 2
fi
engine="$1"
pack="${2:-${HONEYDUE_POLICY_PACK:-}}"
if [[ -z "$pack" ]]; then
    echo "pulumi-analyzer-policy-nodejs: no policy pack folder: give it as the second argument or in HONEYDUE_POLICY_PACK" >&2
    exit 2
fi
shift $(($# < 2 ? 1 : 2))

# Runtime options are accepted and ignored: run-policy-pack reads tsconfig.json from the pack folder
# itself (run-policy-pack/run.ts), which is all `typescript: true` asks for.
for option in "$@"; do
    case "$option" in
    -*=*) ;;
    *)
        echo "pulumi-analyzer-policy-nodejs: unexpected argument '$option'" >&2
        exit 2
        ;;
    esac
done

# node resolves the module from the pack folder (the working directory the CLI gave us); an exec
# keeps the CLI's process handle on node itself, so cancelling the analyzer stops node.
cd "$pack"
exec node -e '
let entry;
try {
    entry = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [process.cwd()] });
} catch (err) {
    console.error(err.message);
    process.exit(1);
}
process.argv = [process.argv[0], entry, ...process.argv.slice(1)];
require(entry);
' "$engine" .
