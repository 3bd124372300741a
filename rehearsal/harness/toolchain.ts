// Where the real tools come from: the operator's own Pulumi installation (REHEARSAL_PULUMI_BIN),
// or what rehearsal/tools/build.sh built from the Go modules (cached, so usually no build).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Toolchain {
    /** Folder with `pulumi`, `pulumi-language-nodejs` and `pulumi-analyzer-policy-nodejs`. */
    bin: string;
    /** The real command provider's executable, installed into PULUMI_HOME with `plugin install --file`. */
    commandPlugin: string;
    commandVersion: string;
    /** Where it came from, for the report. */
    source: string;
    /** What is missing for the engine scenarios (the CLI alone runs the "cli" ones). */
    missing: string[];
}

/** No Pulumi CLI at all: nothing can run. */
export class MissingTool extends Error {}

export function findToolchain(root: string): Toolchain {
    const commandVersion = JSON.parse(readFileSync(join(root, "node_modules/@pulumi/command/package.json"), "utf8")).pulumi.version as string;
    let bin = process.env.REHEARSAL_PULUMI_BIN;
    let source = `REHEARSAL_PULUMI_BIN=${bin}`;
    if (!bin) {
        // build.sh says what it builds or reuses on stderr and prints its bin folder last on stdout;
        // exit 3 means some tool could not be built (toolchain.json says which and why).
        const built = spawnSync("bash", [join(root, "rehearsal/tools/build.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
        if (built.status !== 0 && built.status !== 3) throw new MissingTool(`rehearsal/tools/build.sh failed (exit ${built.status})`);
        bin = built.stdout.trim().split("\n").pop() ?? "";
        source = `rehearsal/tools/build.sh -> ${bin}`;
    }
    const commandPlugin = process.env.REHEARSAL_COMMAND_PLUGIN ?? join(bin, "pulumi-resource-command");
    if (!existsSync(join(bin, "pulumi"))) throw new MissingTool(`no Pulumi CLI at ${join(bin, "pulumi")} (${source})`);
    const missing = [
        [join(bin, "pulumi-language-nodejs"), "the Node.js language host"],
        [commandPlugin, `pulumi-resource-command ${commandVersion}`],
    ]
        .filter(([file]) => !existsSync(file))
        .map(([file, what]) => `${what} (${file})`);
    return { bin, commandPlugin, commandVersion, source, missing };
}

/** How to supply what build.sh could not build. */
export function howToSupply(tools: Toolchain): string {
    return (
        `the engine scenarios need ${tools.missing.join(", ")}.\n` +
        `  Point REHEARSAL_PULUMI_BIN at a folder holding pulumi and pulumi-language-nodejs (e.g. ~/.pulumi/bin of the released CLI), ` +
        `and REHEARSAL_COMMAND_PLUGIN at pulumi-resource-command ${tools.commandVersion}; rehearsal/tools/build.sh's report above says why it could not build them.`
    );
}
