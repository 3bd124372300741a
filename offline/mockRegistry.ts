// The tables of offline answers, kept apart from the Mocks object so each layer's file can add
// its own (`offline/mocks-<layer>.ts`) without an import-order trap.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export type MockState = Record<string, unknown>;

export const resourceState: Record<string, (a: pulumi.runtime.MockResourceArgs) => MockState> = {};
export const calls: Record<string, (inputs: Record<string, unknown>) => MockState> = {};

/** What a resource type answers beyond its inputs (ids, addresses, computed fields). */
export function addResourceState(type: string, fn: (a: pulumi.runtime.MockResourceArgs) => MockState): void {
    resourceState[type] = fn;
}

/** What a data source (invoke) answers. */
export function addCall(token: string, fn: (inputs: Record<string, unknown>) => MockState): void {
    calls[token] = fn;
}

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

/** Deterministic hex derived from a name: mock ids and suffixes stay identical run after run. */
export const mockHash = (s: string) => createHash("sha256").update(s).digest("hex");
