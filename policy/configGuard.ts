// The pack's own rule about --policy-pack-config: in a protected stack (prod) a configuration may
// raise a policy's enforcement level or change its settings, never lower a mandatory policy to
// advisory or disabled. Without it a branch could add policy/config.prod.json with
// {"all": "disabled"} and the preview of that branch would pass. The engine hands the pack the
// configuration through the Analyzer's Configure call with "all" already expanded per policy
// (pulumi/pulumi pkg/resource/analyzer/config.go, ReconcilePolicyPackConfig → applyConfig), and
// @pulumi/policy 1.21.0 stores it unchecked (server.js `configure`), so policy/serve.ts checks it there.
import type { EnforcementLevel, Policies } from "@pulumi/policy";

export const protectedStacks = ["prod"];

/**
 * Whether `stack` (a bare name or org/project/name) is protected: one of protectedStacks, or named
 * for one in any case or with a suffix (Prod, production, prod-eu), so a second spelling of
 * production does not escape the guard.
 */
export function isProtected(stack: string): boolean {
    const name = stack.split("/").pop()!.toLowerCase();
    return protectedStacks.some((p) => name === p || name.startsWith(p));
}

const rank: Record<EnforcementLevel, number> = { disabled: 0, advisory: 1, mandatory: 2, remediate: 2 };

/** The enforcement level each policy is configured to, from a config keyed by policy name (and "all"). */
export type ConfiguredLevels = Record<string, EnforcementLevel | undefined>;

/** Why the configuration may not be used for `stack`: one line per mandatory policy it lowers. */
export function loweredPolicies(policies: Policies, levels: ConfiguredLevels, stack: string): string[] {
    if (!isProtected(stack)) return [];
    return policies.flatMap((p) => {
        const declared = p.enforcementLevel ?? "mandatory";
        const given = levels[p.name] ?? levels.all;
        if (declared !== "mandatory" || given === undefined || rank[given] >= rank[declared]) return [];
        return [`${p.name} is mandatory in the ${stack} stack but the policy pack config sets it ${given}; remove that entry from the --policy-pack-config file (settings may change, the level may not go down)`];
    });
}

/** The levels a --policy-pack-config file gives: an entry is a level or an object with enforcementLevel. */
export function levelsOf(config: Record<string, unknown>): ConfiguredLevels {
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, (typeof v === "string" ? v : (v as { enforcementLevel?: string } | null)?.enforcementLevel) as EnforcementLevel | undefined]),
    );
}
