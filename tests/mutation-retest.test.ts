// `npm run mutate -- --survivors <folder>` (mutation/retest.mjs): which mutants it re-tests, when
// it refuses, and how it counts. A wrong range would re-test other mutants and report a score
// nobody measured; a stale report would re-test mutants of code that is gone.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

type Location = { start: { line: number; column: number }; end: { line: number; column: number } };
type Mutant = { mutatorName: string; replacement: string; status: string; location: Location };
type Report = { files: Record<string, { source: string; mutants: Mutant[] }> };
let survivorsOf: (folder: string, root?: string) => { error?: string; report?: Report; ranges?: string[] };
type Merged = { files: Record<string, { mutants: (Mutant & { killedBy?: string[] })[] }> };
let mergeRetest: (report: Report, retested: (Mutant & { fileName: string; killedBy?: string[] })[], root?: string) => Merged;
let saveRetest: (label: string, merged: Merged, root?: string) => void;
let recordFolder: (label: string, root?: string) => void;
type Score = { detected: number; missed: number; score: number; unmeasured: string[]; runs: string[] };
let folderScore: (folder: string, root?: string) => Score;
let runsOf: (folder: string, root?: string) => string[];
before(async () => {
    // By URL: plain JavaScript run by `npm run mutate`, with no types to check.
    ({ survivorsOf, mergeRetest, saveRetest, recordFolder, folderScore, runsOf } = await import(pathToFileURL("mutation/retest.mjs").href));
});

const source = "export const f = (a: number) => a > 1 && a < 9;\n";
const at = (sc: number, ec: number): Location => ({ start: { line: 1, column: sc }, end: { line: 1, column: ec } });
const mutant = (status: string, sc: number, ec: number, replacement = "true"): Mutant => ({ mutatorName: "ConditionalExpression", replacement, status, location: at(sc, ec) });
const report: Report = {
    files: {
        "infra/f.ts": {
            source,
            mutants: [mutant("Killed", 33, 38), mutant("Survived", 33, 38, "false"), mutant("NoCoverage", 42, 47), mutant("Survived", 42, 47, "false"), mutant("Timeout", 33, 47)],
        },
    },
};

/** A checkout with the report and the source it was measured on. */
function checkout(now = source): string {
    const root = mkdtempSync(join(tmpdir(), "retest-"));
    mkdirSync(join(root, "infra"));
    mkdirSync(join(root, "reports/mutation"), { recursive: true });
    writeFileSync(join(root, "infra/f.ts"), now);
    writeFileSync(join(root, "reports/mutation/infra.json"), JSON.stringify(report));
    return root;
}

describe("re-testing a folder's survivors", () => {
    it("picks out each survivor and uncovered mutant by its own location, once, in the parser's 0-based columns", () => {
        const { ranges, error } = survivorsOf("infra", checkout());
        assert.equal(error, undefined);
        // Report columns are 1-based, a mutate range's column 0-based (core project-reader.js).
        assert.deepEqual(ranges, ["infra/f.ts:1:32-1:37", "infra/f.ts:1:41-1:46"]);
    });

    it("refuses when the source changed since the run, naming the file and the full run to do", () => {
        const { error } = survivorsOf("infra", checkout(source.replace("a < 9", "a < 8")));
        assert.match(String(error), /infra\/f\.ts changed, went or came since the last run of infra/);
        assert.match(String(error), /npm run mutate -- infra/);
    });

    it("refuses when a measured file is gone, instead of crashing", () => {
        const root = checkout();
        rmSync(join(root, "infra/f.ts"));
        assert.match(String(survivorsOf("infra", root).error), /infra\/f\.ts changed, went or came since the last run of infra/);
    });

    it("refuses when the folder gained a file after the run (its mutants were never measured)", () => {
        const root = checkout();
        writeFileSync(join(root, "infra/g.ts"), "export const g = 1;\n");
        const later = new Date(Date.now() + 60_000);
        utimesSync(join(root, "infra/g.ts"), later, later);
        assert.match(String(survivorsOf("infra", root).error), /infra\/g\.ts changed, went or came since the last run of infra/);
    });

    it("accepts a file the run saw but found no mutant in (older than the report)", () => {
        const root = checkout();
        writeFileSync(join(root, "infra/types.ts"), "export type T = number;\n");
        const earlier = new Date(Date.now() - 60_000);
        utimesSync(join(root, "infra/types.ts"), earlier, earlier);
        assert.equal(survivorsOf("infra", root).error, undefined);
    });

    it("refuses when a test file that killed mutants in the run is gone or no longer in the layer's list", () => {
        const root = checkout();
        const killedBy = (file: string) => ({
            files: { "infra/f.ts": { source, mutants: [{ ...mutant("Killed", 33, 38), killedBy: ["0"] }, mutant("Survived", 42, 47)] } },
            testFiles: { [file]: { tests: [{ id: "0", name: file }] } },
        });
        writeFileSync(join(root, "reports/mutation/infra.json"), JSON.stringify(killedBy("tests/gone.test.ts")));
        assert.match(String(survivorsOf("infra", root).error), /tests\/gone\.test\.ts killed mutants in the last run of infra and is no longer run/);
        mkdirSync(join(root, "tests"));
        writeFileSync(join(root, "tests/zone.test.ts"), "");
        writeFileSync(join(root, "reports/mutation/infra.json"), JSON.stringify(killedBy("tests/zone.test.ts")));
        assert.equal(survivorsOf("infra", root).error, undefined, "a killer still in infra's list");
    });

    it("takes a suite of test files sharing a process as the killer while every file of it is still there", async () => {
        // config's tests run as one process (mutation/layers.mjs processesOf): the report names the suite.
        const { processesOf } = (await import(pathToFileURL("mutation/layers.mjs").href)) as { processesOf: (folder: string) => { file: string; members: string[] }[] };
        const [suite] = processesOf("config");
        assert.ok(suite.members.length > 1, "config's tests share one process");
        const root = mkdtempSync(join(tmpdir(), "retest-"));
        mkdirSync(join(root, "config"));
        mkdirSync(join(root, "tests"));
        mkdirSync(join(root, "reports/mutation"), { recursive: true });
        writeFileSync(join(root, "config/f.ts"), source);
        for (const member of suite.members) writeFileSync(join(root, member), "");
        writeFileSync(
            join(root, "reports/mutation/config.json"),
            JSON.stringify({
                files: { "config/f.ts": { source, mutants: [{ ...mutant("Killed", 33, 38), killedBy: ["0"] }, mutant("Survived", 42, 47)] } },
                testFiles: { [suite.file]: { tests: [{ id: "0", name: suite.file }] } },
            }),
        );
        assert.equal(survivorsOf("config", root).error, undefined, "every file of the suite is there");
        rmSync(join(root, suite.members[3]));
        assert.match(String(survivorsOf("config", root).error), new RegExp(`${suite.file} \\(${suite.members[3]}\\) killed mutants in the last run of config and is no longer run`));
    });

    it("refuses when a file of the killing suite, as the run imported it, was taken out of the layer's list", async () => {
        // The suite keeps its name (config-1) whatever the table lists now; the report keeps the
        // suite's source as it ran (@stryker-mutator/core dist/src/reporters/mutation-test-report-helper.js toTestFile).
        const { processesOf, suiteSource } = (await import(pathToFileURL("mutation/layers.mjs").href)) as {
            processesOf: (folder: string) => { file: string; members: string[] }[];
            suiteSource: (members: string[], root: string) => string;
        };
        const [suite] = processesOf("config");
        const root = mkdtempSync(join(tmpdir(), "retest-"));
        mkdirSync(join(root, "config"));
        mkdirSync(join(root, "tests"));
        mkdirSync(join(root, "reports/mutation"), { recursive: true });
        writeFileSync(join(root, "config/f.ts"), source);
        const then = [...suite.members, "tests/config-retired.test.ts"];
        for (const member of then) writeFileSync(join(root, member), "");
        const reportWith = (members: string[]) =>
            JSON.stringify({
                files: { "config/f.ts": { source, mutants: [{ ...mutant("Killed", 33, 38), killedBy: ["0"] }, mutant("Survived", 42, 47)] } },
                testFiles: { [suite.file]: { source: suiteSource(members, root), tests: [{ id: "0", name: suite.file }] } },
            });
        writeFileSync(join(root, "reports/mutation/config.json"), reportWith(then));
        // The retired file is still on disk, but no mutant runs it any more: its kills are unmeasured.
        assert.match(String(survivorsOf("config", root).error), new RegExp(`${suite.file} \\(tests/config-retired\\.test\\.ts\\) killed mutants in the last run of config and is no longer run`));
        writeFileSync(join(root, "reports/mutation/config.json"), reportWith(suite.members.slice(1)));
        assert.equal(survivorsOf("config", root).error, undefined, "a suite whose files all still run");
    });

    it("refuses without an earlier run", () => {
        assert.match(String(survivorsOf("policy", checkout()).error), /no earlier run of policy .*run `npm run mutate -- policy` first/);
    });

    it("counts each survivor by its new state and every other mutant by its old one", () => {
        const root = "/checkout";
        const retested = [
            { ...mutant("Killed", 33, 38, "false"), fileName: `${root}/infra/f.ts` },
            { ...mutant("Killed", 33, 38), fileName: `${root}/infra/f.ts` }, // a sibling in the range: ignored
            { ...mutant("Survived", 42, 47), fileName: `${root}/infra/f.ts` },
            { ...mutant("Killed", 42, 47, "false"), fileName: `${root}/infra/f.ts` },
        ];
        assert.deepEqual(
            mergeRetest(report, retested, root).files["infra/f.ts"].mutants.map((m) => m.status),
            ["Killed", "Killed", "Survived", "Killed", "Timeout"],
        );
    });

    it("fails rather than count a survivor the re-test did not reach", () => {
        assert.throws(() => mergeRetest(report, [], "/checkout"), /infra\/f\.ts:1:33-1:38 ConditionalExpression false was not re-tested/);
    });
});

describe("npm run mutate -- --survivors, as an operator runs it", () => {
    it("refuses a path of no folder it mutates, or one that is not there, at once: exit 2, naming it", () => {
        const run = spawnSync(process.execPath, [join(process.cwd(), "mutation/run.mjs"), "infra/k3s/nope.ts", "docs"], { cwd: process.cwd(), encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /expected folders, or files or sub-folders of them: config, infra, workloads, policy, shell; not infra\/k3s\/nope\.ts \(no such file or folder\), docs$/m);
    });

    it("refuses a file given to --score or --unmeasured, saying they take whole folders", () => {
        const run = spawnSync(process.execPath, [join(process.cwd(), "mutation/run.mjs"), "--score", "policy/stack.ts"], { cwd: process.cwd(), encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^mutate: expected folders: config, infra, workloads, policy; not policy\/stack\.ts \(a score is a whole folder's\)$/m);
        const whole = spawnSync(process.execPath, [join(process.cwd(), "mutation/run.mjs"), "--unmeasured", "policy/stack.ts"], { cwd: process.cwd(), encoding: "utf8" });
        assert.equal(whole.status, 2);
        assert.match(whole.stderr, /^mutate: expected folders: config, infra, workloads, policy; not policy\/stack\.ts \(a whole folder only\)$/m);
    });

    it("refuses a folder without an earlier run before running anything: exit 2, the reason, no score table", () => {
        // A checkout with infra's report but none of workloads': nothing may run, not even infra.
        const run = spawnSync(process.execPath, [join(process.cwd(), "mutation/run.mjs"), "--survivors", "infra", "workloads"], { cwd: checkout(), encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /no earlier run of workloads .*run `npm run mutate -- workloads` first/);
        assert.doesNotMatch(run.stdout, /Mutation score/);
    });
});

describe("a folder's score from its reports", () => {
    const mutants = (...states: string[]) => states.map((status, i) => mutant(status, 33 + i, 38 + i, `m${i}`));
    /** A checkout of infra/ with two files, f.ts and g.ts. */
    function twoFiles(): string {
        const root = checkout();
        rmSync(join(root, "reports/mutation/infra.json"));
        writeFileSync(join(root, "infra/g.ts"), source);
        mkdirSync(join(root, "tests"));
        writeFileSync(join(root, "tests/zone.test.ts"), "");
        return root;
    }
    const writeReport = (root: string, label: string, files: Record<string, Mutant[]>) =>
        writeFileSync(join(root, `reports/mutation/${label}.json`), JSON.stringify({ files: Object.fromEntries(Object.entries(files).map(([f, m]) => [f, { source, mutants: m }])) }));

    it("adds up the runs of single files while the folder is as each run found it", () => {
        const root = twoFiles();
        recordFolder("infra_f.ts", root);
        writeReport(root, "infra_f.ts", { "infra/f.ts": mutants("Killed", "Killed", "Survived") });
        recordFolder("infra_g.ts", root);
        writeReport(root, "infra_g.ts", { "infra/g.ts": mutants("Timeout", "NoCoverage") });
        const s = folderScore("infra", root);
        assert.deepEqual([s.detected, s.missed, s.unmeasured], [3, 2, []]);
        assert.deepEqual(runsOf("infra", root), ["infra/f.ts", "infra/g.ts"], "--survivors infra re-tests each file's run");
        assert.deepEqual(s.runs.sort(), ["infra_f.ts", "infra_g.ts"]);
        // The other file changed after f.ts's run: f.ts's mutants met another folder, so that run no longer counts.
        writeFileSync(join(root, "infra/g.ts"), source.replace("a < 9", "a < 7"));
        assert.match(String(survivorsOf("infra_f.ts", root).error), /infra\/g\.ts changed, went or came since the last run of infra\/f\.ts/);
        assert.deepEqual(folderScore("infra", root).unmeasured, ["infra/f.ts", "infra/g.ts"]);
    });

    it("voids a file's run when a file came to or went from its folder after it", () => {
        // A sibling's code is part of what the file's mutants met (its tests run through it).
        const root = twoFiles();
        recordFolder("infra_f.ts", root);
        writeReport(root, "infra_f.ts", { "infra/f.ts": mutants("Killed") });
        writeFileSync(join(root, "infra/h.ts"), source);
        assert.match(String(survivorsOf("infra_f.ts", root).error), /infra\/h\.ts changed, went or came since the last run of infra\/f\.ts/);
        rmSync(join(root, "infra/h.ts"));
        assert.equal(survivorsOf("infra_f.ts", root).error, undefined, "the folder as the run found it");
        rmSync(join(root, "infra/g.ts"));
        assert.match(String(survivorsOf("infra_f.ts", root).error), /infra\/g\.ts changed, went or came since the last run of infra\/f\.ts/);
    });

    it("counts each file from the newest run that holds it", () => {
        const root = twoFiles();
        writeReport(root, "infra", { "infra/f.ts": mutants("Survived"), "infra/g.ts": mutants("Killed") });
        const earlier = new Date(Date.now() - 60_000);
        utimesSync(join(root, "reports/mutation/infra.json"), earlier, earlier);
        recordFolder("infra_f.ts", root);
        writeReport(root, "infra_f.ts", { "infra/f.ts": mutants("Killed") });
        const s = folderScore("infra", root);
        assert.deepEqual([s.detected, s.missed, s.runs.sort()], [2, 0, ["infra", "infra_f.ts"]]);
        assert.deepEqual(runsOf("infra", root), ["infra"], "--survivors infra re-tests the folder's own run, not each mutant of f.ts twice");
    });

    it("names a file no run holds, and gives the folder no score", () => {
        const root = twoFiles();
        recordFolder("infra_f.ts", root);
        writeReport(root, "infra_f.ts", { "infra/f.ts": mutants("Killed") });
        assert.deepEqual(folderScore("infra", root).unmeasured, ["infra/g.ts"]);
        const run = spawnSync(process.execPath, [join(process.cwd(), "mutation/run.mjs"), "--score", "infra"], { cwd: root, encoding: "utf8" });
        assert.equal(run.status, 1);
        assert.match(run.stdout, /infra +no score: 1 file\(s\) unmeasured \(infra\/g\.ts\); so far 100\.0% of 1 mutants in 1 run\(s\); measure the rest: npm run mutate -- --unmeasured infra/);
    });

    it("runs nothing for --unmeasured once every file is held by a usable run, and takes one mode at a time", () => {
        const root = twoFiles();
        recordFolder("infra_f.ts", root);
        writeReport(root, "infra_f.ts", { "infra/f.ts": mutants("Killed") });
        recordFolder("infra_g.ts", root);
        writeReport(root, "infra_g.ts", { "infra/g.ts": mutants("Survived") });
        const run = (...args: string[]) => spawnSync(process.execPath, [join(process.cwd(), "mutation/run.mjs"), ...args], { cwd: root, encoding: "utf8" });
        const done = run("--unmeasured", "infra");
        assert.equal(done.status, 0);
        assert.match(done.stdout, /every file of those folders is held by a usable report/);
        const both = run("--unmeasured", "--survivors", "infra");
        assert.equal(both.status, 2);
        assert.match(both.stderr, /one of --survivors, --score, --unmeasured at a time/);
    });

    it("refuses a single file's run that recorded no copy of its folder", () => {
        const root = twoFiles();
        writeReport(root, "infra_f.ts", { "infra/f.ts": mutants("Killed") });
        assert.match(String(survivorsOf("infra_f.ts", root).error), /the run of infra\/f\.ts recorded no copy of infra\//);
    });

    it("counts a re-test's merged report, with the test files that killed, over the run's own", () => {
        const root = twoFiles();
        writeReport(root, "infra", { "infra/f.ts": mutants("Killed", "Survived"), "infra/g.ts": mutants("NoCoverage") });
        assert.deepEqual(runsOf("infra", root), ["infra"], "--survivors infra re-tests the folder's own run");
        const first = folderScore("infra", root);
        assert.deepEqual([first.detected, first.missed], [1, 2]);
        const { report: earlier } = survivorsOf("infra", root) as { report: Report };
        const retested = [
            { ...mutants("Killed", "Killed")[1], fileName: `${root}/infra/f.ts`, killedBy: ["tests/zone.test.ts"] },
            { ...mutants("NoCoverage")[0], fileName: `${root}/infra/g.ts` },
        ];
        saveRetest("infra", mergeRetest(earlier, retested, root), root);
        const after = folderScore("infra", root);
        assert.deepEqual([after.detected, after.missed, after.runs], [2, 1, ["infra"]]);
        // The next re-test starts from the merged report: one survivor left, and its killer is checked.
        assert.deepEqual(survivorsOf("infra", root).ranges, ["infra/g.ts:1:32-1:37"]);
        rmSync(join(root, "tests/zone.test.ts"));
        assert.match(String(survivorsOf("infra", root).error), /tests\/zone\.test\.ts killed mutants in the last run of infra and is no longer run/);
    });
});
