// `npm run rehearse`: every `pulumi up` of the scenarios on the real engine, offline — the real
// CLI, language host and command provider; simulated clouds; SSH test hosts on loopback.
// One line per scenario (steps, verdict, time), then a no-change preview's wall time next to
// `npm run plan`'s. The contract with rehearsal/providers and rehearsal/hosts: rehearsal/README.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Estate } from "./harness/estate";
import { describeChanges } from "./harness/pulumi";
import { Check, type Scenario } from "./harness/scenario";
import { findToolchain, howToSupply, MissingTool } from "./harness/toolchain";
import { destroy } from "./scenarios/destroy";
import { endToEndFlow } from "./scenarios/endToEnd";
import { endToEndEstate } from "./scenarios/endToEndEstate";
import { fromEmpty } from "./scenarios/fromEmpty";
import { k3sUpgrade } from "./scenarios/k3sUpgrade";
import { noChange } from "./scenarios/noChange";
import { policy } from "./scenarios/policy";
import { policyAnalyzer } from "./scenarios/policyAnalyzer";
import { replaceNode } from "./scenarios/replaceNode";
import { rotation } from "./scenarios/rotation";

const root = join(__dirname, "..");
/** In order: each starts from the state the one before left. */
const scenarios: Scenario[] = [policyAnalyzer, endToEndFlow, policy, fromEmpty, noChange, replaceNode, k3sUpgrade, rotation, destroy, endToEndEstate];

const usage = `usage: npm run rehearse [-- --only name,...] [-- --keep]
  --only    run only these scenarios (by name: ${scenarios.map((s) => `"${s.name}"`).join(", ")});
            the ones they build on still have to have run in the same state
  --keep    keep $REHEARSAL_STATE (the backend, the clouds, the hosts' state, the logs) afterwards`;

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** Wall time of a command, in ms. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; code: number } {
    const started = Date.now();
    const r = spawnSync(cmd, args, { cwd: root, env, stdio: ["ignore", "ignore", "ignore"] });
    return { ms: Date.now() - started, code: r.status ?? -1 };
}

/**
 * The cost of the program's load and of the engine: a no-change preview of the full estate next
 * to the offline plan, measured in the same run.
 */
async function measure(estate: Estate): Promise<void> {
    const preview = await estate.pulumi.operation("preview", ["--expect-no-changes"]);
    const plan = timed("npm", ["run", "--silent", "plan"]);
    process.stdout.write(
        `no-change pulumi preview ${seconds(preview.ms)} (exit ${preview.code}) vs npm run plan ${seconds(plan.ms)} (exit ${plan.code}): ratio ${(preview.ms / plan.ms).toFixed(1)}\n`,
    );
}

async function main(): Promise<number> {
    const { values } = parseArgs({ options: { only: { type: "string" }, keep: { type: "boolean" }, help: { type: "boolean" } } });
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    const only = values.only?.split(",").map((s) => s.trim());
    const chosen = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios;

    let tools;
    try {
        tools = findToolchain(root);
    } catch (e) {
        if (e instanceof MissingTool) {
            process.stderr.write(`rehearse: cannot start: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
    const state = process.env.REHEARSAL_STATE ?? mkdtempSync(join(tmpdir(), "honeydue-rehearsal-"));
    mkdirSync(state, { recursive: true });
    process.stdout.write(`rehearse: toolchain ${tools.source}\nrehearse: state ${state}\n`);
    const estate = new Estate(root, state, tools);
    let failed = 0;
    let skipped = 0;
    const engineReady = tools.missing.length === 0;
    if (!engineReady) process.stdout.write(`rehearse: only the CLI scenarios run: ${howToSupply(tools)}\n`);
    try {
        if (engineReady && chosen.some((s) => s.needs !== "cli")) {
            estate.hostsUp();
            await estate.installPlugins();
            await estate.createStack();
        }

        for (const scenario of chosen) {
            if (scenario.needs !== "cli" && !engineReady) {
                skipped++;
                process.stdout.write(`${scenario.name.padEnd(30)} ${"-".padEnd(44)} BLOCKED (no language host / command provider)\n`);
                continue;
            }
            const check = new Check();
            const started = Date.now();
            let ops: Awaited<ReturnType<Scenario["run"]>> = [];
            try {
                ops = await scenario.run(estate, check);
            } catch (e) {
                check.that(false, `threw: ${e instanceof Error ? e.message : String(e)}`);
            }
            const changes: Record<string, number> = {};
            for (const op of ops) for (const [k, v] of Object.entries(op.changes)) changes[k] = (changes[k] ?? 0) + v;
            const verdict = check.failures.length === 0 ? "ok" : "FAIL";
            if (verdict !== "ok") failed++;
            process.stdout.write(`${scenario.name.padEnd(30)} ${describeChanges(changes).padEnd(44)} ${verdict.padEnd(5)} ${seconds(Date.now() - started)}\n`);
            for (const f of check.failures) process.stdout.write(`    - ${f}\n`);
            // Measured on the full estate, right after it is up and unchanged.
            if (scenario === noChange) await measure(estate);
        }
    } finally {
        if (engineReady) estate.hostsDown();
        if (!values.keep && !process.env.REHEARSAL_STATE) rmSync(state, { recursive: true, force: true });
    }
    // The plain closing line CI reads.
    process.stdout.write(`rehearsal: ${chosen.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped\n`);
    return failed > 0 ? 1 : skipped > 0 ? 2 : 0;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        process.stderr.write(`rehearse: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
