// `npm run mutate [-- folder...]`: StrykerJS over each layer (config, infra, workloads, policy),
// one layer at a time, then the mutation score per folder. Not part of `npm test`: a full run
// takes hours on two cores (README, "Mutation testing").
/* global process, console, URL */
/* eslint-disable no-console -- a command-line report */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { layers, processesOf, suiteSource } from "./layers.mjs";
import { folderScore, labelOf, mergeRetest, recordFolder, runsOf, saveRetest, score, survivorsOf } from "./retest.mjs";

// An argument is a folder (config), or a file or sub-folder of it (config/secrets.ts, infra/k3s: only
// those mutated, against the whole folder's tests), or `shell` for the node scripts' hand-written
// mutants. `--survivors` re-tests only the survivors of each named run's last report; `--score`
// runs nothing and adds each folder up from the reports on disk (mutation/retest.mjs).
const flags = ["--survivors", "--score", "--unmeasured"];
const retest = process.argv.includes("--survivors");
const scoreOnly = process.argv.includes("--score");
// `--unmeasured config`: a run of each file of the folder that no usable report holds yet (a
// measurement spread over several sittings picks up where it stopped).
const unmeasuredOnly = process.argv.includes("--unmeasured");
const asked = process.argv
  .slice(2)
  .filter((arg) => !flags.includes(arg))
  .map((arg) => arg.replace(/\/+$/, ""));
const folderOf = (arg) => arg.split("/")[0];
const foldersOnly = scoreOnly || unmeasuredOnly;
// Each refused argument says why, unless it names no folder at all (the list says what would do).
const unknown = asked.flatMap((arg) => {
  if (arg === "shell" && !retest && !foldersOnly) return [];
  if (!(folderOf(arg) in layers)) return [arg];
  if (arg.includes("/") && !existsSync(arg)) return [`${arg} (no such file or folder)`];
  if (foldersOnly && arg.includes("/")) return [`${arg} (${scoreOnly ? "a score is a whole folder's" : "a whole folder only"})`];
  return [];
});
const modes = [retest, scoreOnly, unmeasuredOnly].filter(Boolean).length;
if (unknown.length > 0 || modes > 1 || (retest && asked.length === 0)) {
  const what = foldersOnly ? "folders" : retest ? "folders, or files or sub-folders of them, whose last run to re-test" : "folders, or files or sub-folders of them";
  const clash = modes > 1 ? `; one of ${flags.join(", ")} at a time` : "";
  console.error(`mutate: expected ${what}: ${Object.keys(layers).join(", ")}${foldersOnly || retest ? "" : ", shell"}${unknown.length > 0 ? `; not ${unknown.join(", ")}` : ""}${clash}`);
  process.exit(2);
}

const line = (s) => `  ${s.folder.padEnd(20)} ${s.score.toFixed(1).padStart(5)}%  (${s.detected} detected, ${s.missed} missed of ${s.total})`;
if (scoreOnly) {
  console.log("Mutation score per folder, from the reports in reports/mutation (killed + timeout over killed + timeout + survived + no coverage):");
  let complete = true;
  for (const folder of asked.length > 0 ? asked : Object.keys(layers)) {
    const s = folderScore(folder);
    complete &&= s.unmeasured.length === 0;
    if (s.unmeasured.length === 0) console.log(`${line({ folder, ...s })}  from ${s.runs.join(", ")}`);
    // An unfinished folder shows how far it got, never as its score.
    else console.log(`  ${folder.padEnd(20)} no score: ${s.unmeasured.length} file(s) unmeasured (${s.unmeasured.join(", ")}); so far ${s.total > 0 ? `${s.score.toFixed(1)}% of ${s.total} mutants` : "nothing"} in ${s.runs.length} run(s); measure the rest: npm run mutate -- --unmeasured ${folder}`);
  }
  process.exit(complete ? 0 : 1);
}

// `--survivors policy` for a folder measured file by file re-tests each file's run.
const targets = unmeasuredOnly
  ? (asked.length > 0 ? asked : Object.keys(layers)).flatMap((folder) => folderScore(folder).unmeasured)
  : (asked.length > 0 ? asked : [...Object.keys(layers), "shell"]).flatMap((target) => (retest && target in layers ? runsOf(target) : [target]));
if (unmeasuredOnly && targets.length === 0) {
  console.log("mutate --unmeasured: every file of those folders is held by a usable report (npm run mutate -- --score)");
  process.exit(0);
}
if (unmeasuredOnly) console.log(`mutate --unmeasured: ${targets.length} file(s) to run: ${targets.join(", ")}`);
// Every earlier run is checked before any run starts: a refusal after an hour-long run of the
// folder named before it would waste that hour, and a refusal must not end in a score table.
const earlierRuns = new Map(retest ? targets.map((target) => [target, survivorsOf(labelOf(target))]) : []);
const refusals = [...earlierRuns.values()].filter((e) => e.error);
if (refusals.length > 0) {
  for (const { error } of refusals) console.error(error);
  process.exit(2);
}

// MUTATE_TESTS=tests/a.test.ts,tests/b.test.ts runs a file's mutants against those test files
// only (a quicker, conservative measure: a mutant only the layer's other test files would kill
// counts as survived); the summary names them.
const onlyTests = process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(",").filter(Boolean) : undefined;

// Loaded once the arguments are known to be good: Stryker takes about a second to load, and a
// refused command should answer at once.
const { Stryker } = await import("@stryker-mutator/core");
const summary = [];
for (const target of targets) {
  if (target === "shell") {
    // The node scripts' mutants (tests/mutants/shell.test.ts): every one must be killed.
    const run = spawnSync(process.execPath, ["--require", "./tests/support/register.js", "--test", "--test-reporter=spec", "tests/mutants/shell.test.ts"], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    process.stdout.write(run.stdout);
    const count = (word) => Number(new RegExp(`^ℹ ${word} (\\d+)`, "m").exec(run.stdout)?.[1] ?? 0);
    // One test checks the real scripts pass; the rest are one mutant each.
    const detected = Math.max(count("pass") - 1, 0);
    const missed = count("fail");
    summary.push({ folder: "shell", detected, missed, total: detected + missed, score: (100 * detected) / Math.max(detected + missed, 1) });
    continue;
  }
  const name = folderOf(target);
  const layer = layers[name];
  const earlier = earlierRuns.get(target);
  const label = labelOf(target) + (onlyTests ? "-scoped" : "") + (retest ? "-survivors" : "");
  // The suites of files that share a process (mutation/layers.mjs processesOf), written afresh so
  // they are always what the table says; Stryker copies them into its sandbox with the rest.
  const processes = processesOf(name, target);
  for (const { file, members } of processes.filter(({ file, members }) => file !== members[0])) {
    mkdirSync("mutation/suites", { recursive: true });
    writeFileSync(file, suiteSource(members));
  }
  // A run of one file records its folder as it is: the score counts the run only while it stays so.
  if (target.includes("/") && !retest && !onlyTests) {
    mkdirSync("reports/mutation", { recursive: true });
    recordFolder(label);
  }
  const results = await new Stryker({
    // A sub-folder (infra/k3s) is its .ts files; a file is itself.
    mutate: retest ? earlier.ranges : !target.includes("/") ? layer.mutate : statSync(target).isDirectory() ? [`${target}/**/*.ts`] : [target],
    testRunner: "tap",
    tap: {
      testFiles: onlyTests ?? processes.map(({ file }) => file),
      nodeArgs: ["--test-reporter=tap", "--require", "./tests/support/register.js", "-r", "{{hookFile}}", "{{testFile}}"],
    },
    // Per test file: a mutant runs only the test files that reach its code.
    coverageAnalysis: "perTest",
    // No mutant is static here, so none is left out: each test file runs in a process of its own,
    // and everything that process ran, module loading included, counts as that file's coverage
    // (@stryker-mutator/tap-runner dist/src/tap-test-runner.js run: perTest[testFile] =
    // coverage.static). Module-level code such as config/'s zod schemas is mutated and run against
    // the files that load it.
    checkers: [],
    concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
    // Added to 1.5 x the covering files' dry-run time: room for two runners sharing two cores.
    timeoutMS: 20_000,
    // survivors: mutation/survivors.mjs, each survivor written as it survives.
    appendPlugins: [new URL("./survivors.mjs", import.meta.url).pathname],
    reporters: ["clear-text", "progress", "json", "survivors"],
    jsonReporter: { fileName: `reports/mutation/${label}.json` },
    tempDirName: ".stryker-tmp",
    incremental: !retest,
    incrementalFile: `reports/mutation/${label}.incremental.json`,
    cleanTempDir: true,
  }).runMutationTest();
  if (retest) {
    const was = score(Object.values(earlier.report.files).flatMap(({ mutants }) => mutants));
    const merged = mergeRetest(earlier.report, results);
    saveRetest(labelOf(target), merged);
    summary.push({ folder: `${target} (its survivors re-tested; it was ${was.score.toFixed(1)}%, ${was.missed} missed)`, ...score(Object.values(merged.files).flatMap(({ mutants }) => mutants)) });
    continue;
  }
  summary.push({ folder: onlyTests ? `${target} (tests: ${onlyTests.join(", ")})` : target, ...score(results) });
}

console.log("\nMutation score per folder (killed + timeout over killed + timeout + survived + no coverage):");
for (const s of summary) console.log(line(s));
// A shell mutant that survives fails the run (they are the hand-picked, must-kill ones).
process.exitCode = summary.some((s) => s.folder === "shell" && s.missed > 0) ? 1 : 0;
