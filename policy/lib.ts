// What every policy module shares: reading the operator's policy configuration over the defaults,
// names and namespaces of Kubernetes objects, and values that may be unknown during a preview.
import type { PolicyConfigSchema, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";

type Args = Pick<ResourceValidationArgs | StackValidationArgs, "getConfig">;

/** The policy's settings: what the operator passed with --policy-pack-config over the defaults. */
export function settings<T extends object>(args: Args, defaults: T): T {
    const given = args.getConfig<Partial<T>>() ?? {};
    const out = { ...defaults };
    for (const [k, v] of Object.entries(given)) if (v !== undefined && k !== "enforcementLevel") (out as Record<string, unknown>)[k] = v;
    return out;
}

/** A JSON schema for a policy's settings, each property's default being the value in code. */
export function schemaOf(defaults: Record<string, unknown>, descriptions: Record<string, string>): PolicyConfigSchema {
    const typeOf = (v: unknown) => (Array.isArray(v) ? "array" : typeof v === "number" ? "integer" : (typeof v as "string" | "boolean" | "object"));
    return {
        properties: Object.fromEntries(
            Object.entries(defaults).map(([k, v]) => [
                k,
                {
                    type: typeOf(v),
                    ...(Array.isArray(v) ? { items: { type: typeof v[0] === "number" ? "integer" : v[0] !== null && typeof v[0] === "object" ? "object" : "string" } } : {}),
                    default: v,
                    description: descriptions[k],
                } as PolicyConfigSchema["properties"][string],
            ]),
        ),
    };
}

/** True for the engine's "can't be known during preview" error (thrown by its props proxy). */
export const isUnknownError = (e: unknown) => e instanceof Error && e.constructor.name === "UnknownValueError";

/** Reads a value that may be unknown during a preview; undefined when it is. */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (isUnknownError(e)) return undefined;
        throw e;
    }
}

/** The stack a URN belongs to: urn:pulumi:<stack>::<project>::<type>::<name>. */
export const stackOf = (urn: string) => urn.split("::")[0].split(":").slice(2).join(":");

export interface Metadata {
    name?: string;
    namespace?: string;
}

/** A Kubernetes object's name: metadata.name, or the Pulumi name when it is auto-named. */
export const k8sName = (props: { metadata?: Metadata }, resourceName: string) => props.metadata?.name ?? resourceName;

/**
 * An object named exactly, as the cluster knows it: an exception names its kind, namespace and
 * metadata.name (a Pulumi name or a suffix of one grants nothing).
 */
export interface ObjectId {
    kind: string;
    namespace: string;
    name: string;
}

/** Traefik as the program installs it: the HelmChart `honeydue-traefik` in kube-system, and the DaemonSet its release renders. */
export const traefikIds: ObjectId[] = [
    { kind: "HelmChart", namespace: "kube-system", name: "honeydue-traefik" },
    { kind: "DaemonSet", namespace: "kube-system", name: "honeydue-traefik" },
];

/** The object's identity; undefined name when it is auto-named (an auto-named object is never an exception). */
export const idOf = (kind: string, props: { metadata?: Metadata }): Partial<ObjectId> => ({ kind, namespace: props.metadata?.namespace ?? "default", name: props.metadata?.name });

/** The entry of `ids` that is exactly this object (kind, namespace and metadata.name), if any. */
export function listed<T extends ObjectId>(ids: readonly T[], id: Partial<ObjectId>): T | undefined {
    return id.name === undefined ? undefined : ids.find((x) => x.kind === id.kind && x.namespace === id.namespace && x.name === id.name);
}

export const showId = (id: Partial<ObjectId>) => `${id.kind} ${id.namespace}/${id.name ?? "(auto-named)"}`;

/** True when the object carries one of `names`, as its metadata.name or its Pulumi name (or `<prefix>-<name>`): for finding objects, never for exceptions. */
export function named(names: string[], props: { metadata?: Metadata }, resourceName: string): boolean {
    const meta = props.metadata?.name;
    return names.some((n) => meta === n || resourceName === n || resourceName.endsWith(`-${n}`));
}

export const list = (items: readonly string[]) => items.join(", ");
