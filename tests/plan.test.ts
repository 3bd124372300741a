// `npm run plan` as a newcomer runs it: offline, exit 0, the servers and firewall in the output;
// a bad configuration stops it with the one message and no stack trace. The real command runs
// once (its entry, exit code and piped output); every other case is the same plan in-process.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { runPlan } from "../offline/plan";
import { runEstate } from "../offline/run";

const run = promisify(execFile);
const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

/** The servers, their addresses and the firewall, as the plan of the stack as committed shows them. */
function assertCommittedPlan(stdout: string): void {
    for (const n of [1, 2, 3]) {
        assert.match(stdout, new RegExp(`Server\\s+ubuntu-8gb-nbg1-${n}\\n\\s+cx33 in nbg1, ubuntu-24\\.04, private 10\\.0\\.1\\.1${n}`));
    }
    assert.match(stdout, /in tcp 80 from Cloudflare \(22 ranges\)/);
    assert.match(stdout, /in tcp 22 from 198\.51\.100\.7\/32/);
    assert.match(stdout, /wave 1: .*Firewall honeydue-firewall/);
    assert.match(stdout, /wave 3: Server ubuntu-8gb-nbg1-1, Server ubuntu-8gb-nbg1-2, Server ubuntu-8gb-nbg1-3/);
    assert.match(stdout, /Host ubuntu-8gb-nbg1-2 hetzner1/);
}

describe("npm run plan", () => {
    it("prints the three CX33 servers, their addresses and the firewall, and exits 0", async () => {
        const { code, stdout } = await runPlan([]);
        assert.equal(code, 0);
        assertCommittedPlan(stdout);
    });

    it("as the real command: exits 0 with the same plan, and writes no colour codes when piped, even under CI", async () => {
        const { stdout, stderr } = await run(tsx, ["offline/plan.ts"], { cwd: root, env: { ...process.env, CI: "true", NO_COLOR: undefined } });
        assertCommittedPlan(stdout);
        assert.equal(stderr, "");
        assert.ok(!stdout.includes("\u001b["), "no ANSI escape in piped output");
    });

    it("never prints a placeholder secret", async () => {
        const { stdout } = await runPlan([]);
        assert.match(stdout, /Server\s+ubuntu-8gb-nbg1-1/);
        assert.ok(!/PLACEHOLDER-(db|smtp|registry|ssh|jwt|hcloud|cloudflare)/.test(stdout));
    });

    it("tries a change offline with --set; the policy pack stops a server type it does not allow (exit 1)", async () => {
        const { code, stdout } = await runPlan(["--set", "serverType=cx43"]);
        assert.equal(code, 1);
        assert.match(stdout, /cx43 in nbg1/);
        assert.match(stdout, /violated\s+hetzner-server-type \(mandatory, 3 violations\)\n\s+ubuntu-8gb-nbg1-1: server type cx43 is not allowed/);
        assert.match(stdout, /3 mandatory violations: `pulumi up` would stop here/);
    });

    it("prints each policy's verdict, and takes the policies' settings as --policy-pack-config does", async () => {
        const file = join(mkdtempSync(join(tmpdir(), "plan-")), "policy.json");
        writeFileSync(file, JSON.stringify({ "hetzner-server-type": { allowedServerTypes: ["cx33", "cx43"] } }));
        const { code, stdout } = await runPlan(["--set", "serverType=cx43", "--policy-pack-config", file]);
        assert.equal(code, 0);
        assert.match(stdout, /cx43 in nbg1/);
        assert.match(stdout, /Policies \(pack honeydue \d+\.\d+\.\d+: \d+ passed, 0 violated/);
        assert.match(stdout, /passed\s+hetzner-server-type\n/);
        assert.match(stdout, /passed\s+hetzner-firewall-cluster-ports-closed\n/);
        assert.match(stdout, /no mandatory violation/);
    });

    it("stops on a bad configuration with the key, the problem and what is expected, no stack trace", async () => {
        const four = JSON.stringify([1, 2, 3, 4].map((i) => ({ name: `ubuntu-8gb-nbg1-${i}`, privateIp: `10.0.1.${10 + i}` })));
        const { code, stdout, stderr } = await runPlan(["--set", `nodes=${four}`, "--set", "redis={\"node\":\"ubuntu-8gb-nbg1-1\"}"]);
        assert.equal(code, 2);
        assert.equal(stdout, "");
        assert.equal(
            stderr,
            "plan: the stack's configuration has 1 problem(s):\n  - honeydue:nodes: got 4 nodes; expected an odd number, at least 3 (etcd keeps quorum only with a majority)\n",
        );
    });

    it("stops on a malformed --set with the usage (exit 1)", async () => {
        const { code, stdout, stderr } = await runPlan(["--set", "serverType"]);
        assert.equal(code, 1);
        assert.equal(stdout, "");
        assert.match(stderr, /^plan failed: --set serverType: expected key=value\nusage: npm run plan/);
    });
});

describe("two runs", () => {
    it("capture byte-identical inputs (no churn between runs): a separate process and this one", async () => {
        // offline/dump.ts's format, from the run in this process.
        const here = async () => {
            const e = await runEstate();
            return `${JSON.stringify({ resources: e.resources, outputs: e.outputs }, null, 1)}\n`;
        };
        const [a, b] = await Promise.all([run(tsx, ["offline/dump.ts"], { cwd: root, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout), here()]);
        assert.ok(a.length > 1000);
        assert.equal(a, b);
    });
});
