// `npm run plan`: what `pulumi up` would build for the prod stack, offline — no cloud, no
// credentials, no Pulumi CLI. Exit 0 when the plan is sound, 2 on a configuration error.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../config";
import { orderSection, outputsSection, render, resourceSections, summary } from "./render";
import { estateDoc } from "./diagram";
import { runEstate, type Estate } from "./run";
import { root } from "./stack";

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
                    (JSON values for lists and objects; repeatable)`;

function overrides(): Record<string, unknown> {
    const { values } = parseArgs({ options: { set: { type: "string", multiple: true }, help: { type: "boolean" } } });
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        process.exit(0);
    }
    return Object.fromEntries(
        (values.set ?? []).map((kv) => {
            const eq = kv.indexOf("=");
            if (eq < 1) throw new Error(`--set ${kv}: expected key=value\n${usage}`);
            const key = kv.slice(0, eq);
            return [key.includes(":") ? key : `honeydue:${key}`, kv.slice(eq + 1)];
        }),
    );
}

async function main(): Promise<number> {
    const started = Date.now();
    let estate;
    const changes = overrides();
    try {
        estate = await runEstate({ overrides: changes });
    } catch (e) {
        if (e instanceof ConfigError) {
            process.stderr.write(`plan: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
    const header = {
        title: "honeyDue estate: offline plan of `pulumi up` for stack prod",
        lines: ["No cloud was called: providers are mocked and every secret is a labelled PLACEHOLDER."],
    };
    process.stdout.write(render([header, summary(estate), ...resourceSections(estate), orderSection(estate), outputsSection(estate)]));
    if (Object.keys(changes).length === 0) process.stdout.write(`\n${writeDiagram(estate)}\n`);
    process.stdout.write(`\nplanned in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    return 0;
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`plan failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
