// What the cloud would answer, offline: ids, addresses and data-source results for each type the
// estate uses. Values are deterministic (derived from names and inputs), so two runs are identical.
import * as pulumi from "@pulumi/pulumi";
import cloudflareRanges from "../policy/cloudflare-ip-ranges.json";
import { createHash } from "node:crypto";
import { privateKeyOutputs } from "../rehearsal/providers/src/tls";
import { addCall, addResourceState, calls, mockHash, resourceState, type MockState } from "./mockRegistry";
// Each layer adds its own answers.
import "./mocks-edge";
import "./mocks-k3s";
import "./mocks-workloads";

type Args = pulumi.runtime.MockResourceArgs;

/** hcloud ids are numbers in the SDK; a non-numeric mock id would be tested as NaN. */
const numericId = (a: Args) => String(parseInt(mockHash(`${a.type}/${a.name}`).slice(0, 7), 16));

/** Public addresses from the documentation ranges, keyed by the node's private host number. */
function serverState(a: Args): MockState {
    const ip = String((a.inputs.networks?.[0] as { ip?: string } | undefined)?.ip ?? "10.0.1.99");
    const host = Number(ip.split(".")[3]);
    return {
        ipv4Address: `203.0.113.${host}`,
        ipv6Address: `2001:db8:0:${host.toString(16)}::1`,
        ipv6Network: `2001:db8:0:${host.toString(16)}::/64`,
        status: "running",
    };
}

addResourceState("hcloud:index/server:Server", serverState);
// A real key pair, the same on every run (an ed25519 key from a seed derived from the resource's
// name), in the tls provider's formats: the rehearsal's simulation makes it.
addResourceState("tls:index/privateKey:PrivateKey", (a) => {
    const outs = privateKeyOutputs({ rsaBits: 2048, ecdsaCurve: "P224", ...a.inputs }, createHash("sha256").update(`tls/${a.name}`).digest());
    delete outs.id;
    return outs;
});
addCall("cloudflare:index/getIpRanges:getIpRanges", () => cloudflareRanges);

export const mocks: pulumi.runtime.Mocks = {
    newResource(a: Args) {
        // An imported resource keeps the id it has (Cloudflare's import id is "<zone id>/<id>").
        const imported = a.id ? (a.type.startsWith("cloudflare:") ? a.id.split("/").pop() : a.id) : undefined;
        const id = imported ?? (a.type.startsWith("hcloud:") ? numericId(a) : `${a.name}-id`);
        return { id, state: { ...a.inputs, ...(resourceState[a.type]?.(a) ?? {}) } };
    },
    call(c: pulumi.runtime.MockCallArgs) {
        const fn = calls[c.token];
        if (!fn) throw new Error(`offline: no mock answer for ${c.token}; add one in offline/mocks.ts`);
        return fn(c.inputs);
    },
};
