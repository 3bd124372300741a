// One line (or a few) per resource for the plan: the properties an operator checks before
// `pulumi up`. Each layer registers its types in its own file.
import type { Registration } from "../capture";

export type Describer = (r: Registration, all: Registration[]) => string[];

const describers = new Map<string, Describer>();

export function describeType(type: string, fn: Describer): void {
    describers.set(type, fn);
}

export function describe(r: Registration, all: Registration[]): string[] {
    return describers.get(r.type)?.(r, all) ?? [];
}

/** A short human name for a type token: "hcloud:index/server:Server" → "hcloud Server". */
export function typeLabel(type: string): string {
    const [pkg, , kind] = type.split(":");
    return `${pkg === "pulumi" ? "" : `${pkg} `}${kind ?? type}`;
}

/** Renders a value for the plan; secrets are never shown. */
export function show(v: unknown): string {
    if (v && typeof v === "object" && "secret" in (v as object)) return "[secret]";
    if (Array.isArray(v)) return v.map(show).join(", ");
    return typeof v === "string" ? v : JSON.stringify(v);
}
