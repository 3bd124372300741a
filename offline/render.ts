// Renders the captured estate as the plan an operator reads before `pulumi up`: layers with
// their resources' key properties, then the build order, then the stack outputs.
import { stringify } from "yaml";
import type { CostEstimate } from "../infra/cost";
import type { Registration } from "./capture";
import { pc } from "./colour";
import { describe, typeLabel } from "./describe";
import "./describe/hetzner";
import "./describe/edge";
import "./describe/workloads";
import "./describe/k3s";
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

export function resourceSections(estate: Estate): Section[] {
    return [...layers(estate)].map(([layer, rs]) => ({
        title: layerTitle(layer),
        lines: (rs.length ? rs : [layer]).flatMap((r) => [
            `${marker(r)} ${typeLabel(r.type).padEnd(34)} ${pc.bold(r.name)}${r.importId ? `  ${pc.yellow(`import ${r.importId}`)}` : ""}`,
            ...describe(r, estate.resources).map(indent(6)),
        ]),
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

export function outputsSection(estate: Estate): Section {
    const masked = JSON.parse(plainText(estate.outputs)) as Record<string, unknown>;
    const lines = Object.entries(masked).flatMap(([k, v]) => {
        if (typeof v === "string" && !v.includes("\n")) return [`${k}: ${v}`];
        const body = typeof v === "string" ? v : stringify(v);
        return [`${k}:`, ...body.trimEnd().split("\n").map(indent(4))];
    });
    return { title: "Stack outputs (addresses are placeholders from the documentation ranges; Hetzner assigns the real ones)", lines };
}

export function render(sections: Section[]): string {
    return sections.map((s) => [pc.bold(pc.cyan(s.title)), ...s.lines.map(indent(2))].join("\n")).join("\n\n") + "\n";
}
