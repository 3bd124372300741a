// The plan's "Policies" section: each policy's verdict over the estate — passed, violated (with
// what to change), not applicable (its layer is absent) — and whether `pulumi up` would be stopped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pc } from "./colour";
import type { PolicyReport, Status } from "./policies";
import type { Section } from "./render";
import { root } from "./stack";

const label: Record<Status, (s: string) => string> = {
    passed: pc.green,
    violated: pc.red,
    advisory: pc.yellow,
    "not applicable": pc.dim,
    disabled: pc.dim,
};

/** "urn:…::ubuntu-8gb-nbg1-1" → "ubuntu-8gb-nbg1-1". */
const resourceName = (urn: string) => urn.split("::").pop() ?? urn;

/** The one summary line: how many policies passed, and whether `pulumi up` would stop. */
export function policySummary(report: PolicyReport): string {
    const passed = report.verdicts.filter((v) => v.status === "passed").length;
    const violated = report.verdicts.filter((v) => v.status === "violated").length;
    const advisory = report.verdicts.filter((v) => v.status === "advisory").length;
    const verdict = report.mandatory.length === 0 ? pc.green("no mandatory violation") : pc.red(`${report.mandatory.length} mandatory violation(s): pulumi up would stop`);
    return `${"policy pack".padEnd(40)} ${passed} passed, ${violated} violated${advisory ? `, ${advisory} advisory` : ""}: ${verdict}`;
}

export function policySection(report: PolicyReport): Section {
    const { version } = JSON.parse(readFileSync(join(root, "policy", "package.json"), "utf8")) as { version: string };
    const count = (s: Status) => report.verdicts.filter((v) => v.status === s).length;
    const lines = report.verdicts.flatMap((v) => [
        `${label[v.status](v.status.padEnd(15))} ${v.policy}${v.violations.length ? ` (${v.enforcementLevel}, ${v.violations.length} violation${v.violations.length > 1 ? "s" : ""})` : ""}`,
        ...v.violations.map((x) => `    ${x.urn ? `${resourceName(x.urn)}: ` : ""}${x.message}`),
    ]);
    const n = report.mandatory.length;
    lines.push(n === 0 ? pc.green("no mandatory violation") : pc.red(`${n} mandatory violation${n > 1 ? "s" : ""}: \`pulumi up\` would stop here (plan exits 1)`));
    return {
        title: `Policies (pack honeydue ${version}: ${count("passed")} passed, ${count("violated")} violated, ${count("advisory")} advisory, ${count("not applicable")} not applicable)`,
        lines,
    };
}
