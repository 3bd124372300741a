// Property values as @pulumi/pulumi's provider server hands them over: `Struct.toJavaScript()` of the
// engine's wire form (node_modules/@pulumi/pulumi/provider/server.js, Server.check/diff/create).
// The server answers Configure with acceptSecrets, so secret inputs arrive wrapped in the secret
// signature object, and a preview sends the unknown sentinel for values not yet known
// (pulumi/pulumi sdk/nodejs/runtime/rpc.ts, specialSigKey / unknownValue).
import { createHash } from "node:crypto";

export const secretSig = "1b47061264138c4ac30d75fd1eb44270";
export const sigKey = "4dabf18193072939515e22adb298388d";
export const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

export function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Props)[sigKey] === secretSig;
}

/** The value with every secret wrapper removed (what the "cloud" acts on). */
export function plain<T = unknown>(v: unknown): T {
    if (isSecret(v)) return plain(v.value);
    if (Array.isArray(v)) return v.map((x) => plain(x)) as T;
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
    return v as T;
}

export function hasUnknown(v: unknown): boolean {
    if (v === unknown) return true;
    if (isSecret(v)) return hasUnknown(v.value);
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (typeof v === "object" && v !== null) return Object.values(v).some(hasUnknown);
    return false;
}

/** Deep equality of plain values; a missing key equals undefined/null. */
export function same(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
    if (typeof a === "object" && typeof b === "object" && a !== null && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].every((k) => same((a as Props)[k], (b as Props)[k]));
    }
    return false;
}

export function sha(...parts: unknown[]): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** `{ a: 1, b: 2 }` restricted to keys. */
export function pick(o: Props, keys: readonly string[]): Props {
    return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/**
 * Whether the new input asks for nothing the old state lacks. Blocks inside lists (a server's
 * `networks`) carry computed attributes the input leaves out (aliasIps, macAddress), which, as in
 * Terraform's Optional+Computed attributes, are no change; maps and scalars compare exactly.
 */
function covers(old: unknown, news: unknown, inList: boolean): boolean {
    if (Array.isArray(old) && Array.isArray(news)) return old.length === news.length && news.every((x, i) => covers(old[i], x, true));
    const object = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (inList && object(old) && object(news)) return Object.entries(news as Props).every(([k, v]) => v === undefined || covers((old as Props)[k], v, false));
    return same(old, news);
}

/**
 * Top-level input keys whose (plain) values differ between the old state and the new inputs. A key
 * in `computed` that the new inputs leave unset keeps the provider's value (Optional+Computed).
 */
export function changedKeys(olds: Props, news: Props, keys: readonly string[], computed: readonly string[] = []): string[] {
    return keys.filter((k) => {
        const n = plain(news[k]);
        if ((n === undefined || n === null) && computed.includes(k)) return false;
        return !covers(plain(olds[k]), n, false);
    });
}

/**
 * A read of an id the cloud does not hold. On refresh (old state given) the blank id tells the
 * engine the resource is gone (pulumi/pulumi pkg/resource/deploy/step.go RefreshStep.Apply). On
 * import there is no way to say so: @pulumi/pulumi's provider server always sends a properties
 * struct (server.js Server.read: `Struct.fromJavaScript(result.props)`, never nil), so the engine's
 * ImportStep `read.Outputs == nil` check cannot fire; the read fails with the engine's own words instead.
 */
export function gone(id: string, props: Props | undefined): { id: string; props: Props; inputs: Props } {
    if (!props || Object.keys(props).length === 0) throw new CloudError(`resource '${id}' does not exist`);
    return { id: "", props: {}, inputs: {} };
}

/** An error the engine shows as the provider's message (gRPC UNKNOWN with this text). */
export class CloudError extends Error {}
