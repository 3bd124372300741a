// The build order: which resources can be created together (waves), from the dependencies the
// program declared. Components are not created; a dependency on one means its resources.
import type { Registration } from "./capture";

export function byUrn(resources: Registration[]): Map<string, Registration> {
    return new Map(resources.map((r) => [r.urn, r]));
}

/** The custom resources a URN stands for: itself, or every custom resource under a component. */
function expand(urn: string, all: Registration[], index: Map<string, Registration>): string[] {
    const r = index.get(urn);
    if (!r) return [];
    if (r.custom) return [urn];
    return all.filter((c) => c.parent === urn).flatMap((c) => expand(c.urn, all, index));
}

/**
 * The provider a resource is created through, as a URN. The SDK sends it as `<provider urn>::<id>`
 * (@pulumi/pulumi resource.js, ProviderResource.register), and the engine creates a resource only
 * after its provider is configured, so an explicit provider is a prerequisite like any other.
 * Default providers are not registered under mocks and have nothing to wait for.
 */
export function providerUrn(r: Registration): string | undefined {
    return r.provider ? r.provider.slice(0, r.provider.lastIndexOf("::")) : undefined;
}

/** Every custom resource's direct prerequisites (custom resources, explicit providers included). */
export function prerequisites(resources: Registration[]): Map<string, Set<string>> {
    const index = byUrn(resources);
    const deps = new Map<string, Set<string>>();
    for (const r of resources.filter((x) => x.custom)) {
        const provider = providerUrn(r);
        const direct = [...r.dependencies, ...Object.values(r.propertyDependencies).flat(), ...(provider && index.has(provider) ? [provider] : [])];
        deps.set(r.urn, new Set(direct.flatMap((d) => expand(d, resources, index)).filter((d) => d !== r.urn)));
    }
    return deps;
}

/** Groups resources into waves: wave n holds what depends only on waves before it. */
export function waves(resources: Registration[]): Registration[][] {
    const deps = prerequisites(resources);
    const index = byUrn(resources);
    const level = new Map<string, number>();
    const visit = (urn: string, path: string[]): number => {
        const known = level.get(urn);
        if (known !== undefined) return known;
        if (path.includes(urn)) throw new Error(`dependency cycle: ${[...path, urn].join(" -> ")}`);
        const l = 1 + Math.max(0, ...[...(deps.get(urn) ?? [])].map((d) => visit(d, [...path, urn])));
        level.set(urn, l);
        return l;
    };
    [...deps.keys()].forEach((u) => visit(u, []));
    const out: Registration[][] = [];
    for (const [urn, l] of level) (out[l - 1] ??= []).push(index.get(urn)!);
    return out.map((w) => w.sort((a, b) => a.urn.localeCompare(b.urn)));
}

/** The top-level component a resource belongs to (its layer), or "" for the stack itself. */
export function layerOf(r: Registration, index: Map<string, Registration>): Registration | undefined {
    let cur: Registration | undefined = r;
    while (cur && index.get(cur.parent)?.type !== "pulumi:pulumi:Stack") cur = index.get(cur.parent);
    return cur;
}
