// The real CI preview (.gitea/workflows/preview.yml), read as YAML: shellcheck is installed before
// `npm test`, the stack file is checked before anything slow, and the runner's reach of the
// Kubernetes API is checked before `pulumi preview`. The checks themselves (offline/preflight.ts)
// run here too: against the committed Pulumi.prod.yaml, a ready one, and loopback sockets.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { apiInstruction, checkStack, reach, stackInstruction } from "../offline/preflight";

const root = join(__dirname, "..");
const read = (f: string) => readFileSync(join(root, f), "utf8");
type Step = { name?: string; run?: string; uses?: string; env?: Record<string, string> };
type Jobs = Record<string, { steps: Step[] }>;
const jobs = (parse(read(".gitea/workflows/preview.yml")) as { jobs: Jobs }).jobs;
/** The index of the first step of `job` that runs `pattern`. */
const at = (job: string, pattern: RegExp) => {
    const i = jobs[job].steps.findIndex((s) => pattern.test(s.run ?? ""));
    assert.ok(i >= 0, `a step of ${job} runs ${pattern}`);
    return i;
};

describe("the CI preview workflow", () => {
    it("installs shellcheck before npm test (which lints the node scripts with it), in the job without secrets", () => {
        const install = at("offline", /apt-get install -y -q shellcheck/);
        assert.ok(install < at("offline", /^\s*npm test$/m));
    });

    it("checks Pulumi.prod.yaml right after npm ci, before the tests and the Pulumi CLI", () => {
        const check = at("offline", /npx tsx offline\/preflight\.ts stack prod/);
        assert.equal(check, at("offline", /^npm ci/) + 1);
        assert.ok(check < at("offline", /npm run plan/));
        const again = at("preview", /npx tsx offline\/preflight\.ts stack prod/);
        assert.equal(again, at("preview", /^npm ci/) + 1);
        assert.ok(again < at("preview", /install-pulumi\.sh/));
    });

    it("checks the runner reaches the Kubernetes API after logging in and before pulumi preview", () => {
        const check = at("preview", /npx tsx offline\/preflight\.ts api "\$endpoint" 6443/);
        assert.match(jobs.preview.steps[check].run!, /pulumi stack output apiEndpoint --stack prod/);
        assert.ok(jobs.preview.steps[check].env?.PULUMI_CONFIG_PASSPHRASE, "can read the stack's outputs");
        assert.ok(at("preview", /pulumi login/) < check && check < at("preview", /pulumi preview --stack prod/));
    });
});

describe("the stack-file check", () => {
    const project = read("Pulumi.yaml");
    const secretKeys = ["honeydue:sshPrivateKey", "honeydue:registryPassword", "honeydue:databaseUrl", "honeydue:b2ApplicationKey", "honeydue:smtpPassword"];
    const plainKeys = ["honeydue:adminCidrs", "honeydue:sshPublicKey", "honeydue:b2KeyId", "honeydue:registryUsername", "honeydue:smtpUsername", "honeydue:k3sInstallerSha256", "honeydue:k3sBinarySha256"];

    it("finds what the committed Pulumi.prod.yaml lacks before the operator's first commit, and says what to commit", () => {
        const c = checkStack(project, read("Pulumi.prod.yaml"));
        assert.deepEqual([...c.missing].sort(), [...plainKeys, ...secretKeys].sort());
        assert.equal(c.salt, false);
        const message = stackInstruction("prod", c, secretKeys)!;
        assert.match(message, /Stack 'prod' is missing configuration values/);
        assert.match(message, /pulumi config set honeydue:adminCidrs '\["<your address>\/32", "<the CI runner's egress address>\/32"\]'/);
        assert.match(message, /pulumi config set --secret honeydue:databaseUrl < <file>/);
        assert.match(message, /pulumi config set honeydue:k3sBinarySha256 <sha256> \(docs\/runbook\/upgrade-k3s\.md, "Recording the download hashes"\)/);
        assert.match(message, /Missing: encryptionsalt/);
        assert.match(message, /commit Pulumi\.prod\.yaml: the plain values, the encrypted secrets and the `encryptionsalt:` line/);
    });

    it("passes a stack file with every value, secrets encrypted, and its salt; flags a secret in plain text", () => {
        const stack = parse(read("Pulumi.prod.yaml")) as { config: Record<string, unknown> };
        for (const k of plainKeys) stack.config[k] = k.endsWith("adminCidrs") ? ["203.0.113.7/32"] : "value";
        for (const k of secretKeys) stack.config[k] = { secure: "v1:AAAA" };
        const ready = stringify({ encryptionsalt: "v1:salt", ...stack });
        assert.equal(stackInstruction("prod", checkStack(project, ready), secretKeys), undefined);

        const leaked = stringify({ encryptionsalt: "v1:salt", config: { ...stack.config, "honeydue:databaseUrl": "postgres://plain" } });
        const c = checkStack(project, leaked);
        assert.deepEqual(c.plain, ["honeydue:databaseUrl"]);
        assert.match(stackInstruction("prod", c, secretKeys)!, /In plain text, but secret: honeydue:databaseUrl/);
    });
});

describe("the Kubernetes API check", () => {
    it("passes when the API port accepts a connection, and names the host, the port and adminCidrs when not", async () => {
        const server = createServer((s) => s.end());
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as AddressInfo).port;
        try {
            assert.equal(await reach("127.0.0.1", port, 2000), undefined);
        } finally {
            await new Promise((r) => server.close(r));
        }
        const reason = await reach("127.0.0.1", port, 2000);
        assert.equal(reason, "ECONNREFUSED");
        const message = apiInstruction("127.0.0.1", port, reason!);
        assert.match(message, new RegExp(`cannot reach the Kubernetes API at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
        assert.match(message, /Append this runner's egress address to honeydue:adminCidrs/);
    });
});
