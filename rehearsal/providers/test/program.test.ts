// The estate program's own resources through the simulated providers: runs the program under the
// offline mocks (offline/run.ts), then creates every hcloud, cloudflare, kubernetes, random and tls
// resource it registered in build order (offline/graph.ts waves), as Check + Create, with the mock
// ids swapped for the simulated clouds' ids. Shows that the simulation implements every type the
// program uses and that a second run changes nothing (Check + Diff on the same inputs). Loads the
// program, so it is not part of `npm test`:
//   node --import tsx --test rehearsal/providers/test/program.test.ts
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type * as sdk from "@pulumi/pulumi/provider";
import { waves } from "../../../offline/graph";
import { mockZoneId } from "../../../offline/mocks-edge";
import { runEstate, type Estate } from "../../../offline/run";
import { provider as cloudflare, zoneIdOf } from "../src/cloudflare";
import { provider as hcloud } from "../src/hcloud";
import { provider as kubernetes } from "../src/kubernetes";
import { provider as random } from "../src/random";
import { provider as tls } from "../src/tls";
import { secretSig, sigKey } from "../src/values";

const providers: Record<string, sdk.Provider> = { hcloud, cloudflare, kubernetes, random, tls };
const state = mkdtempSync(join(tmpdir(), "simclouds-program-"));
const cloud = (name: string) => JSON.parse(readFileSync(join(state, "clouds", `${name}.json`), "utf8"));

/** offline/capture.ts shows secrets as { secret }; the engine sends the signature wrapper. */
function wire(v: unknown, ids: Map<string, string>): unknown {
    if (Array.isArray(v)) return v.map((x) => wire(x, ids));
    if (typeof v === "object" && v !== null) {
        const o = v as Record<string, unknown>;
        if (Object.keys(o).length === 1 && "secret" in o) return { [sigKey]: secretSig, value: wire(o.secret, ids) };
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, wire(x, ids)]));
    }
    if (typeof v === "string" && ids.has(v)) return ids.get(v);
    if (typeof v === "number" && ids.has(String(v))) return Number(ids.get(String(v)));
    return v;
}

interface Made {
    urn: string;
    provider: sdk.Provider;
    id: string;
    inputs: Record<string, unknown>;
    outs: Record<string, unknown>;
    news: Record<string, unknown>;
}

let estate: Estate;
const made: Made[] = [];

before(async () => {
    process.env.REHEARSAL_STATE = state;
    estate = await runEstate({ preview: false });
    const servers = estate.resources.filter((r) => r.type === "hcloud:index/server:Server").map((r) => String(r.inputs.name));
    mkdirSync(join(state, "hosts"), { recursive: true });
    writeFileSync(join(state, "hosts", "addresses.json"), JSON.stringify(Object.fromEntries(servers.map((n, i) => [n, `127.0.1.${11 + i}`]))));
});
after(() => rmSync(state, { recursive: true, force: true }));

describe("the estate program on the simulated providers", () => {
    it("creates every resource it registers, in build order", async () => {
        const ids = new Map<string, string>([[mockZoneId("myhoneydue.com"), zoneIdOf("myhoneydue.com")]]);
        const ours = (type: string) => !type.startsWith("pulumi:") && providers[type.split(":")[0]] !== undefined;
        for (const wave of waves(estate.resources)) {
            for (const r of wave.filter((x) => ours(x.type))) {
                const provider = providers[r.type.split(":")[0]];
                const news = wire(r.inputs, ids) as Record<string, unknown>;
                const { inputs, failures } = await provider.check!(r.urn, {}, news);
                assert.deepEqual(failures ?? [], [], r.urn);
                const result = await provider.create!(r.urn, inputs).catch((e: Error) => assert.fail(`${r.urn}: ${e.message}`));
                ids.set(r.id, result.id);
                // Outputs later inputs were computed from (a server's addresses in its DNS records).
                for (const k of ["ipv4Address", "ipv6Address"]) if (typeof r.state[k] === "string") ids.set(String(r.state[k]), String(result.outs[k]));
                made.push({ urn: r.urn, provider, id: result.id, inputs, outs: result.outs, news });
            }
        }
        const types = new Set(made.map((m) => m.urn.split("::")[2].split("$").pop()));
        for (const t of ["hcloud:index/server:Server", "cloudflare:index/dnsRecord:DnsRecord", "kubernetes:batch/v1:Job", "random:index/randomPassword:RandomPassword", "tls:index/privateKey:PrivateKey"]) {
            assert.ok(types.has(t), t);
        }
        const servers = Object.values(cloud("hcloud").tables.servers) as { ipv4Address: string }[];
        assert.deepEqual(servers.map((s) => s.ipv4Address).sort(), ["127.0.1.11", "127.0.1.12", "127.0.1.13"]);
        const records = Object.values(cloud("cloudflare").tables.dnsRecords) as { content: string }[];
        assert.ok(records.some((r) => r.content === "127.0.1.13"), "a DNS record points at node 3's host");
    });

    it("a second run changes nothing", async () => {
        const changed: string[] = [];
        for (const m of made) {
            const { inputs } = await m.provider.check!(m.urn, m.inputs, m.news);
            const diff = await m.provider.diff!(m.id, m.urn, m.outs, inputs);
            if (diff.changes) changed.push(`${m.urn.split("::").pop()}: ${JSON.stringify(diff.replaces)}`);
        }
        assert.deepEqual(changed, []);
    });
});
