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

export type Status = "passed" | "violated" | "not applicable" | "disabled";

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
    stackTags?: Map<string, string>;
}

/** What notApplicable throws; the runner records the policy as not applicable to that resource. */
export class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
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

/** Inputs or state as a policy sees them: secrets unwrapped, unknowns as the engine's sentinel, behind its proxy. */
function asProps(value: unknown): Record<string, any> {
    const sentinel = (v: unknown): unknown => {
        if (v === UNKNOWN) return proxy.unknownStringValue;
        if (Array.isArray(v)) return v.map(sentinel);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sentinel(x)]));
        return v;
    };
    return proxy.unknownCheckingProxy(sentinel(unwrap(value ?? {})) as Record<string, any>);
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

function levelFor(p: Policies[number], config: PolicyPackConfig): EnforcementLevel {
    const given = config[p.name];
    const level = (typeof given === "string" ? given : given?.enforcementLevel) ?? p.enforcementLevel ?? packEnforcementLevel;
    return level === "remediate" ? "mandatory" : level;
}

/** Runs one validation; true when it applied (did not call notApplicable). */
async function attempt(policy: string, run: () => unknown, reasons: string[], unknown: (message: string) => void): Promise<boolean> {
    try {
        await run();
        return true;
    } catch (e) {
        if (e instanceof NotApplicable) {
            if (e.reason && !reasons.includes(e.reason)) reasons.push(e.reason);
            return false;
        }
        if (e instanceof proxy.UnknownValueError) {
            unknown(`can't run policy '${policy}' during preview: ${e.message}`);
            return true;
        }
        throw new Error(`policy ${policy} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
}

/**
 * Resource state as stack policies see it (the engine gives outputs): what the mock provider returned,
 * the inputs over it (mocks echo inputs, so a broken copy of the estate need only break the inputs),
 * and a component's or the stack's registered outputs.
 */
const stateOf = (r: Registration) => ({ ...r.state, ...r.inputs, ...(r.outputs ?? {}) });

export async function evaluate(resources: Registration[], opts: PolicyOptions = {}): Promise<PolicyReport> {
    const list = opts.policies ?? packPolicies;
    const config = opts.config ?? {};
    const stackTags = opts.stackTags ?? new Map<string, string>();
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const analysed = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
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
                const args: ResourceValidationArgs = { ...resourceView(r, byUrn, (x) => x.inputs), stackTags, getConfig, notApplicable };
                // Resource violations always name the resource being validated.
                const report: ReportViolation = (message) => record(message, r.urn);
                for (const v of validations) if (await attempt(p.name, () => v(args, report), verdict.reasons, unknown)) applied = true;
            }
        } else if (isStackPolicy(p)) {
            const args: StackValidationArgs = { resources: stackResources(resources, byUrn), stackTags, getConfig, notApplicable };
            const report: ReportViolation = (message, urn) => record(message, urn);
            applied = await attempt(p.name, () => p.validateStack(args, report), verdict.reasons, unknown);
        }
        verdict.status = verdict.violations.length > notes ? "violated" : applied ? "passed" : "not applicable";
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
