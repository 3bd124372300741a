// The packaged plugins over gRPC, as the engine meets them: package.sh's tarball unpacked the way
// `pulumi plugin install --file` does, the launcher started, the port read from its first line of
// stdout, then the ResourceProvider service called with the engine's wire form (secrets,
// partial failures). Spawns processes, so it is not part of `npm test`:
//   node --import tsx --test rehearsal/providers/test/plugin.test.ts
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { secretSig, sigKey } from "../src/values";

const root = join(__dirname, "..", "..", "..");
const work = mkdtempSync(join(tmpdir(), "simclouds-plugin-"));
const state = join(work, "state");
const running: ChildProcess[] = [];

interface Plugin {
    name: string;
    version: string;
    file: string;
}

/** Unpacks a plugin as `pulumi plugin install --file` would and starts it; resolves to a client on its port. */
async function start(p: Plugin): Promise<any> {
    const dir = join(work, `resource-${p.name}-v${p.version}`);
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xzf", p.file, "-C", dir]);
    const child = spawn(join(dir, `pulumi-resource-${p.name}`), [], { env: { ...process.env, REHEARSAL_STATE: state }, stdio: ["ignore", "pipe", "inherit"] });
    running.push(child);
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            if (out.includes("\n")) resolve(out.split("\n")[0].trim());
        });
        child.on("exit", (code) => reject(new Error(`${p.name} exited with ${code} before printing its port`)));
    });
    assert.match(port, /^\d+$/, "the first line of stdout is the port");
    return new (provrpc.ResourceProviderClient as any)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

const call = <T>(client: any, method: string, req: unknown) =>
    new Promise<T>((resolve, reject) => client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

let plugins: Plugin[];
before(() => {
    mkdirSync(join(state, "hosts"), { recursive: true });
    writeFileSync(join(state, "hosts", "addresses.json"), JSON.stringify({ "node-1": "127.0.1.11" }));
    execFileSync("sh", [join(root, "rehearsal/providers/package.sh"), join(work, "out")], { stdio: ["ignore", "ignore", "inherit"] });
    plugins = JSON.parse(readFileSync(join(work, "out", "plugins.json"), "utf8"));
});
after(() => {
    for (const c of running) c.kill();
    rmSync(work, { recursive: true, force: true });
});

describe("packaged plugins", () => {
    it("package.sh lists the five providers at the versions the SDK packages ask for", () => {
        assert.deepEqual(
            plugins.map((p) => `${p.name}@${p.version}`),
            ["hcloud@1.41.0", "cloudflare@6.22.1", "kubernetes@4.34.2", "random@4.21.2", "tls@5.6.1"],
        );
    });

    it("kubernetes: version, configure, a secret kept secret, a failed Job as ErrorResourceInitFailed", async () => {
        const k8s = await start(plugins.find((p) => p.name === "kubernetes")!);
        const info = await call<any>(k8s, "getPluginInfo", new emptyproto.Empty());
        assert.equal(info.getVersion(), "4.34.2");
        const configured = await call<any>(k8s, "configure", new provproto.ConfigureRequest());
        assert.equal(configured.getAcceptsecrets(), true, "the SDK's server accepts secrets, so inputs arrive wrapped");

        const create = (type: string, name: string, props: Record<string, unknown>) => {
            const req = new provproto.CreateRequest();
            req.setUrn(`urn:pulumi:rehearsal::honeydue::${type}::${name}`);
            req.setProperties(structproto.Struct.fromJavaScript(props as any));
            return call<any>(k8s, "create", req);
        };
        await create("kubernetes:core/v1:Namespace", "ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "honeydue" } });
        const made = await create("kubernetes:core/v1:Secret", "s", {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "registry", namespace: "honeydue" },
            stringData: { [sigKey]: secretSig, value: { ".dockerconfigjson": "{}" } },
        });
        assert.equal(made.getId(), "honeydue/registry");
        assert.equal(made.getProperties().toJavaScript().stringData[sigKey], secretSig);

        mkdirSync(join(state, "clouds"), { recursive: true });
        const cluster = JSON.parse(readFileSync(join(state, "clouds", "kubernetes.json"), "utf8"));
        cluster.jobOutcomes = { "migrate:bad": { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" } };
        writeFileSync(join(state, "clouds", "kubernetes.json"), JSON.stringify(cluster));
        const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate-bad", namespace: "honeydue" }, spec: { template: { spec: { containers: [{ name: "m", image: "migrate:bad" }] } } } };
        const err = await create("kubernetes:batch/v1:Job", "migrate", job).then(
            () => assert.fail("the Job should fail"),
            (e: grpc.ServiceError) => e,
        );
        assert.match(err.details, /Resource 'migrate-bad' was created but failed to initialize/);
        const status = statusproto.Status.deserializeBinary(err.metadata.get("grpc-status-details-bin")[0] as Buffer);
        const detail = provproto.ErrorResourceInitFailed.deserializeBinary(status.getDetailsList()[0].getValue_asU8());
        assert.equal(detail.getId(), "honeydue/migrate-bad");
        assert.deepEqual(detail.getReasonsList(), ["[BackoffLimitExceeded] Job has reached the specified backoff limit"]);
    });

    it("hcloud: a delete refused by protection reaches the engine as the API's message", async () => {
        const hcloud = await start(plugins.find((p) => p.name === "hcloud")!);
        mkdirSync(join(state, "clouds"), { recursive: true });
        writeFileSync(join(state, "clouds", "hcloud.json"), JSON.stringify({ nextId: 7, tables: { servers: { "42": { name: "node-1", deleteProtection: true } } } }));
        const req = new provproto.DeleteRequest();
        req.setId("42");
        req.setUrn("urn:pulumi:rehearsal::honeydue::hcloud:index/server:Server::node-1");
        req.setProperties(structproto.Struct.fromJavaScript({}));
        await assert.rejects(call(hcloud, "delete", req), /server 42 is delete protected.*\(protected\)/);
    });
});
