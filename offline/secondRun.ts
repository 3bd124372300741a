// The second `pulumi up`, offline: what the no-churn test compares with the first. Two things
// differ from the first run, as they do for real:
// - Every resource the first run registered answers with the id and state that run left: the
//   engine keeps a resource's id and outputs when its inputs did not change (pulumi/pulumi
//   pkg/resource/deploy/step.go, SameStep.Apply), so the program sees them.
// - Data sources are asked again (pulumi/pulumi pkg/resource/deploy/source_eval.go, resmon.Invoke
//   calls the provider's Invoke on every run; nothing comes from state), and the cloud may answer
//   the same facts in another order: Cloudflare's ranges are kept as the API lists them
//   (cloudflare/terraform-provider-cloudflare internal/services/ip_ranges/data_source.go, Read:
//   one API call per read, ipv4_cidrs/ipv6_cidrs a List in the response's order). So every list a
//   data source answers comes back reversed; a program that put it in a resource unsorted churns.
import * as pulumi from "@pulumi/pulumi";
import type { Estate } from "./run";

/** The runtime's secret envelope, as mock state carries it (capture.ts shows it as { secret }). */
function restore(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(restore);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === "secret") return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: restore(o.secret) };
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, restore(v)]));
    }
    return value;
}

/** Lists in another order, deep. */
function reordered(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reordered).reverse();
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reordered(v)]));
    return value;
}

/** The mocks of a second run over `first`'s state; resources it did not have get `base`'s answer. */
export function secondRunMocks(base: pulumi.runtime.Mocks, first: Estate): pulumi.runtime.Mocks {
    const state = new Map<string, { id: string; state: Record<string, unknown> }>();
    for (const r of first.resources) state.set(`${r.type}::${r.name}`, { id: r.id, state: restore(r.state) as Record<string, unknown> });
    return {
        newResource(a) {
            const kept = state.get(`${a.type}::${a.name}`);
            return kept ? { id: kept.id, state: kept.state } : base.newResource(a);
        },
        async call(c) {
            return reordered(await base.call(c)) as Record<string, unknown>;
        },
    };
}
