// What the cloud would answer, offline: ids, addresses and data-source results for each type the
// estate uses. Values are deterministic (derived from names and inputs), so two runs are identical.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import cloudflareRanges from "./fixtures/cloudflare-ip-ranges.json";

type Args = pulumi.runtime.MockResourceArgs;
type State = Record<string, unknown>;

const hash = (s: string) => createHash("sha256").update(s).digest("hex");
/** hcloud ids are numbers in the SDK; a non-numeric mock id would be tested as NaN. */
const numericId = (a: Args) => String(parseInt(hash(`${a.type}/${a.name}`).slice(0, 7), 16));

/** Unwraps the runtime's secret envelopes in mock inputs. */
export function plain(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return plain(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
    }
    return v;
}

/** Public addresses from the documentation ranges, keyed by the node's private host number. */
function serverState(a: Args): State {
    const ip = String((a.inputs.networks?.[0] as { ip?: string } | undefined)?.ip ?? "10.0.1.99");
    const host = Number(ip.split(".")[3]);
    return {
        ipv4Address: `203.0.113.${host}`,
        ipv6Address: `2001:db8:0:${host.toString(16)}::1`,
        ipv6Network: `2001:db8:0:${host.toString(16)}::/64`,
        status: "running",
    };
}

const resourceState: Record<string, (a: Args) => State> = {
    "hcloud:index/server:Server": serverState,
};

const calls: Record<string, (inputs: Record<string, unknown>) => State> = {
    "cloudflare:index/getIpRanges:getIpRanges": () => cloudflareRanges,
};

/** Lets a layer add what its own types answer (kept beside the layer's offline code). */
export function addResourceState(type: string, fn: (a: Args) => State): void {
    resourceState[type] = fn;
}
export function addCall(token: string, fn: (inputs: Record<string, unknown>) => State): void {
    calls[token] = fn;
}

export const mocks: pulumi.runtime.Mocks = {
    newResource(a: Args) {
        const id = a.type.startsWith("hcloud:") ? numericId(a) : `${a.name}-id`;
        return { id, state: { ...a.inputs, ...(resourceState[a.type]?.(a) ?? {}) } };
    },
    call(c: pulumi.runtime.MockCallArgs) {
        const fn = calls[c.token];
        if (!fn) throw new Error(`offline: no mock answer for ${c.token}; add one in offline/mocks.ts`);
        return fn(c.inputs);
    },
};
import "./mocks-k3s";
