// Runs the policy pack over a captured estate the way the Pulumi engine does, with no CLI: each
// resource's inputs go to the resource policies (Analyze), every resource's state to the stack
// policies (AnalyzeStack), with the same argument objects @pulumi/policy builds from the engine's
// requests — type, props (secrets unwrapped, unknowns behind the pack's own unknown-checking proxy),
// urn, name, options, provider, getConfig (schema defaults under --policy-pack-config), isType/asType,
// and a notApplicable that throws. Used by `npm run plan` and the tests.
import type {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyPackConfig,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import { packEnforcementLevel, policies as packPolicies } from "../policy/all";
import { levelsOf, loweredPolicies } from "../policy/configGuard";
import { stackOf } from "../policy/lib";
import { markSecrets, secretPaths } from "../policy/secretness";
import { UNKNOWN, type Registration } from "./capture";
import { unwrap } from "./query";

/** The pack's internal proxy (not in its .d.ts): the engine wraps props in it during analysis. */
const proxy = proxyModule as unknown as {
    unknownCheckingProxy<T>(v: T): T;
    unknownStringValue: string;
    UnknownValueError: new (...a: unknown[]) => Error;
};

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    /** The resource in violation; absent when the stack as a whole is. */
    urn?: string;
    message: string;
}

/** "advisory": violated, but the policy is advisory (a warning; `pulumi up` goes on). */
export type Status = "passed" | "violated" | "advisory" | "not applicable" | "disabled";

export interface Verdict {
    policy: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    status: Status;
    violations: Violation[];
    /** Why the policy did not apply (from notApplicable). */
    reasons: string[];
}

export interface PolicyReport {
    verdicts: Verdict[];
    violations: Violation[];
    /** The violations that stop `pulumi up`. */
    mandatory: Violation[];
}

export interface PolicyOptions {
    /** Defaults to the pack's list (policy/all.ts). */
    policies?: Policies;
    /** What `--policy-pack-config` would pass: per policy an enforcement level or settings. */
    config?: PolicyPackConfig;
    /** The stack the config is for; defaults to the resources' stack (from their URNs). */
    stack?: string;
    stackTags?: Map<string, string>;
}

/**
 * What notApplicable throws; the runner records the policy as not applicable to that resource. Not an
 * Error: it is thrown for nearly every resource by every typed policy, and capturing a stack trace
 * each time (with source maps) was most of the pack's run time over the estate.
 */
export class NotApplicable {
    readonly message: string;
    constructor(readonly reason?: string) {
        this.message = reason ?? "not applicable";
    }
}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

const isResourcePolicy = (p: Policies[number]): p is ResourceValidationPolicy => "validateResource" in p && p.validateResource !== undefined;
const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";
const pulumiTypeOf = (o: unknown): string | undefined => {
    const t = (o as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" && t.length > 0 ? t : undefined;
};

/** @pulumi/policy's isTypeOf: the class's __pulumiType if it has one, else its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const t = pulumiTypeOf(resourceClass);
    if (t) return type === t;
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/** The capture's secret envelope, { secret: value }. */
const envelope = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) && "secret" in v && Object.keys(v).length === 1 ? ((v as { secret: unknown }).secret ?? null) : undefined);

/**
 * Inputs or state as a policy sees them: secrets unwrapped, unknowns as the engine's sentinel, behind
 * its proxy — with the secret paths recorded beside them, as policy/serve.ts does in the pack's process.
 */
function asProps(value: unknown): Record<string, any> {
    const sentinel = (v: unknown): unknown => {
        if (v === UNKNOWN) return proxy.unknownStringValue;
        if (Array.isArray(v)) return v.map(sentinel);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sentinel(x)]));
        return v;
    };
    const props = sentinel(unwrap(value ?? {})) as Record<string, any>;
    markSecrets(props, secretPaths(value ?? {}, envelope));
    return proxy.unknownCheckingProxy(props);
}

/** "1h30m" / "10m" / "90s" → seconds (the engine hands policies seconds). */
export function seconds(duration: string | undefined): number {
    if (!duration) return 0;
    const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
    return [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)].reduce((sum, [, n, u]) => sum + Number(n) * units[u], 0);
}

function optionsOf(r: Registration): PolicyResourceOptions & { dependsOn: string[]; provider?: string; deletedWith?: string; replaceOnChanges: string[]; retainOnDelete: boolean } {
    return {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        deleteBeforeReplace: r.deleteBeforeReplace,
        aliases: [],
        customTimeouts: {
            createSeconds: seconds(r.customTimeouts?.create),
            updateSeconds: seconds(r.customTimeouts?.update),
            deleteSeconds: seconds(r.customTimeouts?.delete),
        },
        additionalSecretOutputs: r.additionalSecretOutputs,
        ...(r.parent ? { parent: r.parent } : {}),
        dependsOn: r.dependencies,
        ...(r.provider ? { provider: r.provider } : {}),
        ...(r.deletedWith ? { deletedWith: r.deletedWith } : {}),
        replaceOnChanges: r.replaceOnChanges,
        retainOnDelete: r.retainOnDelete,
    };
}

/** A provider reference is "<urn>::<id>". */
function providerOf(r: Registration, byUrn: Map<string, Registration>, props: (p: Registration) => unknown): PolicyProviderResource | undefined {
    if (!r.provider) return undefined;
    const p = byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::")));
    return p ? { type: p.type, props: asProps(props(p)), urn: p.urn, name: p.name } : undefined;
}

/** The policy's settings: the schema's defaults, then what the operator configured (as the CLI does). */
function configFor(name: string, schema: PolicyConfigSchema | undefined, config: PolicyPackConfig): Record<string, unknown> {
    const defaults = Object.fromEntries(Object.entries(schema?.properties ?? {}).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
    const given = config[name];
    const rest = typeof given === "object" ? Object.fromEntries(Object.entries(given).filter(([k]) => k !== "enforcementLevel")) : {};
    return { ...defaults, ...rest };
}

/** The level the engine gives a policy: its own entry, else "all" (pulumi/pulumi pkg/resource/analyzer/config.go applyConfig), else its default. */
function levelFor(p: Policies[number], config: PolicyPackConfig): EnforcementLevel {
    const given = config[p.name] ?? config.all;
    const level = (typeof given === "string" ? given : given?.enforcementLevel) ?? p.enforcementLevel ?? packEnforcementLevel;
    return level === "remediate" ? "mandatory" : level;
}

/** The verdict of the pack's configuration rule (policy/configGuard.ts); the pack's process refuses such a config outright. */
export const configPolicy = "policy-pack-config";

/**
 * Runs one validation; true when it applied (did not call notApplicable). A validation that returns
 * no promise is settled at once, without one: the pack's run over the estate makes tens of thousands
 * of these calls, and a promise each (with node:test's async hooks tracking every promise) was a
 * third of the run's time.
 */
function attempt(policy: string, run: () => unknown, reasons: string[], unknown: (message: string) => void): boolean | Promise<boolean> {
    const settle = (e: unknown): boolean => {
        if (e instanceof NotApplicable) {
            if (e.reason && !reasons.includes(e.reason)) reasons.push(e.reason);
            return false;
        }
        if (e instanceof proxy.UnknownValueError) {
            unknown(`can't run policy '${policy}' during preview: ${e.message}`);
            return true;
        }
        throw new Error(`policy ${policy} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    };
    let result: unknown;
    try {
        result = run();
    } catch (e) {
        return settle(e);
    }
    if (result instanceof Promise || (result && typeof (result as PromiseLike<unknown>).then === "function")) {
        return Promise.resolve(result).then(() => true, settle);
    }
    return true;
}

/**
 * Resource state as stack policies see it (the engine gives outputs): what the mock provider returned,
 * the inputs over it (mocks echo inputs, so a broken copy of the estate need only break the inputs),
 * and a component's or the stack's registered outputs. As the engine does after each step, outputs
 * listed in additionalSecretOutputs become secret, and so does an output whose input was secret
 * (pulumi/pulumi pkg/resource/deploy/step_executor.go continueExecuteStep); the inputs laid over
 * the state carry their own secret envelopes.
 */
function stateOf(r: Registration): Record<string, unknown> {
    const state: Record<string, unknown> = { ...r.state, ...r.inputs, ...(r.outputs ?? {}) };
    for (const k of r.additionalSecretOutputs) if (k in state && envelope(state[k]) === undefined) state[k] = { secret: state[k] };
    return state;
}

export async function evaluate(resources: Registration[], opts: PolicyOptions = {}): Promise<PolicyReport> {
    const list = opts.policies ?? packPolicies;
    const given = opts.config ?? {};
    const stack = opts.stack ?? stackOf(resources[0]?.urn ?? "urn:pulumi:prod::");
    const lowered = loweredPolicies(list, levelsOf(given as Record<string, unknown>), stack);
    // A refused configuration: its settings still apply, the levels it lowers do not.
    const lowers = (name: string) => lowered.some((l) => l.startsWith(`${name} `)) || (name === "all" && lowered.length > 0 && ["advisory", "disabled"].includes(levelsOf(given as Record<string, unknown>).all ?? ""));
    const config = Object.fromEntries(
        Object.entries(given)
            .filter(([k]) => !(k === "all" && lowers(k)))
            .map(([k, v]) => [k, lowers(k) ? (typeof v === "string" ? {} : { ...v, enforcementLevel: undefined }) : v]),
    ) as PolicyPackConfig;
    const stackTags = opts.stackTags ?? new Map<string, string>();
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    // Each resource's view is built once and shared by the policies (the engine deserialises per
    // call; policies only read their props, and sharing keeps the pack's run over the estate short).
    const views = new Map<Registration, ReturnType<typeof resourceView>>();
    const viewOf = (r: Registration) => views.get(r) ?? views.set(r, resourceView(r, byUrn, (x) => x.inputs)).get(r)!;
    const analysed = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    // The stack policies' view of every resource, likewise built once and shared (policies only read it).
    let stackView: PolicyResource[] | undefined;
    const verdicts: Verdict[] = [];

    for (const p of list) {
        const enforcementLevel = levelFor(p, config);
        const verdict: Verdict = { policy: p.name, description: p.description, enforcementLevel, status: "not applicable", violations: [], reasons: [] };
        verdicts.push(verdict);
        if (enforcementLevel === "disabled") {
            verdict.status = "disabled";
            continue;
        }
        const getConfig = <T extends object>() => configFor(p.name, p.configSchema, config) as T;
        const record = (message: string, urn?: string, level = enforcementLevel) => verdict.violations.push({ policy: p.name, enforcementLevel: level, ...(urn ? { urn } : {}), message });
        // As the engine does: a value unknown during preview makes an advisory note, not a violation.
        let notes = 0;
        const unknown = (message: string) => {
            notes += 1;
            record(message, undefined, "advisory");
        };
        let applied = false;

        if (isResourcePolicy(p)) {
            const validations: ResourceValidation[] = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource!];
            const only = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
            for (const r of analysed) {
                if (only && r.type !== only) {
                    if (!verdict.reasons.includes(`Policy only applies to resources of type '${only}'`)) verdict.reasons.push(`Policy only applies to resources of type '${only}'`);
                    continue;
                }
                const args: ResourceValidationArgs = { ...viewOf(r), stackTags, getConfig, notApplicable };
                // Resource violations always name the resource being validated.
                const report: ReportViolation = (message) => record(message, r.urn);
                for (const v of validations) {
                    const ran = attempt(p.name, () => v(args, report), verdict.reasons, unknown);
                    if (typeof ran === "boolean" ? ran : await ran) applied = true;
                }
            }
        } else if (isStackPolicy(p)) {
            const args: StackValidationArgs = { resources: (stackView ??= stackResources(resources, byUrn)), stackTags, getConfig, notApplicable };
            const report: ReportViolation = (message, urn) => record(message, urn);
            applied = await attempt(p.name, () => p.validateStack(args, report), verdict.reasons, unknown);
        }
        verdict.status = verdict.violations.length > notes ? (enforcementLevel === "advisory" ? "advisory" : "violated") : applied ? "passed" : "not applicable";
    }
    if (lowered.length > 0) {
        verdicts.push({
            policy: configPolicy,
            description: "The policy pack config may not lower a mandatory policy in a protected stack (prod).",
            enforcementLevel: "mandatory",
            status: "violated",
            violations: lowered.map((message) => ({ policy: configPolicy, enforcementLevel: "mandatory", message })),
            reasons: [],
        });
    }
    const violations = verdicts.flatMap((v) => v.violations);
    return { verdicts, violations, mandatory: violations.filter((v) => v.enforcementLevel === "mandatory") };
}

/** What both kinds of policy see of one resource: its properties (inputs, or state for stack policies), options and provider. */
function resourceView(r: Registration, byUrn: Map<string, Registration>, propsOf: (x: Registration) => Record<string, unknown>) {
    const props = asProps(propsOf(r));
    const provider = providerOf(r, byUrn, propsOf);
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        ...(provider ? { provider } : {}),
        isType: (cls: unknown) => isTypeOf(r.type, cls),
        // The two argument types spell asType differently; both get the same function.
        asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as never,
    };
}

/** Every resource as AnalyzeStack hands it over: outputs as props, parent and dependencies as objects. */
function stackResources(resources: Registration[], byUrn: Map<string, Registration>): PolicyResource[] {
    const made = new Map<string, PolicyResource>();
    for (const r of resources) made.set(r.urn, { ...resourceView(r, byUrn, stateOf), dependencies: [], propertyDependencies: {} });
    const link = (urns: string[]) => urns.map((u) => made.get(u)).filter((x): x is PolicyResource => x !== undefined);
    for (const r of resources) {
        const pr = made.get(r.urn)!;
        const parent = made.get(r.parent);
        if (parent) pr.parent = parent;
        pr.dependencies = link(r.dependencies);
        pr.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, link(v)]));
    }
    return [...made.values()];
}
