// The offline runner speaks the engine's protocol: inputs to resource policies, state to stack
// policies, secrets unwrapped, unknowns behind the pack's proxy, options and provider filled in,
// schema defaults and the operator's configuration, notApplicable as a thrown sentinel.
// And the pack itself: index.ts only constructs it; every policy is named, described and levelled.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { PolicyPackConfig, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../offline/capture";
import { configPolicy, evaluate, NotApplicable, seconds } from "../offline/policies";
import { policies } from "../policy/all";
import { levelsOf, loweredPolicies } from "../policy/configGuard";
import { serverType } from "../policy/hetzner";
import { deployment, installCommand, K8S_PROVIDER, k8sProvider, reg, server, verdictOf } from "./policy-fixtures";

const root = join(__dirname, "..");

/** A resource policy that records the args it was given. */
function spy(seen: ResourceValidationArgs[]): ResourceValidationPolicy {
    return { name: "spy", description: "records its args", enforcementLevel: "advisory", validateResource: (args) => void seen.push(args) };
}

type Schema = { type?: string; items?: Schema };
/** Whether a value is of a JSON-schema type (the subset the pack's schemas use: array and its items, integer, number, boolean, string, object). */
function conforms(v: unknown, schema: Schema): boolean {
    switch (schema.type) {
        case "array":
            return Array.isArray(v) && (schema.items === undefined || v.every((x) => conforms(x, schema.items!)));
        case "integer":
            return Number.isInteger(v);
        case "number":
            return typeof v === "number";
        case "boolean":
        case "string":
            return typeof v === schema.type;
        case "object":
            return v !== null && typeof v === "object" && !Array.isArray(v);
        default:
            return false;
    }
}

describe("the offline runner", () => {
    it("hands resource policies the inputs with secrets unwrapped, the options and the provider", async () => {
        const seen: ResourceValidationArgs[] = [];
        const provider = k8sProvider();
        const d = deployment("api", undefined, {}, {
            provider: `${provider.urn}::${provider.id}`,
            parent: "urn:pulumi:prod::honeydue::honeydue:workloads:Workloads::honeydue",
            customTimeouts: { create: "10m", update: "", delete: "1h30m" },
            deleteBeforeReplace: true,
        });
        await evaluate([provider, d, installCommand("n1", "10.0.1.11")], { policies: [spy(seen)] });
        const args = seen.find((a) => a.name === "api")!;
        assert.equal(args.type, "kubernetes:apps/v1:Deployment");
        assert.equal(args.urn, d.urn);
        assert.equal(args.opts.parent, d.parent);
        assert.equal(args.opts.deleteBeforeReplace, true);
        assert.deepEqual(args.opts.customTimeouts, { createSeconds: 600, updateSeconds: 0, deleteSeconds: 5400 });
        assert.equal(args.provider?.type, K8S_PROVIDER);
        assert.equal(args.provider?.props.clusterIdentifier, "honeydue-prod");
        const cmd = seen.find((a) => a.name === "n1-k3s-install")!;
        assert.match(cmd.props.stdin, /^token: K10abc/);
        assert.equal(typeof cmd.props.connection.privateKey, "string");
    });

    it("hands stack policies the state (outputs) with parents and dependencies as resources", async () => {
        let seen: PolicyResource[] = [];
        const policy: StackValidationPolicy = { name: "spy", description: "records", validateStack: (args: StackValidationArgs) => void (seen = args.resources) };
        const s = server();
        const child = reg("cloudflare:index/dnsRecord:DnsRecord", "r", { content: "203.0.113.11" }, { dependencies: [s.urn], propertyDependencies: { content: [s.urn] }, parent: s.urn });
        await evaluate([s, child], { policies: [policy] });
        const [ps, pc] = seen;
        assert.equal(ps.props.ipv4Address, "203.0.113.11");
        assert.equal(pc.parent, ps);
        assert.deepEqual(pc.dependencies, [ps]);
        assert.deepEqual(pc.propertyDependencies.content, [ps]);
    });

    it("applies the schema's defaults and the operator's settings and enforcement level", async () => {
        let config: unknown;
        const policy: ResourceValidationPolicy = {
            name: "cfg",
            description: "reads config",
            enforcementLevel: "mandatory",
            configSchema: { properties: { a: { type: "string", default: "x" }, b: { type: "integer", default: 1 } } },
            validateResource: (args, report) => {
                config = args.getConfig();
                report("always");
            },
        };
        // A stack other than prod: there a config may lower a level (see "the pack's configuration" below).
        const r = await evaluate([server()], { policies: [policy], config: { cfg: { enforcementLevel: "advisory", b: 2 } }, stack: "dev" });
        assert.deepEqual(config, { a: "x", b: 2 });
        assert.equal(r.violations[0].enforcementLevel, "advisory");
        assert.equal(r.mandatory.length, 0);
        assert.equal((await evaluate([server()], { policies: [policy], config: { cfg: "disabled" }, stack: "dev" })).verdicts[0].status, "disabled");
        assert.equal((await evaluate([server()], { policies: [policy], config: { all: "disabled" }, stack: "dev" })).verdicts[0].status, "disabled");
    });

    it("makes notApplicable throw, so validateResourceOfType skips other types", async () => {
        let thrown: unknown;
        const policy: ResourceValidationPolicy = {
            name: "na",
            description: "calls notApplicable",
            validateResource: (args) => {
                try {
                    args.notApplicable("because");
                } catch (e) {
                    thrown = e;
                    throw e;
                }
            },
        };
        const v = (await evaluate([server()], { policies: [policy] })).verdicts[0];
        assert.ok(thrown instanceof NotApplicable);
        assert.equal(v.status, "not applicable");
        assert.deepEqual(v.reasons, ["because"]);
        assert.equal((await verdictOf(serverType, [k8sProvider()])).status, "not applicable");
    });

    it("turns a value unknown during preview into the engine's advisory 'can't run' note", async () => {
        const s = server();
        s.inputs.serverType = UNKNOWN;
        const v = await verdictOf(serverType, [s]);
        assert.equal(v.violations.length, 1);
        assert.equal(v.violations[0].enforcementLevel, "advisory");
        assert.match(v.violations[0].message, /^can't run policy 'hetzner-server-type' during preview: string value at \.serverType can't be known during preview/);
        assert.notEqual(v.status, "violated");
    });

    it("reads durations as the engine's seconds", () => {
        assert.equal(seconds("20m"), 1200);
        assert.equal(seconds("1h30m"), 5400);
        assert.equal(seconds(""), 0);
    });
});

const advisory = ["cloudflare-origin-strict"];

describe("the pack's configuration", () => {
    const always: ResourceValidationPolicy = { name: "always", description: "always violated", enforcementLevel: "mandatory", validateResource: (_a, report) => report("always") };
    const optional: ResourceValidationPolicy = { ...always, name: "optional", enforcementLevel: "advisory" };

    it("may not lower a mandatory policy in prod: it is refused, and the policy stays mandatory", async () => {
        for (const config of [{ always: "advisory" }, { always: "disabled" }, { always: { enforcementLevel: "disabled" } }, { all: "disabled" }] as PolicyPackConfig[]) {
            const r = await evaluate([server()], { policies: [always, optional], config });
            assert.deepEqual(
                r.verdicts.map((v) => [v.policy, v.status, v.enforcementLevel]),
                [["always", "violated", "mandatory"], ["optional", "advisory", "advisory"], [configPolicy, "violated", "mandatory"]],
                JSON.stringify(config),
            );
            assert.match(r.mandatory.at(-1)!.message, /^always is mandatory in the prod stack but the policy pack config sets it (advisory|disabled); remove that entry/);
        }
    });

    // Every policy of the pack names its level (below); one added without fails the plan all the same:
    // the pack's own level is mandatory, which index.ts hands the PolicyPack and the engine's server
    // gives a policy with none (@pulumi/policy 1.21.0 server.js makeAnalyzeRpcFun,
    // `p.enforcementLevel || policyPackEnforcementLevel`; the SDK's own default would be advisory).
    it("holds a policy that names no level to the pack's level, mandatory", async () => {
        const unlevelled: ResourceValidationPolicy = { ...always, name: "unlevelled", enforcementLevel: undefined };
        const r = await evaluate([server()], { policies: [unlevelled] });
        assert.deepEqual(r.verdicts.map((v) => [v.policy, v.status, v.enforcementLevel]), [["unlevelled", "violated", "mandatory"]]);
        assert.deepEqual(r.mandatory.map((v) => v.message), ["always"]);
    });

    // A stack named for production in another spelling is prod too: the guard must not hinge on case.
    it("counts Prod, PROD, production and prod-eu as prod", () => {
        for (const stack of ["Prod", "PROD", "production", "prod-eu", "org/honeydue/Prod"]) {
            assert.equal(loweredPolicies(policies, levelsOf({ all: "advisory" }), stack).length, policies.filter((p) => p.enforcementLevel === "mandatory").length, stack);
        }
        for (const stack of ["dev", "rehearsal", "preprod-test"]) assert.deepEqual(loweredPolicies(policies, levelsOf({ all: "advisory" }), stack), [], stack);
    });

    it("may raise a policy, change settings, and lower anything outside prod", async () => {
        const r = await evaluate([server()], { policies: [always, optional], config: { optional: "mandatory" } });
        assert.deepEqual(r.verdicts.map((v) => v.enforcementLevel), ["mandatory", "mandatory"]);
        assert.deepEqual(loweredPolicies(policies, { "hetzner-server-type": "disabled" }, "dev"), []);
        assert.deepEqual(loweredPolicies(policies, { "k8s-redis-password": "mandatory" }, "prod"), []);
        // A mandatory policy the configuration names as mandatory is not lowered by `all`.
        assert.equal(loweredPolicies(policies, levelsOf({ all: "advisory", "k8s-redis-password": "mandatory" }), "prod").length, policies.filter((p) => p.enforcementLevel === "mandatory").length - 1);
    });
});

describe("the pack", () => {
    it("index.ts only constructs the PolicyPack from ./all", () => {
        const index = readFileSync(join(root, "policy", "index.ts"), "utf8");
        assert.match(index, /import \{ packEnforcementLevel, packName, policies \} from "\.\/all"/);
        assert.equal(index.match(/new PolicyPack\(/g)?.length, 1);
        assert.doesNotMatch(index, /validateResource|validateStack|reportViolation|=>/);
    });

    it("names, describes and levels every policy; names are unique; every setting has a default and a description", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies) {
            assert.match(p.name, /^(hetzner|k3s|cloudflare|k8s|stack|secrets)-[a-z0-9-]+$/);
            assert.ok(p.description.length > 20, p.name);
            // Advisory only where the estate does not comply yet; each says how to make it mandatory.
            if (advisory.includes(p.name)) {
                assert.equal(p.enforcementLevel, "advisory", p.name);
                assert.ok(p.description.includes(`{"${p.name}":"mandatory"}`), p.name);
            } else assert.equal(p.enforcementLevel, "mandatory", p.name);
            for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
                assert.notEqual(s.default, undefined, `${p.name}.${k}`);
                // What the operator reads about a setting (the engine hands the schema to the CLI).
                assert.ok(typeof s.description === "string" && s.description.length > 10, `${p.name}.${k} is described`);
                // The engine checks the operator's --policy-pack-config against these types: each default must pass its own.
                assert.ok(conforms(s.default, s as Schema), `${p.name}.${k}: ${JSON.stringify(s.default)} is a valid ${s.type}`);
                // A count or a length is whole: the engine refuses minServers 2.5 before the pack runs.
                if (typeof s.default === "number") assert.equal(conforms(s.default + 0.5, s as Schema), false, `${p.name}.${k} takes whole numbers only`);
            }
        }
        assert.ok(policies.length >= 25);
    });

    it("publishes every setting the committed configurations use, with a value of its type", () => {
        for (const file of ["config.prod.json", "config.e2e.json"]) {
            const cfg = JSON.parse(readFileSync(join(root, "policy", file), "utf8")) as Record<string, Record<string, unknown> | string>;
            for (const [name, settings] of Object.entries(cfg)) {
                if (typeof settings !== "object") continue;
                const schema = policies.find((p) => p.name === name)?.configSchema?.properties ?? {};
                for (const [k, v] of Object.entries(settings)) {
                    if (k === "enforcementLevel") continue;
                    assert.ok(k in schema, `${file}: ${name}.${k} is in the policy's schema`);
                    assert.ok(conforms(v, schema[k] as Schema), `${file}: ${name}.${k}`);
                }
            }
        }
    });

    it("is a nodejs pack with a version, installed by the root workspace", () => {
        const yaml = parse(readFileSync(join(root, "policy", "PulumiPolicy.yaml"), "utf8")) as { runtime: string; description: string };
        assert.equal(yaml.runtime, "nodejs");
        assert.ok(yaml.description.length > 10);
        const pkg = JSON.parse(readFileSync(join(root, "policy", "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
        assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
        for (const v of Object.values(pkg.dependencies)) assert.match(v, /^\d+\.\d+\.\d+$/, "dependencies pinned exactly");
        const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] };
        assert.deepEqual(rootPkg.workspaces, ["policy"]);
    });

    it("runs in CI on every approved pull request: pulumi preview of prod with the protected branch's pack, read-only secrets from the CI's store", () => {
        const wf = parse(readFileSync(join(root, ".gitea", "workflows", "preview.yml"), "utf8")) as { on: Record<string, unknown>; jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }> };
        assert.ok("pull_request" in wf.on);
        const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
        const preview = steps.find((s) => s.run?.includes("pulumi preview"))!;
        assert.match(preview.run!, /pulumi preview --stack prod .*--policy-pack protected\/policy --policy-pack-config protected\/policy\/config\.prod\.json/);
        // tests/workflows.test.ts: the rule for pull-request code (approval, read-only credentials).
        const secrets = { PULUMI_CONFIG_PASSPHRASE: "PULUMI_CONFIG_PASSPHRASE", HCLOUD_TOKEN: "HCLOUD_READ_TOKEN", CLOUDFLARE_API_TOKEN: "CLOUDFLARE_READ_TOKEN" };
        for (const [key, secret] of Object.entries(secrets)) assert.equal(preview.env?.[key], `\${{ secrets.${secret} }}`);
        assert.ok(steps.some((s) => s.run?.startsWith("npm ci")));
        assert.ok(steps.some((s) => /pulumi login/.test(s.run ?? "")));
    });
});
