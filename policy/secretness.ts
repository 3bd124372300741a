// Which properties of a resource were secrets. @pulumi/policy 1.21.0 hands validateResource and
// validateStack their props with secrets unwrapped and unmarked: server.js makeAnalyzeRpcFun and
// makeAnalyzeStackRpcFun call deserializeProperties(req.getProperties(), false), and
// deserialize.js deserializeProperty returns a secret's bare value unless proxySecrets is true
// (then it wraps it in policy.Secret, which only makeRemediateRpcFun asks for). The engine does
// send secret-ness (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go, analyzer.Analyze
// and AnalyzeStack marshal with KeepSecrets: true), so the pack records it beside the props object
// (recordSecretness, in the pack's process) and the offline runner does the same from the capture.
import * as pulumi from "@pulumi/pulumi";

/** A property path, e.g. ["spec", "template", 0]. */
export type Path = (string | number)[];

const recorded = new WeakMap<object, Set<string>>();
const keyOf = (path: Path) => JSON.stringify(path.map(String));

/** The object behind @pulumi/policy's unknown-checking proxy (proxy.js getSpecialProxyTarget). */
const targetOf = (props: object): object => ((props as Record<string, unknown>).__isSpecialProxy === true ? ((props as Record<string, unknown>).__getSpecialProxyTarget as object) : props);

/** Records that `paths` of `props` were secrets (an empty list: none was). */
export function markSecrets(props: object, paths: Path[]): void {
    recorded.set(targetOf(props), new Set(paths.map(keyOf)));
}

/** Whether secret-ness was recorded for these props at all. */
export const secretnessKnown = (props: object) => recorded.has(targetOf(props));

/** True when exactly the value at `path` was recorded as a secret (walkers that descend from the root check each level). */
export function isSecretHere(props: object, path: Path): boolean {
    const paths = recorded.get(targetOf(props));
    // Most resources hold no secret: no key to build for every value a walker visits.
    return paths !== undefined && paths.size > 0 && paths.has(keyOf(path));
}

/** True when the value at `path`, or anything holding it, was a secret. */
export function isSecretAt(props: object, path: Path): boolean {
    const paths = recorded.get(targetOf(props));
    if (!paths) return false;
    for (let i = 0; i <= path.length; i++) if (paths.has(keyOf(path.slice(0, i)))) return true;
    return false;
}

/** The paths of the secrets in a value that still carries them, as `isSecret` recognises them. */
export function secretPaths(value: unknown, isSecret: (v: unknown) => unknown | undefined, at: Path = []): Path[] {
    const inner = isSecret(value);
    if (inner !== undefined) return [at];
    if (Array.isArray(value)) return value.flatMap((v, i) => secretPaths(v, isSecret, [...at, i]));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => secretPaths(v, isSecret, [...at, k]));
    return [];
}

/** The engine's wire form of a secret: { [specialSigKey]: specialSecretSig, value }. */
const wireSecret = (v: unknown) => {
    const o = v as Record<string, unknown> | null;
    return o && typeof o === "object" && o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? (o.value ?? null) : undefined;
};

let installed = false;
/**
 * In the pack's process: wraps @pulumi/policy's deserializeProperties so every props object it
 * builds for a policy has its secret paths recorded. server.js looks the function up on the module
 * object at each call (`deserialize_1.deserializeProperties(...)`), so replacing the export works;
 * the props the policies get are the very objects they got before.
 */
export function recordSecretness(): void {
    if (installed) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("@pulumi/policy/deserialize") as { deserializeProperties: (s: { toJavaScript(): unknown }, proxySecrets: boolean) => object };
    const original = mod.deserializeProperties;
    if (typeof original !== "function") throw new Error("honeydue policy pack: @pulumi/policy no longer exports deserializeProperties; update policy/secretness.ts for the new SDK");
    mod.deserializeProperties = (struct, proxySecrets) => {
        const props = original(struct, proxySecrets);
        markSecrets(props, secretPaths(struct.toJavaScript(), wireSecret));
        return props;
    };
    installed = true;
}
