// The real CI workflows (.gitea/workflows/*.yml), read as YAML: a structural schema check of each
// (no maintained workflow schema or actionlint comes as a plain npm package here; this checks the
// shape Gitea/GitHub Actions accept: top-level keys, jobs with runs-on and steps, each step one
// `uses` or one `run`), the supply-chain rules (actions pinned by a 40-hex commit, the CLI checked
// against a committed SHA-256, no `curl | sh`), the rule "no secret for pull-request code", the
// deploy's concurrency and the drift check's flags. .gitea/install-pulumi.sh runs in a sandbox.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";

const root = join(__dirname, "..");
const dir = join(root, ".gitea", "workflows");
type Step = { name?: string; id?: string; if?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { "runs-on": string; if?: string; needs?: string | string[]; environment?: string; steps: Step[]; env?: Record<string, string> };
type Workflow = { name: string; on: Record<string, unknown>; jobs: Record<string, Job>; concurrency?: { group: string; "cancel-in-progress": boolean }; env?: Record<string, string> };
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const text = (f: string) => readFileSync(join(dir, f), "utf8");
const workflow = (f: string) => parse(text(f)) as Workflow;

const topKeys = ["name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"];
const jobKeys = ["name", "needs", "if", "runs-on", "environment", "permissions", "env", "defaults", "concurrency", "timeout-minutes", "continue-on-error", "strategy", "container", "services", "outputs", "steps"];
const stepKeys = ["name", "id", "if", "uses", "run", "with", "env", "shell", "working-directory", "continue-on-error", "timeout-minutes"];
const events = ["push", "pull_request", "schedule", "workflow_dispatch", "pull_request_target", "release", "workflow_call"];

/** Every problem in a workflow's shape, as "file: where: what". */
function shapeProblems(f: string, w: Workflow): string[] {
    const out: string[] = [];
    const extra = (where: string, o: object, allowed: string[]) => Object.keys(o).filter((k) => !allowed.includes(k)).forEach((k) => out.push(`${f}: ${where}: unknown key ${k}`));
    extra("top level", w, topKeys);
    if (typeof w.name !== "string") out.push(`${f}: no name`);
    if (!w.on || typeof w.on !== "object") out.push(`${f}: no 'on' events`);
    else Object.keys(w.on).filter((e) => !events.includes(e)).forEach((e) => out.push(`${f}: unknown event ${e}`));
    const schedule = (w.on as { schedule?: { cron: string }[] }).schedule;
    for (const s of schedule ?? []) if (!/^(\S+\s+){4}\S+$/.test(s.cron ?? "")) out.push(`${f}: schedule cron '${s.cron}' is not five fields`);
    if (!w.jobs || Object.keys(w.jobs).length === 0) out.push(`${f}: no jobs`);
    for (const [id, job] of Object.entries(w.jobs ?? {})) {
        extra(`job ${id}`, job, jobKeys);
        if (typeof job["runs-on"] !== "string") out.push(`${f}: job ${id}: no runs-on`);
        for (const need of [job.needs ?? []].flat()) if (!(need in w.jobs)) out.push(`${f}: job ${id}: needs unknown job ${need}`);
        if (!Array.isArray(job.steps) || job.steps.length === 0) out.push(`${f}: job ${id}: no steps`);
        (job.steps ?? []).forEach((s, i) => {
            extra(`job ${id} step ${i}`, s, stepKeys);
            if ((s.uses === undefined) === (s.run === undefined)) out.push(`${f}: job ${id} step ${i}: needs exactly one of uses and run`);
            if (s.run !== undefined && typeof s.run !== "string") out.push(`${f}: job ${id} step ${i}: run is not a string`);
            for (const [k, v] of Object.entries(s.env ?? {})) if (typeof v !== "string") out.push(`${f}: job ${id} step ${i}: env ${k} is not a string`);
        });
    }
    return out;
}

const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const index = (job: Job, pattern: RegExp) => {
    const i = job.steps.findIndex((s) => pattern.test(s.run ?? ""));
    assert.ok(i >= 0, `a step runs ${pattern}`);
    return i;
};
/** Every `secrets.X` a job reads, anywhere (env, with, run, if). */
const secretsOf = (o: unknown) => [...JSON.stringify(o).matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]);

describe("every workflow", () => {
    it("has the shape Actions accept (structural check; a step with both uses and run is refused)", () => {
        assert.deepEqual(files.sort(), ["deploy.yml", "drift.yml", "e2e.yml", "mutate.yml", "preview.yml"]);
        for (const f of files) assert.deepEqual(shapeProblems(f, workflow(f)), [], f);
        const broken = { ...workflow("deploy.yml"), jobs: { deploy: { "runs-on": "x", steps: [{ uses: "a/b@c", run: "echo" }], step: 1 } } } as unknown as Workflow;
        assert.deepEqual(shapeProblems("broken.yml", broken), ["broken.yml: job deploy: unknown key step", "broken.yml: job deploy step 0: needs exactly one of uses and run"]);
    });

    it("pins every action by a 40-hex commit", () => {
        for (const f of files) {
            const uses = steps(workflow(f)).flatMap((s) => (s.uses ? [s.uses] : []));
            assert.ok(uses.length > 0, f);
            for (const u of uses) assert.match(u, /^[\w.-]+\/[\w.-]+(\/\S+)?@[0-9a-f]{40}$/, `${f}: ${u}`);
        }
    });

    it("installs the Pulumi CLI only through .gitea/install-pulumi.sh (a SHA-256 check), never curl | sh", () => {
        for (const f of files) {
            assert.doesNotMatch(text(f), /curl[^\n]*\|\s*(ba)?sh|wget[^\n]*\|\s*(ba)?sh|get\.pulumi\.com/, f);
            const w = workflow(f);
            for (const [id, job] of Object.entries(w.jobs)) {
                const runsPulumi = job.steps.some((s) => /^\s*pulumi |npm run (up|preview)/m.test(s.run ?? ""));
                if (runsPulumi) assert.ok(index(job, /bash (protected\/)?\.gitea\/install-pulumi\.sh "\$PULUMI_VERSION"/) < index(job, /pulumi login/), `${f} ${id}`);
            }
        }
    });

    it("checks the stack file right after npm ci and the runner's reach of 6443 after login, before the CLI changes or previews anything", () => {
        // The workflows about the prod stack; mutate.yml never reads it (offline, no secrets), and
        // e2e.yml builds its own throwaway stack (tests/e2e.test.ts).
        for (const f of files.filter((name) => name !== "mutate.yml" && name !== "e2e.yml")) {
            for (const [id, job] of Object.entries(workflow(f).jobs)) {
                assert.equal(index(job, /npx tsx offline\/preflight\.ts stack prod/), index(job, /^npm ci/) + 1, `${f} ${id}`);
                const main = job.steps.findIndex((s) => /pulumi preview --stack prod|npm run up/.test(s.run ?? ""));
                if (main < 0) continue;
                const reach = index(job, /npx tsx offline\/preflight\.ts api "\$endpoint" 6443/);
                assert.ok(index(job, /pulumi login/) < reach && reach < main, `${f} ${id}`);
            }
        }
    });
});

describe("no secret for pull-request code (preview.yml)", () => {
    const w = workflow("preview.yml");

    it("runs on pull_request, never pull_request_target", () => {
        assert.deepEqual(Object.keys(w.on), ["pull_request"]);
        for (const f of files) assert.ok(!("pull_request_target" in workflow(f).on), f);
    });

    it("gives the branch's tests no secret at all", () => {
        assert.deepEqual(secretsOf(w.jobs.offline), []);
        assert.ok(w.jobs.offline.steps.some((s) => /^\s*npm test$/m.test(s.run ?? "")));
    });

    it("gives secrets only to the job a maintainer approved (the preview-approved label's own event), and only read-only ones", () => {
        for (const [id, job] of Object.entries(w.jobs)) {
            if (secretsOf(job).length === 0) continue;
            assert.equal(job.if, "github.event.action == 'labeled' && github.event.label.name == 'preview-approved'", id);
            assert.equal(job.environment, "preview", id);
            for (const s of secretsOf(job)) assert.match(s, /^(PULUMI_BACKEND_URL|PULUMI_CONFIG_PASSPHRASE|[A-Z0-9_]*_READ_[A-Z0-9_]*|[A-Z0-9_]*_READ_TOKEN)$/, `${id}: ${s} is not a read-only credential`);
        }
        assert.ok(secretsOf(w.jobs.preview).includes("HCLOUD_READ_TOKEN") && secretsOf(w.jobs.preview).includes("CLOUDFLARE_READ_TOKEN"));
    });

    it("takes the policy pack, its configuration and the CLI installer from the protected branch", () => {
        const job = w.jobs.preview;
        const protectedCheckout = job.steps.find((s) => s.with?.path === "protected");
        assert.equal(protectedCheckout?.with?.ref, "${{ github.event.pull_request.base.ref }}");
        const preview = job.steps[index(job, /pulumi preview --stack prod/)].run!;
        assert.match(preview, /--policy-pack protected\/policy --policy-pack-config protected\/policy\/config\.prod\.json/);
        assert.doesNotMatch(preview, /--policy-pack (?!protected\/)/);
        assert.match(job.steps[index(job, /install-pulumi\.sh/)].run!, /^bash protected\/\.gitea\/install-pulumi\.sh "\$PULUMI_VERSION" protected\/\.gitea\/pulumi-cli\.sha256$/);
    });

    it("never leaves the checkout's token on disk for the branch's code", () => {
        for (const f of files) for (const s of steps(workflow(f)).filter((x) => x.uses?.startsWith("actions/checkout@"))) assert.equal(s.with?.["persist-credentials"], false, f);
    });
});

describe("deploy.yml", () => {
    const w = workflow("deploy.yml");
    const job = w.jobs.deploy;

    it("runs pulumi up with the policy pack for prod on a push to main, one at a time, never cancelling an update", () => {
        assert.deepEqual(w.on, { push: { branches: ["main"] } });
        assert.deepEqual(w.concurrency, { group: "prod-state", "cancel-in-progress": false });
        assert.equal(job.steps[index(job, /npm run up/)].run, "npm run up -- --yes --non-interactive --diff");
        const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.match(pkg.scripts.up, /^pulumi up --stack prod --policy-pack policy --policy-pack-config policy\/config\.prod\.json$/);
    });

    it("runs the offline plan and tests, with shellcheck, before touching prod", () => {
        assert.ok(index(job, /apt-get install -y -q shellcheck/) < index(job, /^\s*npm test$/m));
        assert.ok(index(job, /^\s*npm test$/m) < index(job, /npm run up/));
    });
});

describe("drift.yml", () => {
    const w = workflow("drift.yml");
    const job = w.jobs.drift;

    it("previews prod on a schedule with --refresh and --expect-no-changes and the policy pack, with read-only credentials", () => {
        assert.ok("schedule" in w.on);
        const run = job.steps[index(job, /pulumi preview/)].run!;
        for (const flag of ["--stack prod", "--refresh", "--expect-no-changes", "--policy-pack policy", "--policy-pack-config policy/config.prod.json"]) assert.ok(run.includes(flag), flag);
        assert.match(run, /set -o pipefail/);
        for (const s of secretsOf(job)) assert.match(s, /^(PULUMI_BACKEND_URL|PULUMI_CONFIG_PASSPHRASE|[A-Z0-9_]*READ[A-Z0-9_]*)$/, s);
    });

    it("never runs while deploy.yml changes prod, and says what drifted when it fails", () => {
        assert.deepEqual(w.concurrency, workflow("deploy.yml").concurrency);
        const last = job.steps.at(-1)!;
        assert.equal(last.if, "failure()");
        assert.match(last.run!, /drift\.log/);
    });
});

describe("install-pulumi.sh", () => {
    const base = mkdtempSync(join(tmpdir(), "install-pulumi-"));
    after(() => rmSync(base, { recursive: true, force: true }));
    // A fake release tarball (pulumi/pulumi prints its version) and a fake curl serving it.
    const pkg = join(base, "pkg", "pulumi");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "pulumi"), "#!/bin/sh\necho v3.220.0\n");
    chmodSync(join(pkg, "pulumi"), 0o755);
    const tarball = join(base, "release.tar.gz");
    spawnSync("tar", ["-czf", tarball, "-C", join(base, "pkg"), "pulumi"]);
    const sha = createHash("sha256").update(readFileSync(tarball)).digest("hex");
    mkdirSync(join(base, "bin"));
    writeFileSync(join(base, "bin", "curl"), `#!/usr/bin/env bash\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; *) shift ;; esac; done\ncp "${tarball}" "$out"\n`);
    chmodSync(join(base, "bin", "curl"), 0o755);

    function install(sums: string) {
        const home = mkdtempSync(join(base, "home-"));
        writeFileSync(join(home, "sums"), sums);
        const r = spawnSync("bash", [join(root, ".gitea", "install-pulumi.sh"), "3.220.0", join(home, "sums")], {
            encoding: "utf8",
            env: { PATH: `${join(base, "bin")}:/usr/bin:/bin`, HOME: home, GITHUB_PATH: join(home, "path") },
        });
        return { code: r.status, stderr: r.stderr, stdout: r.stdout, installed: existsSync(join(home, ".pulumi", "bin", "pulumi")), home };
    }

    it("is shellcheck-clean and strict", () => {
        const file = join(root, ".gitea", "install-pulumi.sh");
        assert.match(readFileSync(file, "utf8"), /^set -euo pipefail$/m);
        // -x: follow the sourced .gitea/verified-download.sh (its source-path directive finds it).
        const r = spawnSync("shellcheck", ["-x", "--severity=style", file], { encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed (apt-get install shellcheck; .ci/run does it)");
        assert.equal(r.status, 0, r.stdout);
    });

    it("installs the tarball whose SHA-256 matches the recorded one, and puts it on the path", () => {
        const r = install(`# comment\n${sha}  pulumi-v3.220.0-linux-x64.tar.gz\n`);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.installed);
        assert.match(r.stdout, /v3\.220\.0/);
        assert.equal(readFileSync(join(r.home, "path"), "utf8"), `${join(r.home, ".pulumi", "bin")}\n`);
    });

    it("refuses a tarball that does not match, and a version with no recorded SHA-256, installing nothing", () => {
        const bad = install(`${"0".repeat(64)}  pulumi-v3.220.0-linux-x64.tar.gz\n`);
        assert.notEqual(bad.code, 0);
        assert.ok(!bad.installed);
        assert.match(bad.stderr, /pulumi-v3\.220\.0-linux-x64\.tar\.gz does not match the SHA-256 in \S+ \(0{64}\); not installed/);
        const none = install(`${sha}  pulumi-v3.219.0-linux-x64.tar.gz\n`);
        assert.notEqual(none.code, 0);
        assert.ok(!none.installed);
        assert.match(none.stderr, /no SHA-256 for pulumi-v3\.220\.0-linux-x64\.tar\.gz in \S+; record it once/);
    });
});
