// The policy config file is checked before the plan uses it: an unknown policy name, an unknown
// enforcement level or a misspelt setting is an error (exit 2), with the nearest real name.
// Settings are checked against each policy's own configSchema (policy/lib.ts, schemaOf).
import { nearest } from "../config/fields";
import { policies } from "../policy/all";

const levels = ["advisory", "mandatory", "remediate", "disabled"];

const hint = (name: string, known: string[]) => {
    const near = nearest(name, known);
    return near ? ` (did you mean ${near}?)` : "";
};

/** One message per problem in a --policy-pack-config object; none when it is sound. */
export function policyConfigProblems(config: Record<string, unknown>, pack = policies): string[] {
    const problems: string[] = [];
    const names = pack.map((p) => p.name);
    for (const [name, entry] of Object.entries(config)) {
        // The CLI also accepts "all" for the pack-wide enforcement level.
        if (name === "all") {
            if (typeof entry !== "string" || !levels.includes(entry)) problems.push(`all: got ${JSON.stringify(entry)}; expected an enforcement level: ${levels.join(", ")}`);
            continue;
        }
        const policy = pack.find((p) => p.name === name);
        if (!policy) {
            problems.push(`${name} is not a policy of the pack${hint(name, names)}; expected one of: ${names.join(", ")}`);
            continue;
        }
        if (typeof entry === "string") {
            if (!levels.includes(entry)) problems.push(`${name}: enforcement level ${JSON.stringify(entry)} is not one${hint(entry, levels)}; expected ${levels.join(", ")}`);
            continue;
        }
        if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
            problems.push(`${name}: got ${JSON.stringify(entry)}; expected an enforcement level or an object of settings`);
            continue;
        }
        const settings = Object.keys(policy.configSchema?.properties ?? {});
        for (const [key, value] of Object.entries(entry)) {
            if (key === "enforcementLevel") {
                if (typeof value !== "string" || !levels.includes(value)) problems.push(`${name}.enforcementLevel: got ${JSON.stringify(value)}; expected ${levels.join(", ")}`);
            } else if (!settings.includes(key)) {
                problems.push(`${name}.${key} is not a setting of ${name}${hint(key, settings)}; expected ${settings.length ? settings.join(", ") : "no settings (only enforcementLevel)"}`);
            } else {
                const type = policy.configSchema?.properties?.[key]?.type;
                const actual = Array.isArray(value) ? "array" : typeof value === "number" ? "integer" : typeof value;
                if (type && type !== actual && !(type === "integer" && typeof value === "number")) problems.push(`${name}.${key}: got ${actual}; expected ${type}`);
            }
        }
    }
    return problems;
}
