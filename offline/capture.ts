// A mock resource monitor that records every registration the way the engine sees it: inputs
// (with secret-ness kept), parent, dependencies and resource options. The tests, the policy
// runner and the plan all read this one record.
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { isUnknown } from "@pulumi/pulumi/output";

/** Marks a value that was a Pulumi secret in the program, as the engine would keep it. */
export interface SecretValue {
    secret: unknown;
}

export interface Registration {
    urn: string;
    /** The id the (mock) provider gave it. */
    id: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    provider: string;
    /** Inputs as sent to the engine; secrets appear as { secret: value }. */
    inputs: Record<string, unknown>;
    /** State the mock returned (what later resources and outputs saw). */
    state: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    deletedWith: string;
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
    importId: string;
    customTimeouts?: { create: string; update: string; delete: string };
    /** Outputs a component or the stack registered. */
    outputs?: Record<string, unknown>;
}

const sigKey = pulumi.runtime.specialSigKey;
const secretSig = pulumi.runtime.specialSecretSig;

/** Shown where a value is only known after the cloud has created something. */
export const UNKNOWN = "(known after apply)";

/** Turns the runtime's secret envelopes into { secret } and unknowns into UNKNOWN. */
function normalise(value: unknown): unknown {
    if (pulumi.Output.isInstance(value) || isUnknown(value)) return UNKNOWN;
    if (Array.isArray(value)) return value.map(normalise);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[sigKey] === secretSig) return { secret: normalise(o.value) } satisfies SecretValue;
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, normalise(v)]));
    }
    return value;
}

export class CapturingMonitor extends MockMonitor {
    readonly registrations = new Map<string, Registration>();
    /** URNs registered more than once (the engine would refuse; the mock monitor would overwrite). */
    readonly duplicates: string[] = [];
    readonly invokes: { token: string; inputs: unknown }[] = [];

    async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        await super.registerResource(req, (err: any, response: any) => {
            if (!err && response) this.record(req, response.getUrn(), response.getId());
            callback(err, response);
        });
    }

    async invoke(req: any, callback: (err: any, response: any) => void): Promise<void> {
        this.invokes.push({ token: req.getTok(), inputs: pulumi.runtime.deserializeProperties(req.getArgs()) });
        return super.invoke(req, callback);
    }

    registerResourceOutputs(req: any, callback: (err: any, response: any) => void): void {
        const reg = this.registrations.get(req.getUrn());
        if (reg) reg.outputs = normalise(keepSecrets(req.getOutputs())) as Record<string, unknown>;
        super.registerResourceOutputs(req, callback);
    }

    private record(req: any, urn: string, id: string): void {
        if (this.registrations.has(urn)) this.duplicates.push(urn);
        const propDeps: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((v: any, k: string) => (propDeps[k] = v.getUrnsList()));
        const timeouts = req.getCustomtimeouts();
        const stored = this.resources.get(urn);
        this.registrations.set(urn, {
            urn,
            id,
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent(),
            provider: req.getProvider(),
            inputs: normalise(keepSecrets(req.getObject())) as Record<string, unknown>,
            state: normalise(Object.fromEntries(Object.entries((stored?.state ?? {}) as object).map(([k, v]) => [k, pulumi.runtime.deserializeProperty(v, true)]))) as Record<string, unknown>,
            dependencies: req.getDependenciesList(),
            propertyDependencies: propDeps,
            protect: req.getProtect() ?? false,
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            deletedWith: req.getDeletedwith(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            retainOnDelete: req.getRetainondelete() ?? false,
            importId: req.getImportid(),
            customTimeouts: timeouts ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() } : undefined,
        });
    }
}

/** Deserialises a protobuf Struct keeping secret envelopes and unknowns. */
function keepSecrets(struct: any): Record<string, unknown> {
    return struct ? pulumi.runtime.deserializeProperties(struct, true) : {};
}
