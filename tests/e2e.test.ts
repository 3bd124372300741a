// The end-to-end run (e2e/), offline: the checked-in Pulumi.e2e.yaml plans clean with its policy
// config and shares nothing with prod; the environment it needs is derived from the configuration
// contract, and the workflow passes all of it; the kubeconfig check's reading of `kubectl get
// nodes`; kubectl's installer in a sandbox. The control flow itself (a failure midway still
// destroys everything) runs on the real engine: rehearsal/scenarios/endToEnd.ts.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { configure, envName, forget, missing, needed, stackFileProblem, stackNameProblem } from "../e2e/configure";
import { nodeProblems } from "../e2e/nodes";
import { changesOf, endToEnd, renderReport } from "../e2e/steps";
import { runPlan } from "../offline/plan";
import { placeholderPlain, placeholderSecrets } from "../offline/stack";

const root = join(__dirname, "..");
const stackFile = (name: string) => (parse(readFileSync(join(root, `Pulumi.${name}.yaml`), "utf8")) as { config: Record<string, any> }).config;
const e2e = stackFile("e2e");
const prod = stackFile("prod");

describe("Pulumi.e2e.yaml", () => {
    it("plans clean with policy/config.e2e.json: no configuration error, no mandatory violation", async () => {
        const r = await runPlan(["--stack", "e2e", "--policy-pack-config", "policy/config.e2e.json"]);
        assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
        assert.match(r.stdout, /offline plan of `pulumi up` for stack e2e/);
        assert.match(r.stdout, /configuration: Pulumi\.e2e\.yaml/);
        assert.match(r.stdout, /honeydue-e2e-1/);
        assert.doesNotMatch(r.stdout, /ubuntu-8gb-nbg1/);
    });

    it("without its policy config, the pack stops it (its small servers are not prod's type)", async () => {
        const r = await runPlan(["--stack", "e2e"]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /server type cx23 is not allowed/);
    });

    it("an unknown stack is a usage error naming the missing file", async () => {
        const r = await runPlan(["--stack", "nope"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--stack nope: there is no Pulumi\.nope\.yaml beside Pulumi\.yaml/);
    });

    it("shares nothing with prod that a destroy could take: other nodes, zone, hostnames, bucket; protect off; small servers", () => {
        assert.equal(e2e["honeydue:protect"], false);
        assert.equal(e2e["honeydue:newEstate"], true);
        assert.notEqual(e2e["honeydue:zone"], prod["honeydue:zone"]);
        assert.notEqual(e2e["honeydue:b2Bucket"], prod["honeydue:b2Bucket"]);
        const names = (c: Record<string, any>) => (c["honeydue:nodes"] as { name: string }[]).map((n) => n.name);
        assert.deepEqual(names(e2e).filter((n) => names(prod).includes(n)), []);
        for (const host of Object.keys(e2e["honeydue:routes"])) assert.ok(host === e2e["honeydue:zone"] || host.endsWith(`.${e2e["honeydue:zone"]}`), host);
        assert.equal(e2e["honeydue:serverType"], "cx23");
        assert.equal(e2e["honeydue:k3sVersion"], prod["honeydue:k3sVersion"], "e2e proves the version prod runs");
        // ...from the same verified downloads (recorded once per version: docs/runbook/upgrade-k3s.md).
        for (const key of ["honeydue:k3sInstallerSha256", "honeydue:k3sBinarySha256"]) assert.equal(e2e[key], prod[key], key);
        assert.ok(!("honeydue:adopt" in e2e), "a throwaway stack adopts nothing");
        // No value in the file is a secret: they come from the environment at run time.
        assert.doesNotMatch(readFileSync(join(root, "Pulumi.e2e.yaml"), "utf8"), /secure:|encryptionsalt/);
    });
});

describe("the environment the e2e run needs", () => {
    it("is every per-operator plain key and every secret of the configuration contract, plus the providers' tokens", () => {
        const keys = needed().map((n) => n.key);
        for (const k of [...Object.keys(placeholderPlain), ...Object.keys(placeholderSecrets).filter((k) => k.startsWith("honeydue:"))]) assert.ok(keys.includes(k), k);
        assert.ok(keys.includes("HCLOUD_TOKEN") && keys.includes("CLOUDFLARE_API_TOKEN"));
        for (const n of needed()) if (n.key.startsWith("honeydue:")) assert.equal(n.secret, n.key in placeholderSecrets || n.key === "honeydue:k3sToken" || !(n.key in placeholderPlain), n.key);
        assert.equal(envName("honeydue:sshPrivateKey"), "E2E_SSH_PRIVATE_KEY");
        assert.equal(envName("honeydue:b2ApplicationKey"), "E2E_B2_APPLICATION_KEY");
        // Optional secrets (a generated k3s token, no extra app secrets) need no variable.
        assert.equal(needed().find((n) => n.key === "honeydue:k3sToken")?.required, false);
    });

    it("a missing variable stops the run before anything is created, naming each one and its key", () => {
        const full = Object.fromEntries(needed().map((n) => [n.env, "x"]));
        assert.equal(missing(full), undefined);
        const m = missing({ ...full, E2E_DATABASE_URL: undefined, HCLOUD_TOKEN: undefined, E2E_SMTP_USERNAME: "" }) ?? "";
        assert.match(m, /3 environment variable\(s\) missing/);
        assert.match(m, /E2E_DATABASE_URL \(honeydue:databaseUrl, secret\)/);
        assert.match(m, /HCLOUD_TOKEN/);
        assert.match(m, /E2E_SMTP_USERNAME \(honeydue:smtpUsername\)/);
        assert.match(m, /nothing was created/);
    });

    it("npm run e2e starts only from a stack file with protect off and the k3s downloads' hashes recorded", () => {
        const hashes = { "honeydue:k3sInstallerSha256": "a".repeat(64), "honeydue:k3sBinarySha256": "b".repeat(64) };
        assert.equal(stackFileProblem("e2e", { ...e2e, ...hashes }), undefined);
        assert.match(stackFileProblem("e2e", { ...e2e, ...hashes, "honeydue:protect": true }) ?? "", /must set honeydue:protect: false/);
        assert.equal(
            stackFileProblem("e2e", { ...e2e, "honeydue:k3sBinarySha256": "b".repeat(64) }),
            'e2e: Pulumi.e2e.yaml has no honeydue:k3sInstallerSha256; expected the SHA-256 of the k3s downloads for honeydue:k3sVersion (docs/runbook/upgrade-k3s.md, "Recording the download hashes"); nothing was created',
        );
        // Every key Pulumi.yaml declares without a default (the CLI refuses an up without it) comes
        // from the stack file or the environment, or the run stops first naming it.
        const declared = (parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> }).config;
        const given = new Set([...Object.keys(e2e), ...needed().map((n) => n.key)]);
        const lacking = Object.entries(declared).filter(([, d]) => d.default === undefined).map(([k]) => `honeydue:${k}`).filter((k) => !given.has(k));
        for (const k of lacking) assert.match(stackFileProblem("e2e", e2e) ?? "", new RegExp(`no (.* )?${k}\\b`), `${k} is required by the CLI`);
    });

    it("npm run e2e refuses a production stack in any spelling, and a stack with no checked-in file, before touching anything", () => {
        for (const stack of ["prod", "Prod", "production", "acme/honeydue/prod"]) assert.equal(stackNameProblem(stack, root), `e2e: refusing stack ${stack}: the end-to-end run destroys its stack`);
        for (const stack of ["staging", "../e2e", "acme/honeydue/e2e"]) assert.match(stackNameProblem(stack, root) ?? "", new RegExp(`^e2e: no Pulumi\\.${stack.replace(/[./]/g, "\\$&")}\\.yaml: the run creates its stack from a checked-in stack file`));
        assert.equal(stackNameProblem("e2e", root), undefined);
    });

    it("e2e.yml passes every variable the run needs, from secrets of the same name (tokens from the e2e ones)", () => {
        const w = parse(readFileSync(join(root, ".gitea/workflows/e2e.yml"), "utf8")) as { jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }> };
        const step = Object.values(w.jobs)[0].steps.find((s) => /^npm run e2e$/m.test(s.run ?? ""));
        assert.ok(step?.env, "a step runs npm run e2e with an env");
        for (const n of needed()) {
            // An optional one (k3sToken: a throwaway cluster generates its own) may be left out.
            if (n.required) assert.ok(n.env in step.env, `${n.env} (${n.key}) is passed`);
            if (!(n.env in step.env)) continue;
            const from = n.env.startsWith("E2E_") ? n.env : `E2E_${n.env}`;
            assert.equal(step.env[n.env], `\${{ secrets.${from} }}`, n.env);
        }
        // And nothing the run would not read (a misspelt name would silently be ignored).
        const known = new Set([...needed().map((n) => n.env), "PULUMI_BACKEND_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PULUMI_CONFIG_PASSPHRASE"]);
        assert.deepEqual(Object.keys(step.env).filter((k) => !known.has(k)), []);
    });
});

describe("e2e.yml", () => {
    const w = parse(readFileSync(join(root, ".gitea/workflows/e2e.yml"), "utf8")) as any;
    const steps = Object.values(w.jobs as Record<string, { steps: { run?: string }[] }>)[0].steps;
    const at = (re: RegExp) => steps.findIndex((s) => re.test(s.run ?? ""));

    it("runs main's code on a schedule or by hand, never on a pull request, one at a time and never cancelled (a cancel skips destroy)", () => {
        assert.deepEqual(Object.keys(w.on).sort(), ["schedule", "workflow_dispatch"]);
        assert.deepEqual(w.concurrency, { group: "e2e-state", "cancel-in-progress": false });
        assert.notEqual(w.concurrency.group, "prod-state");
    });

    it("plans offline, installs the CLI and kubectl by checksum, logs in, then runs npm run e2e", () => {
        const order = [/npm run plan -- --stack e2e --policy-pack-config policy\/config\.e2e\.json/, /install-pulumi\.sh "\$PULUMI_VERSION"/, /install-kubectl\.sh "\$KUBECTL_VERSION"/, /pulumi login/, /^npm run e2e$/m].map(at);
        assert.ok(order.every((i) => i >= 0), JSON.stringify(order));
        assert.deepEqual([...order].sort((a, b) => a - b), order);
    });

    it("installs the kubectl of the k3s version the stack pins", () => {
        assert.equal(w.env.KUBECTL_VERSION, String(e2e["honeydue:k3sVersion"]).replace(/\+k3s\d+$/, ""));
    });

    it("holds no prod secret", () => {
        for (const m of readFileSync(join(root, ".gitea/workflows/e2e.yml"), "utf8").matchAll(/secrets\.([A-Z0-9_]+)/g)) assert.match(m[1], /^E2E_/);
    });
});

describe("the kubeconfig check", () => {
    const node = (name: string, ready: string, version = "v1.34.6+k3s1") => ({ metadata: { name }, status: { conditions: [{ type: "Ready", status: ready }], nodeInfo: { kubeletVersion: version } } });
    const expected = { names: ["a", "b", "c"], version: "v1.34.6+k3s1" };

    it("passes three Ready nodes on the pinned version", () => {
        assert.deepEqual(nodeProblems({ items: [node("a", "True"), node("b", "True"), node("c", "True")] }, expected), []);
    });

    it("names a node that is not Ready, one on another version, a missing one and a stranger", () => {
        const p = nodeProblems({ items: [node("a", "False"), node("b", "True", "v1.33.1+k3s1"), node("x", "True")] }, expected);
        assert.deepEqual(p, [
            "node c is not in the cluster",
            "node a is not Ready (Ready=False)",
            "node b runs v1.33.1+k3s1, expected v1.34.6+k3s1 (honeydue:k3sVersion)",
            "node x is in the cluster but not in honeydue:nodes",
        ]);
    });
});

describe("configuring the e2e stack from the environment", () => {
    // A stand-in for the CLI the workflows pin (PULUMI_VERSION in .gitea/workflows/e2e.yml): it
    // knows the flags `config set` had before 3.247.0 (no --raw) and stores what its stdin held with
    // one trailing "\n" removed, as pulumi/pulumi pkg/cmd/pulumi/config/config.go configSetCmd.Run
    // does without --raw (cmdutil.RemoveTrailingNewline). It records each argv.
    const dir = mkdtempSync(join(tmpdir(), "e2e-configure-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const cli = join(dir, "pulumi");
    writeFileSync(
        cli,
        `#!/bin/sh
printf '%s\\n' "$*" >> "${dir}/argv"
key="$3"; shift 3
for a in "$@"; do case "$a" in --secret|--stack|--non-interactive|e2e) ;; *) echo "unknown flag: $a" >&2; exit 1 ;; esac; done
cat > "${dir}/stdin.$key"
`,
    );
    chmodSync(cli, 0o755);
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    const env: Record<string, string> = { ...Object.fromEntries(needed().map((n) => [n.env, `value-of-${n.env}`])), E2E_SSH_PRIVATE_KEY: pem, E2E_ADMIN_CIDRS: "198.51.100.7/32, 203.0.113.0/24" };
    const plain: [string, string, boolean | undefined][] = [];
    const stack = {
        name: "e2e",
        workspace: { pulumiCommand: { command: cli }, workDir: dir, envVars: {} },
        setConfig: async (key: string, v: { value: string }, path?: boolean) => void plain.push([key, v.value, path]),
    };

    it("stores every secret byte for byte through stdin, with flags the pinned CLI knows, never on argv", async () => {
        await configure(stack as never, env);
        const argv = readFileSync(join(dir, "argv"), "utf8");
        for (const n of needed().filter((n) => n.secret && n.key !== n.env)) {
            const stored = readFileSync(join(dir, `stdin.${n.key}`), "utf8").replace(/\n$/, "");
            assert.equal(stored, env[n.env], `${n.key} arrives as it was given`);
            assert.ok(!argv.includes(env[n.env]), `${n.key} is not on a command line`);
        }
        assert.ok(readFileSync(join(dir, "stdin.honeydue:sshPrivateKey"), "utf8").replace(/\n$/, "").endsWith("-----\n"), "the PEM block keeps its closing newline");
        // Plain values through the Automation API; the admin CIDRs one path entry each.
        assert.deepEqual(plain.filter(([k]) => k.startsWith("honeydue:adminCidrs")), [["honeydue:adminCidrs[0]", "198.51.100.7/32", true], ["honeydue:adminCidrs[1]", "203.0.113.0/24", true]]);
        for (const [k, v] of plain) assert.ok(!needed().some((n) => n.secret && env[n.env] === v), `${k} is not a secret`);
        // The providers' tokens stay in the environment: never written into the stack.
        assert.ok(!argv.includes("HCLOUD_TOKEN") && !plain.some(([k]) => k === "HCLOUD_TOKEN"));
    });

    it("then leaves no E2E_* value in the environment every later process inherits; the providers' tokens stay", () => {
        const later = { ...env, PATH: "/usr/bin" };
        forget(later);
        assert.deepEqual(Object.keys(later).sort(), ["CLOUDFLARE_API_TOKEN", "HCLOUD_TOKEN", "PATH"]);
    });
});

describe("the control flow on a stand-in stack", () => {
    // The flow on a stand-in stack (the real engine runs it in rehearsal/scenarios/endToEnd.ts): an
    // interrupt during the first up lets that up end, skips the rest, and still tears down.
    it("after SIGINT during up: no check, no second up, but destroy and stack rm, and the run fails", async () => {
        const interrupt = new AbortController();
        const calls: string[] = [];
        const summary = { resourceChanges: { create: 2 } };
        const stack = {
            name: "e2e",
            up: async () => (calls.push("up"), interrupt.abort(), { summary }),
            outputs: async () => (calls.push("outputs"), {}),
            destroy: async () => (calls.push("destroy"), { summary: { resourceChanges: { delete: 2 } } }),
            workspace: { removeStack: async () => void calls.push("stack rm") },
        };
        const check = { name: "a check", run: async () => (calls.push("check"), "ok") };
        const r = await endToEnd(stack as never, { signal: interrupt.signal, checks: [check] });
        assert.deepEqual(calls, ["up", "destroy", "stack rm"]);
        assert.deepEqual(
            r.steps.map((s) => `${s.step}=${s.verdict}`),
            ["up=ok", "a check=FAIL", "second up changes nothing=skipped", "destroy=ok", "stack rm=ok"],
        );
        assert.match(r.steps[1].detail, /interrupted/);
        assert.equal(r.ok, false);
    });

    it("a second up that changes something fails the run, asked with --expect-no-changes, and still tears down", async () => {
        const ups: unknown[] = [];
        const calls: string[] = [];
        const stack = {
            name: "e2e",
            up: async (o: { expectNoChanges?: boolean }) => (ups.push(o), { summary: { resourceChanges: ups.length === 1 ? { create: 3 } : { same: 2, update: 1 } } }),
            outputs: async () => ({}),
            destroy: async () => (calls.push("destroy"), { summary: { resourceChanges: { delete: 3 } } }),
            workspace: { removeStack: async () => void calls.push("stack rm") },
        };
        const r = await endToEnd(stack as never, { up: { parallel: 4 } });
        assert.deepEqual(ups, [{ parallel: 4 }, { parallel: 4, expectNoChanges: true }], "the CLI itself is told that any change is a failure");
        assert.deepEqual(r.steps.map((s) => `${s.step}=${s.verdict}`), ["up=ok", "second up changes nothing=FAIL", "destroy=ok", "stack rm=ok"]);
        assert.match(r.steps[1].detail, /the second up changed \{"update":1\}/);
        assert.deepEqual(calls, ["destroy", "stack rm"]);
        assert.equal(r.ok, false);
    });

    it("a destroy that fails keeps the stack (its state lists what is left) and fails the run", async () => {
        const calls: string[] = [];
        const stack = {
            name: "e2e",
            up: async () => ({ summary: { resourceChanges: {} } }),
            outputs: async () => ({}),
            destroy: async () => {
                throw new Error("hcloud: server is locked");
            },
            workspace: { removeStack: async () => void calls.push("stack rm") },
        };
        const r = await endToEnd(stack as never);
        assert.deepEqual(calls, [], "no stack rm: it would throw away the only list of what is left");
        assert.deepEqual(r.steps.map((s) => `${s.step}=${s.verdict}`), ["up=ok", "second up changes nothing=ok", "destroy=FAIL", "stack rm=skipped"]);
        assert.match(r.steps[3].detail, /pulumi destroy --stack e2e/);
        assert.equal(r.ok, false);
    });
});

describe("the report", () => {
    it("counts only real changes, and says FAILED when any step failed", () => {
        assert.deepEqual(changesOf({ same: 40, update: 0, create: 2 }), { create: 2 });
        const text = renderReport({ ok: false, steps: [{ step: "up", verdict: "FAIL", detail: "boom\nmore", ms: 1200 }, { step: "destroy", verdict: "ok", detail: "{}", ms: 10 }] });
        assert.match(text, /^up\s+FAIL\s+1\.2 s {2}boom$/m);
        assert.match(text, /e2e: FAILED\n$/);
    });
});

describe("install-kubectl.sh", () => {
    const base = mkdtempSync(join(tmpdir(), "install-kubectl-"));
    after(() => rmSync(base, { recursive: true, force: true }));
    const binary = join(base, "kubectl-release");
    writeFileSync(binary, "#!/bin/sh\necho 'Client Version: v1.34.6'\n");
    const sha = createHash("sha256").update(readFileSync(binary)).digest("hex");
    mkdirSync(join(base, "bin"));
    // A fake curl: records the URL asked for and serves the release binary.
    writeFileSync(join(base, "bin", "curl"), `#!/usr/bin/env bash\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; -*) shift ;; *) echo "$1" >>"${base}/urls"; shift ;; esac; done\ncp "${binary}" "$out"\n`);
    chmodSync(join(base, "bin", "curl"), 0o755);

    function install(sums: string, version = "v1.34.6") {
        const home = mkdtempSync(join(base, "home-"));
        writeFileSync(join(home, "sums"), sums);
        const r = spawnSync("bash", [join(root, ".gitea", "install-kubectl.sh"), version, join(home, "sums")], {
            encoding: "utf8",
            env: { PATH: `${join(base, "bin")}:/usr/bin:/bin`, HOME: home, GITHUB_PATH: join(home, "path") },
        });
        const file = join(home, ".local", "kubectl", "kubectl");
        return { code: r.status, stderr: r.stderr, stdout: r.stdout, installed: existsSync(file), mode: existsSync(file) ? spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim() : "", home };
    }

    it("is shellcheck-clean and strict", () => {
        const file = join(root, ".gitea", "install-kubectl.sh");
        assert.match(readFileSync(file, "utf8"), /^set -euo pipefail$/m);
        const r = spawnSync("shellcheck", ["-x", "--severity=style", file, join(root, ".gitea", "verified-download.sh")], { encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed (apt-get install shellcheck; .ci/run does it)");
        assert.equal(r.status, 0, r.stdout);
    });

    it("installs the release binary whose SHA-256 matches, executable, on the path", () => {
        const r = install(`${sha}  kubectl-v1.34.6-linux-amd64\n`);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.installed);
        assert.equal(r.mode, "755");
        assert.match(r.stdout, /v1\.34\.6/);
        assert.equal(readFileSync(join(r.home, "path"), "utf8"), `${join(r.home, ".local", "kubectl")}\n`);
        assert.match(readFileSync(join(base, "urls"), "utf8"), /\/v1\.34\.6\/bin\/linux\/amd64\/kubectl$/m);
    });

    it("refuses a binary that does not match, a version with no recorded SHA-256 and a malformed version, installing nothing", () => {
        const bad = install(`${"0".repeat(64)}  kubectl-v1.34.6-linux-amd64\n`);
        assert.notEqual(bad.code, 0);
        assert.ok(!bad.installed);
        assert.match(bad.stderr, /kubectl-v1\.34\.6-linux-amd64 does not match the SHA-256 in \S+ \(0{64}\); not installed/);
        const none = install(`${sha}  kubectl-v1.33.0-linux-amd64\n`);
        assert.ok(!none.installed);
        assert.match(none.stderr, /no SHA-256 for kubectl-v1\.34\.6-linux-amd64 in \S+; record it once/);
        const malformed = install(`${sha}  kubectl-v1.34.6-linux-amd64\n`, "v1.34.6+k3s1");
        assert.ok(!malformed.installed);
        assert.match(malformed.stderr, /version v1\.34\.6\+k3s1: expected vMAJOR\.MINOR\.PATCH/);
    });
});
