// Validates captured Kubernetes objects against the Kubernetes OpenAPI schema, with the models
// of `kubernetes-models` (one class per kind, each with `validate()`). Used by the tests; the
// package is ESM-only, so its modules are loaded with a dynamic import.
import type { Registration } from "./capture";
import { unwrap } from "./query";

/** "kubernetes:apps/v1:Deployment" → "kubernetes-models/apps/v1/Deployment" (core has no group folder). */
export function modelModule(type: string): string | undefined {
    const m = /^kubernetes:([^:/]+)\/([^:/]+):(\w+)$/.exec(type);
    if (!m) return undefined;
    const [, group, version, kind] = m;
    return `kubernetes-models/${group === "core" ? "" : `${group}/`}${version}/${kind}`;
}

interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The model class of a type, or undefined when kubernetes-models has none (custom resources). */
export async function modelOf(type: string): Promise<ModelClass | undefined> {
    const module = modelModule(type);
    if (!module) return undefined;
    const kind = type.slice(type.lastIndexOf(":") + 1);
    try {
        const loaded = (await import(module)) as Record<string, ModelClass>;
        return loaded[kind];
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || (e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") return undefined;
        throw e;
    }
}

/** The object as the API server would receive it: the resource's inputs, secrets unwrapped. */
export const manifest = (r: Pick<Registration, "inputs">) => unwrap(r.inputs) as Record<string, unknown>;

/** Throws the schema's complaint (path and rule) when the object is invalid; undefined when there is no model. */
export async function validateObject(type: string, object: unknown): Promise<boolean> {
    const Model = await modelOf(type);
    if (!Model) return false;
    new Model(object).validate();
    return true;
}
