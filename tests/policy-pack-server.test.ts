// The pack as the engine runs it: policy/index.ts in its own process (cwd policy/, stack and config
// in the environment as the language host sets them), spoken to over the Analyzer gRPC protocol on
// loopback. Checks what only the real process does: the Configure guard refuses a config that lowers
// a mandatory policy in prod, and secret-ness reaches the policies through the wire's secret envelopes.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { policies } from "../policy/all";
import { assertGuarded, guardConfigure } from "../policy/serve";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as engine from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";

const root = join(__dirname, "..");
const password = "PLACEHOLDER-registry-password";
let pack: ChildProcess;
// Under Stryker's dry run (the tap runner sets STRYKER_DRY_RUN), where the pack's process reports the
// mutants it ran: code only that process runs (policy/index.ts) is then counted as covered by this
// file, so its mutants are tried here rather than reported NoCoverage (tests/support/mutant-coverage.js).
const mutantCoverage = process.env.STRYKER_DRY_RUN === "true" ? join(tmpdir(), `honeydue-pack-coverage-${process.pid}.json`) : undefined;
let client: rpc.AnalyzerClient;

// With a deadline: a handler that never answers fails its test instead of hanging it.
const call = <Req, Res>(method: (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req, on: grpc.Client = client) =>
    new Promise<Res>((resolve, reject) => method.call(on, req, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))));

function configure(levels: Record<string, proto.EnforcementLevel>, on: rpc.AnalyzerClient = client) {
    const req = new proto.ConfigureAnalyzerRequest();
    for (const [name, level] of Object.entries(levels)) {
        const cfg = new proto.PolicyConfig();
        cfg.setEnforcementlevel(level);
        cfg.setProperties(Struct.fromJavaScript({}));
        req.getPolicyconfigMap().set(name, cfg);
    }
    return call(on.configure, req, on);
}

const secret = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });

async function analyze(type: string, name: string, props: Record<string, unknown>) {
    const req = new proto.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:prod::honeydue::${type}::${name}`);
    req.setProperties(Struct.fromJavaScript(props as never));
    req.setOptions(new proto.AnalyzerResourceOptions());
    const res = await call<proto.AnalyzeRequest, proto.AnalyzeResponse>(client.analyze, req);
    return res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`);
}

describe("the pack's own process", () => {
    // Started when this file's tests start, not by a file-level hook: mutation testing runs the policy
    // unit tests in one process (mutation/layers.mjs), where a file-level hook runs before the first
    // test of every file, so each mutant would start a pack before the quick files could kill it.
    before(async () => {
        // TypeScript through the tests' loader (sucrase): it starts the pack in half tsx's CPU time.
        // The pack ends when its stdin does, that is when this process goes however it goes: the
        // mutation runner kills a test process at its first failing test (SIGTERM, and Stryker's tap
        // hook exits at once: @stryker-mutator/tap-runner dist/src/setup/hook.cjs), so no `after` runs,
        // and a pack left serving would be one more stray process per killed mutant.
        const coverage = mutantCoverage ? ["--require", join(root, "tests", "support", "mutant-coverage.js")] : [];
        pack = spawn(process.execPath, ["--require", join(root, "tests", "support", "register.js"), ...coverage, "-e", 'process.stdin.on("end", () => process.exit(0)).resume(); require("./index.ts")'], {
            cwd: join(root, "policy"),
            env: { ...process.env, PULUMI_NODEJS_STACK: "prod", PULUMI_CONFIG: JSON.stringify({ "honeydue:registryPassword": password }), ...(mutantCoverage && { HONEYDUE_MUTANT_COVERAGE: mutantCoverage }) },
            stdio: ["pipe", "pipe", "inherit"],
        });
        const port = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("the policy pack printed no port within 30 s (see its stderr above)")), 30_000);
            pack.stdout!.once("data", (d: Buffer) => (clearTimeout(timer), resolve(d.toString().trim())));
            pack.once("exit", (code) => reject(new Error(`the policy pack exited with ${code} before serving`)));
        });
        client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
        // The pack's coverage, written when it ended (the last test ends it), counted as this process's.
        if (mutantCoverage && existsSync(mutantCoverage)) {
            const ns = ((globalThis as Record<string, any>)[process.env.STRYKER_NAMESPACE ?? "__stryker__"] ??= {});
            const counts = (ns.mutantCoverage ??= { static: {}, perTest: {} }).static as Record<string, number>;
            for (const [id, n] of Object.entries(JSON.parse(readFileSync(mutantCoverage, "utf8")) as Record<string, number>)) counts[id] = (counts[id] ?? 0) + n;
            rmSync(mutantCoverage);
        }
    });

    it("refuses a configuration that disables a mandatory policy in prod, and takes one that raises an advisory one", async () => {
        await assert.rejects(configure({ "k3s-command-no-inline-secret": proto.EnforcementLevel.DISABLED }), (e: grpc.ServiceError) => {
            assert.equal(e.code, grpc.status.FAILED_PRECONDITION);
            assert.match(e.details, /refuses its configuration: k3s-command-no-inline-secret is mandatory in the prod stack but the policy pack config sets it disabled/);
            return true;
        });
        await configure({ "k8s-redis-password": proto.EnforcementLevel.MANDATORY, "k3s-command-no-inline-secret": proto.EnforcementLevel.MANDATORY });
    });

    it("sees a secret trigger as secret and a plain one as plain", async () => {
        const token = "K10" + "0123456789abcdef0123456789abcdef::server:abc";
        const plain = await analyze("command:remote:Command", "join", { create: "cat /var/lib/rancher/k3s/server/token", triggers: [token] });
        assert.ok(plain.some((d) => d.startsWith("k3s-command-no-inline-secret:") && d.includes("trigger 0 of the command is a plain value")), plain.join("\n"));
        const wrapped = await analyze("command:remote:Command", "join", { create: "cat /var/lib/rancher/k3s/server/token", triggers: [secret(token)] });
        assert.deepEqual(wrapped.filter((d) => d.startsWith("k3s-command-no-inline-secret:")), []);
    });

    it("finds a configured secret (from PULUMI_CONFIG) in a plain input, and not in a secret one", async () => {
        const cm = (data: unknown) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "honeydue" }, data });
        const leak = await analyze("kubernetes:core/v1:ConfigMap", "settings", cm({ NOTE: `pw=${password}` }));
        assert.ok(leak.some((d) => d.startsWith("secrets-inputs-stay-secret:") && d.includes("data.NOTE holds honeydue:registryPassword in plain text")), leak.join("\n"));
        const kept = await analyze("kubernetes:core/v1:ConfigMap", "settings", cm(secret({ NOTE: `pw=${password}` })));
        assert.deepEqual(kept.filter((d) => d.startsWith("secrets-inputs-stay-secret:")), []);
    });

    // What the engine learns of the pack before it runs it: the CLI shows the pack by name and version,
    // publishes its description, checks --policy-pack-config against each policy's schema and level
    // (@pulumi/policy 1.21.0 protoutil.js makeAnalyzerInfo builds the answer from PolicyPack's args).
    it("tells the engine its name, version and description, and every policy with its level, description and settings", async () => {
        const info = await call<Empty, proto.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
        assert.equal(info.getName(), "honeydue");
        const pkg = JSON.parse(readFileSync(join(root, "policy", "package.json"), "utf8")) as { version: string };
        assert.equal(info.getVersion(), pkg.version);
        assert.equal(info.getSupportsconfig(), true);
        assert.match(info.getDescription(), /^Keeps the honeyDue estate to its conventions: Hetzner, k3s bootstrap, Cloudflare edge, Kubernetes workloads, whole stack\.$/);
        const levelOf = new Map(Object.entries(proto.EnforcementLevel).map(([k, v]) => [v, k.toLowerCase()]));
        const served = info.getPoliciesList().map((p) => ({
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: levelOf.get(p.getEnforcementlevel()),
            settings: p.getConfigschema()?.getProperties()?.toJavaScript() ?? {},
        }));
        assert.deepEqual(
            served,
            policies.map((p) => ({ name: p.name, description: p.description, enforcementLevel: p.enforcementLevel, settings: p.configSchema?.properties ?? {} })),
        );
    });

    it("ends when the process that started it goes: a test run killed midway leaves no pack serving", { timeout: 10_000 }, async () => {
        const exited = new Promise((resolve) => pack.once("exit", (code, signal) => resolve({ code, signal })));
        // What the pack sees when this process dies: its end of the pipe closes.
        pack.stdin!.end();
        assert.deepEqual(await exited, { code: 0, signal: null });
    });

    // If a later @pulumi/policy registered Configure some other way, the guard would be silently off
    // and a config lowering every policy would pass: the pack must refuse to start instead. In this
    // process (a second pack process would cost seconds): guardConfigure wraps the addService of the
    // @grpc/grpc-js that @pulumi/policy's server.js uses, the same module this file imports.
    it("refuses to serve the Analyzer without a configure handler it can wrap, and says so until one is wrapped", () => {
        assert.throws(() => assertGuarded(), /Configure handler was never wrapped; update policy\/serve\.ts/);
        guardConfigure(policies);
        const server = new grpc.Server();
        const noop = () => undefined;
        assert.throws(() => server.addService(rpc.AnalyzerService, { analyze: noop, configureRenamed: noop } as never), /registers the Analyzer without a configure handler the pack can guard; update policy\/serve\.ts/);
        assert.throws(() => assertGuarded(), /never wrapped/);
        server.addService(rpc.AnalyzerService, { analyze: noop, configure: noop } as never);
        assertGuarded();
        // Only the Analyzer's registration is checked: a service without a configure method registers as before.
        server.addService(engine.EngineService, { log: noop } as never);
        server.forceShutdown();
    });

    // The guard in this process, on a server of its own (after the test above: it must see the guard off first).
    // The engine names the stack in the pack's environment; the guard holds prod however it is written,
    // and a stack it cannot name counts as prod.
    it("guards the stack its environment names (bare or org/project/stack, either variable), and an unnamed stack as prod", async () => {
        guardConfigure(policies);
        const server = new grpc.Server();
        server.addService(rpc.AnalyzerService, { configure: (_c: unknown, cb: (e: null, r: Empty) => void) => cb(null, new Empty()) } as never);
        const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
        const local = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const saved = { PULUMI_NODEJS_STACK: process.env.PULUMI_NODEJS_STACK, PULUMI_STACK: process.env.PULUMI_STACK };
        const lowering = { "k3s-command-no-inline-secret": proto.EnforcementLevel.DISABLED, "k8s-redis-password": proto.EnforcementLevel.ADVISORY };
        const answer = async (env: Record<string, string>) => {
            delete process.env.PULUMI_NODEJS_STACK;
            delete process.env.PULUMI_STACK;
            Object.assign(process.env, env);
            try {
                await configure(lowering, local);
                return "taken";
            } catch (e) {
                assert.equal((e as grpc.ServiceError).code, grpc.status.FAILED_PRECONDITION, (e as Error).message);
                return (e as grpc.ServiceError).details;
            }
        };
        const refusal = (stack: string) =>
            `the honeydue policy pack refuses its configuration: ${["k3s-command-no-inline-secret is mandatory", "k8s-redis-password is mandatory"]
                .map((p, i) => `${p} in the ${stack} stack but the policy pack config sets it ${["disabled", "advisory"][i]}; remove that entry from the --policy-pack-config file (settings may change, the level may not go down)`)
                .join("; ")}`;
        try {
            for (const [env, expected] of [
                [{ PULUMI_NODEJS_STACK: "prod" }, refusal("prod")],
                [{ PULUMI_NODEJS_STACK: "acme/honeydue/production" }, refusal("production")],
                [{ PULUMI_STACK: "prod" }, refusal("prod")],
                [{}, refusal("prod")],
                [{ PULUMI_NODEJS_STACK: "dev" }, "taken"],
                [{ PULUMI_NODEJS_STACK: "acme/honeydue/dev" }, "taken"],
                [{ PULUMI_STACK: "rehearsal" }, "taken"],
            ] as [Record<string, string>, string][]) {
                assert.equal(await answer(env), expected, JSON.stringify(env));
            }
        } finally {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
            local.close();
            server.forceShutdown();
        }
    });

    // What serve.ts reads of @pulumi/policy's internals, changed as a later SDK might: the pack must stop
    // at once and say what to update, rather than serve with the guard half on (or crash on its first Configure).
    it("refuses to start on an @pulumi/policy whose gRPC server or level conversion has changed, and says what to update", () => {
        const fromPolicy = createRequire(require.resolve("@pulumi/policy/server"));
        const grpcOfPolicy = fromPolicy("@grpc/grpc-js") as typeof grpc;
        const protoutil = fromPolicy("./protoutil") as Record<string, unknown>;
        const serverExport = Object.getOwnPropertyDescriptor(grpcOfPolicy, "Server")!;
        const addService = grpcOfPolicy.Server.prototype.addService;
        const convert = protoutil.convertEnforcementLevel;
        const changes: [string, () => void][] = [
            ["no Server", () => Object.defineProperty(grpcOfPolicy, "Server", { ...serverExport, get: () => undefined })],
            ["a Server that is no class", () => Object.defineProperty(grpcOfPolicy, "Server", { ...serverExport, get: () => ({}) })],
            ["a Server without addService", () => ((grpcOfPolicy.Server.prototype as { addService?: unknown }).addService = undefined)],
            ["no convertEnforcementLevel", () => delete protoutil.convertEnforcementLevel],
        ];
        for (const [what, change] of changes) {
            change();
            try {
                assert.throws(
                    () => guardConfigure(policies),
                    { message: "honeydue policy pack: @pulumi/policy's gRPC server has changed; update policy/serve.ts for the new SDK (the pack refuses to start rather than serve without its configuration guard)" },
                    what,
                );
            } finally {
                Object.defineProperty(grpcOfPolicy, "Server", serverExport);
                grpcOfPolicy.Server.prototype.addService = addService;
                protoutil.convertEnforcementLevel = convert;
            }
        }
    });
});
