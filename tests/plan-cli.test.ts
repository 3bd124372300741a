// The plan tells the truth (issue 11, "The plan"): the build order counts provider links, exit codes
// mean one thing each, the header lists what is in effect, lines fit 120 columns, colour is
// honoured when asked, a run writes nothing, protect/deleteBeforeReplace and URNs are shown, and a
// secret key can be given a placeholder. One in-process plan run (mocks are process-global).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { wantsColour } from "../offline/colour";
import { b2KeysNote } from "../config/b2Keys";
import { failureText, runPlan } from "../offline/plan";
import { width, wrap } from "../offline/render";

const root = join(__dirname, "..");
const diagram = join(root, "docs", "estate.md");

/** Runs the plan in-process and collects what it prints. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { code, stdout, stderr } = await runPlan(argv);
    return { code, out: stdout, err: stderr };
}

describe("plan: usage errors exit 2 before anything runs", () => {
    it("an unknown flag", async () => {
        const r = await run("--sett", "serverType=cx43");
        assert.equal(r.code, 2);
        assert.match(r.err, /Unknown option '--sett'/);
        assert.match(r.err, /^usage: npm run plan/m);
    });
    it("a policy config file that does not exist", async () => {
        const r = await run("--policy-pack-config", join(tmpdir(), "no-such-policy-config.json"));
        assert.equal(r.code, 2);
        assert.match(r.err, /cannot read it \(ENOENT\)/);
    });
    it("a policy config file that is not JSON", async () => {
        const file = join(mkdtempSync(join(tmpdir(), "plan-")), "broken.json");
        writeFileSync(file, "{ nope");
        const r = await run("--policy-pack-config", file);
        assert.equal(r.code, 2);
        assert.match(r.err, /not valid JSON/);
    });
    it("a policy config with an unknown policy, level or setting, or a setting for a policy that has none", async () => {
        const file = join(mkdtempSync(join(tmpdir(), "plan-")), "typos.json");
        writeFileSync(file, JSON.stringify({ "hetzner-server-typ": {}, "k8s-probes": "advisorie", "k8s-image-registry": { allowedRegistry: ["docker.io"] }, "cloudflare-ssl-not-off": { enforcementLevel: "strict" }, "hetzner-server-placement-group": { spread: true } }));
        const r = await run("--policy-pack-config", file);
        assert.equal(r.code, 2);
        assert.match(r.err, /has 5 problem\(s\)/);
        assert.match(r.err, /hetzner-server-placement-group\.spread is not a setting of hetzner-server-placement-group; expected no settings \(only enforcementLevel\)/);
        assert.match(r.err, /hetzner-server-typ is not a policy of the pack \(did you mean hetzner-server-type\?\)/);
        assert.match(r.err, /k8s-probes: enforcement level "advisorie" is not one \(did you mean advisory\?\)/);
        assert.match(r.err, /k8s-image-registry\.allowedRegistry is not a setting of k8s-image-registry \(did you mean allowedRegistries\?\)/);
        assert.match(r.err, /cloudflare-ssl-not-off\.enforcementLevel: got "strict"/);
    });
    it("a --set without a value, a stray argument, and a secret value on the command line", async () => {
        assert.equal((await run("--set", "serverType")).code, 2);
        assert.equal((await run("plan")).code, 2);
        const r = await run("--secret", "honeydue:k3sToken=hunter2hunter2hunter2");
        assert.equal(r.code, 2);
        assert.ok(!r.err.includes("hunter2"), "the value is never repeated");
    });
});

describe("plan: a plan that breaks (exit 3)", () => {
    it("says what broke and where: the file and the line of the throw, as written", () => {
        const breaks = (): never => {
            throw new Error("the plan broke here");
        };
        let broke: unknown;
        try {
            breaks();
        } catch (e) {
            broke = e;
        }
        const line = readFileSync(__filename, "utf8").split("\n").findIndex((l) => l.includes('throw new Error("the plan broke here")')) + 1;
        const text = failureText(broke);
        assert.match(text, /^plan failed: the plan broke here\n {4}at /);
        assert.ok(text.includes(`${__filename}:${line}:`), `the throw's own line (${line}) is named:\n${text}`);
        assert.equal(failureText("not an Error"), "plan failed: not an Error\n");
    });
});

describe("plan: colour", () => {
    it("honours --color, FORCE_COLOR and NO_COLOR; piped output has none by default", () => {
        assert.equal(wantsColour(true, {}, false), true);
        assert.equal(wantsColour(false, { FORCE_COLOR: "1" }, true), false);
        assert.equal(wantsColour(undefined, { FORCE_COLOR: "1" }, false), true);
        assert.equal(wantsColour(undefined, { FORCE_COLOR: "0" }, true), false);
        assert.equal(wantsColour(undefined, { NO_COLOR: "1" }, true), false);
        assert.equal(wantsColour(undefined, { CI: "true" }, false), false);
        assert.equal(wantsColour(undefined, {}, true), true);
    });
});

describe("plan: wrapping", () => {
    it("breaks long lines at spaces, under the list they continue", () => {
        const line = `  wave 4: ${Array.from({ length: 30 }, (_, i) => `DnsRecord record-${i}`).join(", ")}`;
        const lines = wrap(line);
        assert.ok(lines.length > 1);
        for (const l of lines) assert.ok(l.length <= width, l);
        assert.ok(lines.slice(1).every((l) => l.startsWith(" ".repeat(10))));
        assert.equal(lines.join(" ").replace(/\s+/g, " ").trim(), line.trim());
    });
});

describe("plan: one full run", () => {
    let r: { code: number; out: string; err: string };
    let before_: { text: string; mtime: number };
    const policyFile = join(mkdtempSync(join(tmpdir(), "plan-")), "policy.json");
    before(async () => {
        writeFileSync(policyFile, JSON.stringify({ "hetzner-server-type": { allowedServerTypes: ["cx33", "cx43"] } }));
        before_ = { text: readFileSync(diagram, "utf8"), mtime: statSync(diagram).mtimeMs };
        r = await run("--no-color", "--set", "serverType=cx43", "--secret", "honeydue:k3sToken", "--urns", "--policy-pack-config", policyFile);
    });

    it("exits 0 when the policies (as configured) pass", () => assert.equal(r.code, 0, r.err));

    it("lists every --set, --secret and config file in effect in its header, and says it is a new estate", () => {
        const header = r.out.slice(0, r.out.indexOf("\nSummary"));
        assert.match(header, /--set serverType=cx43/);
        assert.match(header, /--secret honeydue:k3sToken \(placeholder\)/);
        assert.ok(header.includes(`policy config: ${policyFile}`));
        assert.match(header, /a NEW estate: no server has an adoption id/);
    });

    it("builds nothing Kubernetes before k3s: the provider waits for the kubeconfig, the namespace for the provider", () => {
        const waves = new Map<string, number>();
        for (const m of r.out.slice(r.out.indexOf("Build order")).matchAll(/wave (\d+): ([^]*?)(?=\n {2}wave |\n\n)/g)) {
            for (const item of m[2].replace(/\s+/g, " ").split(", ")) waves.set(item.trim(), Number(m[1]));
        }
        const at = (name: string) => waves.get(name) ?? assert.fail(`${name} is not in the build order`);
        assert.ok(at("kubernetes honeydue-k8s") > at("Command honeydue-kubeconfig"));
        assert.ok(at("Namespace honeydue") > at("kubernetes honeydue-k8s"));
        assert.ok(at("HelmChart honeydue-traefik") > at("Command ubuntu-8gb-nbg1-3-ready"));
    });

    it("fits every line in 120 columns", () => {
        for (const line of r.out.split("\n")) assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
    });

    it("shows protect and delete-before-replace, and URNs on request", () => {
        const server = /\+ hcloud Server +ubuntu-8gb-nbg1-2\n([^]*?)\n {2}[+=] /.exec(r.out)?.[1] ?? assert.fail("no server ubuntu-8gb-nbg1-2 in the plan");
        assert.match(server, /^ {8}urn urn:pulumi:prod::honeydue::honeydue:infra:Nodes\$hcloud:index\/server:Server::ubuntu-8gb-nbg1-2$/m);
        assert.match(server, /^ {8}options: protect, delete before replace$/m);
        const pvc = /PersistentVolumeClaim +honeydue-redis-data\n([^]*?)\n {2}[+=] /.exec(r.out)?.[1] ?? assert.fail("no Redis PVC in the plan");
        assert.match(pvc, /^ {8}options: protect$/m);
    });

    it("takes a placeholder for a secret key the stack does not set (a token rotation, offline)", () => {
        // With honeydue:k3sToken set, the cluster token is that secret: no RandomPassword is generated
        // for it (Redis's two passwords are: workloads/redisAcl.ts).
        assert.deepEqual([...new Set(r.out.match(/RandomPassword +[\w-]+/g)?.map((m) => m.split(/ +/)[1]))].sort(), ["honeydue-redis-apps", "honeydue-redis-backup"]);
        assert.ok(!r.out.includes("PLACEHOLDERk3sToken"), "the placeholder is a secret: never printed");
    });

    it("warns that Redis's data is on one node's disk", () => assert.match(r.out, /Redis's data \(the queue\) is on ubuntu-8gb-nbg1-2's own disk/));
    it("says which uses share the apps' B2 key", () => {
        assert.match(r.out, /B2 keys: the etcd snapshots and the Redis backups share the apps' key \(honeydue:b2KeyId\)/);
        assert.equal(b2KeysNote({ etcdB2KeyId: "x" }), "B2 keys: the Redis backups share the apps' key (honeydue:b2KeyId); each can have its own, restricted to its folder (README, Security, B2 keys)");
        assert.match(b2KeysNote({ etcdB2KeyId: "x", redisBackupB2KeyId: "y" }), /each have their own key/);
    });

    it("writes nothing: docs/estate.md is untouched", () => {
        assert.equal(readFileSync(diagram, "utf8"), before_.text);
        assert.equal(statSync(diagram).mtimeMs, before_.mtime);
        assert.doesNotMatch(r.out, /docs\/estate\.md \(the diagram/);
    });
});
