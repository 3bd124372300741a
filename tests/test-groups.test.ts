// How `npm test` runs the test files (tests/support/unit.js, groups.js, group.js, slowest.mjs):
// every file runs, in exactly one process; a group runs each member's tests with the member's own
// top-level hooks only, reports them under the member's path, and fails when a member fails.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";

/* eslint-disable @typescript-eslint/no-require-imports */
const { waiting, computing } = require("./support/groups.js") as Record<"waiting" | "computing", Record<string, string[]>>;
const table = { ...waiting, ...computing };
type Entry = { name: string; files: string[] };
const { processes, entryName, entrySource, testsDir } = require("./support/unit.js") as {
    processes: (table: Record<string, string[]>, files: string[]) => Entry[];
    entryName: (entry: Entry, place: number) => string;
    entrySource: (entry: Entry, waiting: string[], nice?: number) => string;
    testsDir: string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const files = readdirSync(testsDir).filter((f) => f.endsWith(".test.ts"));

describe("the test processes", () => {
    it("list every tests/*.test.ts exactly once, and no file that is gone", () => {
        const listed = Object.values(table).flat();
        for (const f of files) {
            const n = listed.filter((l) => l === f).length;
            assert.equal(n, 1, `tests/${f} is listed ${n} times in tests/support/groups.js: put it in exactly one entry (a group it can share, or an entry of its own)`);
        }
        for (const l of listed) assert.ok(files.includes(l), `tests/support/groups.js lists ${l}, which is not in tests/`);
    });

    it("run every file once, a file listed nowhere alone, and in the table's order", () => {
        const run = processes({ first: ["b.test.ts"], pair: ["a.test.ts", "gone.test.ts", "c.test.ts"] }, ["a.test.ts", "b.test.ts", "c.test.ts", "new.test.ts"]);
        assert.deepEqual(run, [
            { name: "first", files: ["b.test.ts"] },
            { name: "pair", files: ["a.test.ts", "c.test.ts"] },
            { name: "new", files: ["new.test.ts"] },
        ]);
        const all = processes(table, files).flatMap((p) => p.files);
        assert.deepEqual([...all].sort(), [...files].sort());
    });

    it("start in the table's order: the runner sorts the files it runs by path, and their names sort so", () => {
        // Eleven entries, so a place of two digits sorts after the one-digit places.
        const entries = Array.from({ length: 11 }, (_, i) => ({ name: ["zeta", "alpha", "mid"][i % 3] + i, files: [`${i}.test.ts`] }));
        const names = entries.map((e, i) => entryName(e, i));
        assert.deepEqual([...names].sort(), names);
        assert.equal(new Set(names).size, names.length);
        const ours = processes(table, files).map((e, i) => entryName(e, i));
        assert.deepEqual([...ours].sort(), ours, "tests/support/groups.js's entries start in its order");
        assert.match(ours[0], /^0+-scripts\.group\.js$/);
    });

    it("lower the priority of the processes that compute, not of those that wait", (t) => {
        const priorityOf = (entry: Entry, nice?: number) => {
            const dir = mkdtempSync(join(tmpdir(), "test-priority-"));
            const file = join(dir, "entry.js");
            // The group loader stubbed out: only what the entry does before it matters here.
            writeFileSync(file, entrySource(entry, Object.keys(waiting), nice).replace(/require\("[^"]*group\.js"\)/, "(() => () => {})"));
            const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(file)}); process.stdout.write(String(require("node:os").getPriority()))`], { encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            return Number(r.stdout);
        };
        const own = getPriority();
        assert.equal(priorityOf({ name: "estate", files: computing.estate }), Math.max(own, 10), "nice 10 by default");
        // Under `npm test` this file runs in a computing group, already at nice 10: a level above
        // this process's own tells a lowered priority from an inherited one.
        if (own >= 19) return t.skip(`this process already runs at nice ${own}: nothing can be lower`);
        const lower = Math.min(own + 5, 19);
        assert.equal(priorityOf({ name: "scripts", files: waiting.scripts }, lower), own, "a waiting entry keeps its priority");
        assert.equal(priorityOf({ name: "scripts-nodes", files: waiting["scripts-nodes"] }, lower), own);
        assert.equal(priorityOf({ name: "estate", files: computing.estate }, lower), lower);
        assert.equal(priorityOf({ name: "new", files: ["new.test.ts"] }, lower), lower, "a file listed nowhere computes");
    });
});

describe("a group process", () => {
    it("runs each member's tests under its own hooks, reports them by member, and fails with a failing member", () => {
        const dir = mkdtempSync(join(tmpdir(), "test-group-"));
        // a: a top-level beforeEach that counts; b: asserts a's hook never ran for its tests;
        // c: throws while loading.
        writeFileSync(join(dir, "a.test.js"), `const { beforeEach, it } = require("node:test"); const assert = require("node:assert");
globalThis.hookRuns = 0; beforeEach(() => globalThis.hookRuns++);
it("a1", () => assert.equal(globalThis.hookRuns, 1)); it("a2", () => assert.equal(globalThis.hookRuns, 2));\n`);
        writeFileSync(join(dir, "b.test.js"), `const { it } = require("node:test"); const assert = require("node:assert");
it("b1", () => assert.equal(globalThis.hookRuns, 2, "a's beforeEach ran for b's test"));\n`);
        writeFileSync(join(dir, "c.test.js"), `throw new Error("c cannot load");\n`);
        const group = join(dir, "g.group.js");
        writeFileSync(group, `require(${JSON.stringify(join(__dirname, "support", "group.js"))})(${JSON.stringify(["a", "b", "c"].map((m) => join(dir, `${m}.test.js`)))});\n`);
        // Without NODE_TEST_CONTEXT, which tells a test file's process that a runner started it.
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_TEST_CONTEXT"));
        const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", group], { cwd: dir, env, encoding: "utf8", timeout: 30_000 });
        assert.equal(r.status, 1, r.stdout + r.stderr);
        // TAP: each member a suite named by its path, its tests inside.
        assert.match(r.stdout, /# Subtest: a\.test\.js\n\s+# Subtest: a1\n\s+ok 1 - a1[^]*ok 2 - a2[^]*\nok 1 - a\.test\.js/);
        assert.match(r.stdout, /# Subtest: b\.test\.js\n\s+# Subtest: b1\n\s+ok 1 - b1[^]*\nok 2 - b\.test\.js/);
        assert.match(r.stdout, /not ok 3 - c\.test\.js[^]*c cannot load/);
        assert.match(r.stdout, /# tests 3\n# suites 3\n# pass 3\n/, "every test of a and b ran and passed");
    });
});

describe("the slowest-files reporter", () => {
    it("times a file alone by its process and a grouped file by its suite, and names each group's process", async () => {
        const { default: slowest } = (await import(pathToFileURL(join(__dirname, "support", "slowest.mjs")).href)) as { default: (s: AsyncIterable<unknown>) => AsyncIterable<string> };
        const cwd = process.cwd();
        const done = (name: string, file: string, ms: number, passed = true) => ({ type: "test:complete", data: { nesting: 0, name, file, details: { duration_ms: ms, passed } } });
        const groupFile = `${cwd}/node_modules/.cache/honeydue-tests/002-estate.group.js`;
        const events = [
            done("a test", `${cwd}/tests/plan.test.ts`, 1),
            done(`${cwd}/tests/plan.test.ts`, `${cwd}/tests/plan.test.ts`, 9000),
            done("tests/edge.test.ts", `${cwd}/tests/support/group.js`, 3000),
            done("tests/k3s.test.ts", `${cwd}/tests/support/group.js`, 12000, false),
            { type: "test:complete", data: { nesting: 1, name: "inner", file: `${cwd}/tests/support/group.js`, details: { duration_ms: 99000, passed: true } } },
            done(groupFile, groupFile, 16000),
        ];
        let out = "";
        for await (const chunk of slowest((async function* () { yield* events; })())) out += chunk;
        assert.match(out, /slowest test files \(of 3;[^\n]*\n\s+12\.0 s {2}tests\/k3s\.test\.ts {2}\(failed\)\n\s+9\.0 s {2}tests\/plan\.test\.ts\n\s+3\.0 s {2}tests\/edge\.test\.ts\n/);
        assert.match(out, /test processes \(2; wall time\):\n\s+16\.0 s {2}group estate\n\s+9\.0 s {2}tests\/plan\.test\.ts\n/);
    });
});
