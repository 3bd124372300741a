// `npm run plan`: what `pulumi up` would build for the prod stack, offline — no cloud, no
// credentials, no Pulumi CLI. Exit 0 when the plan is sound, 1 on a mandatory policy violation,
// 2 on a configuration error. runPlan is the same plan in-process (the tests call it); the CLI
// entry at the bottom only writes its result out.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../config";
import { estateDoc } from "./diagram";
import { evaluate } from "./policies";
import { orderSection, outputsSection, render, resourceSections, summary } from "./render";
import { runEstate, type Estate } from "./run";
import { root } from "./stack";
import { policySection, policySummary } from "./verdicts";

/** Keeps docs/estate.md (the Mermaid picture) in step with the program; only for the stack as committed. */
function writeDiagram(estate: Estate): string {
    const file = join(root, "docs", "estate.md");
    const doc = estateDoc(estate);
    let current = "";
    try {
        current = readFileSync(file, "utf8");
    } catch {
        // first time: written below
    }
    if (current === doc) return "docs/estate.md (the diagram of the estate) is up to date";
    writeFileSync(file, doc);
    return "wrote docs/estate.md (the diagram of the estate): commit it";
}

const usage = `usage: npm run plan [-- --set key=value ...]
  --set key=value   try a configuration change offline, e.g. --set honeydue:serverType=cx43
                    (JSON values for lists and objects; repeatable)
  --policy-pack-config file.json
                    the policies' settings, as \`pulumi preview --policy-pack-config\` takes them`;

function cli(argv: string[]): { overrides: Record<string, unknown>; policyConfig: Record<string, any>; help?: boolean } {
    const { values } = parseArgs({ args: argv, options: { set: { type: "string", multiple: true }, "policy-pack-config": { type: "string" }, help: { type: "boolean" } } });
    if (values.help) return { overrides: {}, policyConfig: {}, help: true };
    const policyConfig = values["policy-pack-config"] ? JSON.parse(readFileSync(values["policy-pack-config"], "utf8")) : {};
    const overrides = Object.fromEntries(
        (values.set ?? []).map((kv) => {
            const eq = kv.indexOf("=");
            if (eq < 1) throw new Error(`--set ${kv}: expected key=value\n${usage}`);
            const key = kv.slice(0, eq);
            return [key.includes(":") ? key : `honeydue:${key}`, kv.slice(eq + 1)];
        }),
    );
    return { overrides, policyConfig };
}

export interface PlanResult {
    stdout: string;
    stderr: string;
    /** The exit code `npm run plan` gives. */
    code: number;
}

/** `npm run plan -- <argv>` in-process: what it would print and its exit code. */
export async function runPlan(argv: string[]): Promise<PlanResult> {
    let stdout = "";
    const out = { write: (text: string) => (stdout += text) };
    try {
        return { code: await plan(argv, out), stdout, stderr: "" };
    } catch (e) {
        if (e instanceof ConfigError) return { code: 2, stdout, stderr: `plan: ${e.message}\n` };
        return { code: 1, stdout, stderr: `plan failed: ${e instanceof Error ? e.message : String(e)}\n` };
    }
}

async function plan(argv: string[], out: { write(text: string): void }): Promise<number> {
    const started = Date.now();
    const { overrides, policyConfig, help } = cli(argv);
    if (help) {
        out.write(`${usage}\n`);
        return 0;
    }
    const estate = await runEstate({ overrides });
    const header = {
        title: "honeyDue estate: offline plan of `pulumi up` for stack prod",
        lines: ["No cloud was called: providers are mocked and every secret is a labelled PLACEHOLDER."],
    };
    const policies = await evaluate(estate.resources, { config: policyConfig });
    const overview = summary(estate);
    overview.lines.push(policySummary(policies));
    out.write(render([header, overview, ...resourceSections(estate), orderSection(estate), outputsSection(estate), policySection(policies)]));
    if (Object.keys(overrides).length === 0) out.write(`\n${writeDiagram(estate)}\n`);
    out.write(`\nplanned in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    return policies.mandatory.length > 0 ? 1 : 0;
}

if (require.main === module) {
    runPlan(process.argv.slice(2)).then(({ stdout, stderr, code }) => {
        process.stdout.write(stdout);
        process.stderr.write(stderr);
        process.exitCode = code;
    });
}
