// Renders the captured estate as the plan an operator reads before `pulumi up`: layers with
// their resources' key properties, then the build order, then the stack outputs.
import { stripVTControlCharacters } from "node:util";
import { stringify } from "yaml";
import type { CostEstimate } from "../infra/cost";
import type { Registration } from "./capture";
import { pc } from "./colour";
import { describe, typeLabel } from "./describe";
import "./describe/hetzner";
import "./describe/edge";
import "./describe/workloads";
import "./describe/k3s";
import "./describe/smoke";
import type { Estate } from "./run";
import { byUrn, layerOf, waves } from "./graph";
import { plainText } from "./query";


export interface Section {
    title: string;
    lines: string[];
}

const indent = (n: number) => (l: string) => `${" ".repeat(n)}${l}`;

/** "honeydue:infra:Nodes" → "infra: Nodes". */
const layerTitle = (c: Registration) => {
    const [, layer, kind] = c.type.split(":");
    return `${layer}: ${kind} (${c.name})`;
};

/** Each layer (top-level component, in the order index.ts builds them) with its resources. */
export function layers(estate: Estate): Map<Registration, Registration[]> {
    const index = byUrn(estate.resources);
    const out = new Map<Registration, Registration[]>();
    const stack = estate.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    for (const c of estate.resources.filter((r) => !r.custom && r.parent === stack?.urn)) out.set(c, []);
    for (const r of estate.resources.filter((x) => x.custom)) {
        const layer = layerOf(r, index);
        if (!layer) continue;
        if (!out.has(layer)) out.set(layer, []);
        if (layer !== r) out.get(layer)!.push(r);
    }
    return out;
}

/** "3 to create", or "1 to create, 11 to import" when some resources are adopted (the `import` option). */
export function counts(rs: Registration[]): string {
    const imports = rs.filter((r) => r.importId).length;
    return imports === 0 ? `${rs.length} to create` : `${rs.length - imports} to create, ${imports} to import`;
}

/** `+` for a resource to create; `=` and its import id for one that already exists and is adopted. */
const marker = (r: Registration) => (r.importId ? `${pc.yellow("=")}` : pc.green("+"));

export function summary(estate: Estate): Section {
    const lines = [...layers(estate)].map(([layer, rs]) => `${layerTitle(layer).padEnd(40)} ${counts(rs)}`);
    const w = waves(estate.resources);
    lines.push(`${"build order".padEnd(40)} ${w.length} waves`);
    const cost = estate.outputs.monthlyCost as CostEstimate | undefined;
    if (cost) lines.push(`${"estimated monthly cost".padEnd(40)} ${cost.monthly.toFixed(2)} ${cost.currency} (${cost.lines.map((l) => `${l.item} ${l.monthly.toFixed(2)}`).join(", ")})`);
    return { title: "Summary", lines };
}

/** The resource options an operator must know before `pulumi up --replace` or a delete. */
export function optionTags(r: Registration): string[] {
    return [r.protect ? "protect" : "", r.deleteBeforeReplace ? "delete before replace" : "", r.retainOnDelete ? "retain on delete" : ""].filter((t) => t !== "");
}

export interface ResourceOptions {
    /** Print each resource's URN (what `pulumi up --replace` and `pulumi state unprotect` take). */
    urns?: boolean;
}

export function resourceSections(estate: Estate, opts: ResourceOptions = {}): Section[] {
    return [...layers(estate)].map(([layer, rs]) => ({
        title: layerTitle(layer),
        lines: (rs.length ? rs : [layer]).flatMap((r) => {
            const tags = optionTags(r);
            return [
                `${marker(r)} ${typeLabel(r.type).padEnd(34)} ${pc.bold(r.name)}${r.importId ? `  ${pc.yellow(`import ${r.importId}`)}` : ""}`,
                ...(opts.urns ? [indent(6)(`urn ${r.urn}`)] : []),
                ...describe(r, estate.resources).map(indent(6)),
                ...(tags.length ? [indent(6)(pc.magenta(`options: ${tags.join(", ")}`))] : []),
            ];
        }),
    }));
}

export function orderSection(estate: Estate): Section {
    return {
        title: "Build order (each wave waits for the one before; a wave's resources are created together)",
        lines: waves(estate.resources).flatMap((wave, i) => [
            `wave ${i + 1}: ${wave.map((r) => `${typeLabel(r.type).split(" ").pop()} ${r.name}`).join(", ")}`,
        ]),
    };
}

/** The width the plan fits: a 120-column terminal. */
export const width = 120;

/** The visible length of a line (colour codes take no columns). */
const visible = (line: string) => stripVTControlCharacters(line).length;

/**
 * Breaks a line longer than `max` at spaces, continuing under its first word's text (so a wave's
 * list or a long description stays readable); a single word longer than the line is cut.
 */
export function wrap(line: string, max = width): string[] {
    if (visible(line) <= max) return [line];
    const lead = /^\s*((?:wave \d+|\S+):\s|[+=]\s|- )?/.exec(stripVTControlCharacters(line))?.[0] ?? "";
    const hang = " ".repeat(Math.min(lead.length, 40) + 2);
    const indentation = /^ */.exec(line)![0];
    const out: string[] = [];
    let current = indentation;
    for (const word of line.slice(indentation.length).split(" ")) {
        const candidate = current.trim() === "" ? `${current}${word}` : `${current} ${word}`;
        // A word too long for any line stays on this one and is cut below.
        if (visible(candidate) <= max || current.trim() === "" || visible(`${hang}${word}`) > max) {
            current = candidate;
            continue;
        }
        out.push(current);
        current = `${hang}${word}`;
    }
    out.push(current);
    return out.flatMap((l) => (visible(l) <= max ? [l] : chop(l, max, hang)));
}

/** Cuts a line with no space to break at (a long URN or value) into pieces that fit. */
function chop(line: string, max: number, hang: string): string[] {
    const plain = stripVTControlCharacters(line);
    const out = [plain.slice(0, max)];
    for (let i = max; i < plain.length; i += max - hang.length) out.push(`${hang}${plain.slice(i, i + max - hang.length)}`);
    return out;
}

export function outputsSection(estate: Estate): Section {
    const masked = JSON.parse(plainText(estate.outputs)) as Record<string, unknown>;
    const lines = Object.entries(masked).flatMap(([k, v]) => {
        if (typeof v === "string" && !v.includes("\n")) return [`${k}: ${v}`];
        const body = typeof v === "string" ? v : stringify(v);
        return [`${k}:`, ...body.trimEnd().split("\n").map(indent(4))];
    });
    return { title: "Stack outputs (addresses are placeholders from the documentation ranges; Hetzner assigns the real ones)", lines };
}

export function render(sections: Section[], max = width): string {
    return sections.map((s) => [...wrap(pc.bold(pc.cyan(s.title)), max), ...s.lines.map(indent(2)).flatMap((l) => wrap(l, max))].join("\n")).join("\n\n") + "\n";
}
