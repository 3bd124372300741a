// Small queries over a captured estate, shared by the tests, the policy runner and the plan.
import type { Registration } from "./capture";

export const ofType = (resources: Registration[], type: string) => resources.filter((r) => r.type === type);

export function one(resources: Registration[], type: string, name: string): Registration {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

/** Everything a resource sends in plain text (secrets masked), as one string to search. */
export function plainText(value: unknown): string {
    return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) && "secret" in v && Object.keys(v).length === 1 ? "[secret]" : v));
}

/** Strips the { secret } envelopes: the values a policy or a mock sees. */
export function unwrap(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrap);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if ("secret" in o && Object.keys(o).length === 1) return unwrap(o.secret);
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrap(v)]));
    }
    return value;
}

/** True when `r` waits for `on`: directly, through a property, or through a component that holds it. */
export function dependsOn(r: Registration, on: Registration, all: Registration[]): boolean {
    const direct = new Set([...r.dependencies, ...Object.values(r.propertyDependencies).flat()]);
    const holds = (urn: string): boolean => urn === on.urn || all.some((c) => c.parent === urn && holds(c.urn));
    return [...direct].some(holds);
}

/** True when `r` waits for `on`, directly or through anything in between. */
export function dependsTransitively(r: Registration, on: Registration, all: Registration[], seen = new Set<string>()): boolean {
    if (seen.has(r.urn)) return false;
    seen.add(r.urn);
    if (dependsOn(r, on, all)) return true;
    const direct = [...r.dependencies, ...Object.values(r.propertyDependencies).flat()];
    return all.filter((x) => direct.includes(x.urn)).some((x) => dependsTransitively(x, on, all, seen));
}
