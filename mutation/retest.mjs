// `npm run mutate -- --survivors <folder or file>`: re-tests only the mutants that survived the
// run's last report (reports/mutation/<label>.json, or the .after.json an earlier re-test merged),
// for the loop of writing tests against them: one dry run and the survivors, minutes instead of the
// folder's hour. Stryker mutates only the given ranges (`file:line:col-line:col`,
// @stryker-mutator/core dist/src/fs/project-reader.js filterMutatePattern; several ranges of a file
// are united), so each survivor is picked out by its own location; the score then counts the earlier
// run's detected mutants as detected. That is sound only while the program's source is what the
// earlier run mutated (checked: a changed file refuses) and no test was weakened (the weekly full
// run is the measure that assumes nothing).
//
// `npm run mutate -- --score` adds a folder up from its reports: a folder's own run, or one run per
// file (a folder too long for one sitting runs file by file, `npm run mutate -- policy/stack.ts`).
/* global process */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processesOf, testFilesOf } from "./layers.mjs";

const missedStates = ["Survived", "NoCoverage"];
/** One mutant's identity across two runs (ids are per run). */
const identity = (file, m) => `${file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement}`;

/** A run's label: its folder, or one file of it with "/" as "_" (policy_stack.ts). */
export const labelOf = (target) => target.replace(/\//g, "_");
const targetOf = (label) => label.replace(/_/g, "/");
const folderOf = (label) => label.split("_")[0];

/**
 * The report a run's survivors and score are read from: Stryker's own JSON of the run, or, once its
 * survivors were re-tested, the merged one written beside it (<label>.after.json).
 */
export function reportPath(label, root = ".") {
  const own = join(root, `reports/mutation/${label}.json`);
  const after = join(root, `reports/mutation/${label}.after.json`);
  if (existsSync(after) && (!existsSync(own) || statSync(after).mtimeMs >= statSync(own).mtimeMs)) return after;
  return own;
}

/** The .ts files of a folder, as the folder's run mutates them. */
const sourcesOf = (folder, root) =>
  readdirSync(join(root, folder), { recursive: true })
    .map((f) => `${folder}/${f}`)
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules/"));

/** The folder's files as they are, by content: a run of one file records them, since its mutants' fate depends on the others. */
export const folderPrint = (folder, root = ".") => Object.fromEntries(sourcesOf(folder, root).map((f) => [f, createHash("sha256").update(readFileSync(join(root, f))).digest("hex")]));
export const recordFolder = (label, root = ".") => writeFileSync(join(root, `reports/mutation/${label}.folder.json`), JSON.stringify(folderPrint(folderOf(label), root)));

/** The last report of a folder's run (or of one file's), its survivors as mutate ranges, or a reason it cannot be used. */
export function survivorsOf(label, root = ".") {
  const target = targetOf(label);
  const folder = folderOf(label);
  const path = reportPath(label, root);
  let report;
  try {
    report = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return { error: `mutate --survivors: no earlier run of ${target} (reports/mutation/${label}.json); run \`npm run mutate -- ${target}\` first` };
  }
  const changed = Object.entries(report.files).filter(([f, { source }]) => !existsSync(join(root, f)) || readFileSync(join(root, f), "utf8") !== source).map(([f]) => f);
  // A file a folder's report does not hold was either mutant-free at the run (older than the report)
  // or is new: its mutants were never measured, and the merged score would leave them out.
  if (target === folder) {
    const reportTime = statSync(path).mtimeMs;
    changed.push(...sourcesOf(folder, root).filter((f) => !(f in report.files) && statSync(join(root, f)).mtimeMs > reportTime));
  } else {
    // One file's run: the rest of its folder must be as the run found it (recorded at its start).
    let then = {};
    try {
      then = JSON.parse(readFileSync(join(root, `reports/mutation/${label}.folder.json`), "utf8"));
    } catch {
      return { error: `mutate --survivors: the run of ${target} recorded no copy of ${folder}/ (reports/mutation/${label}.folder.json); run \`npm run mutate -- ${target}\`` };
    }
    const now = folderPrint(folder, root);
    changed.push(...new Set([...Object.keys(then), ...Object.keys(now)].filter((f) => then[f] !== now[f] && !changed.includes(f))));
  }
  if (changed.length > 0) {
    return { error: `mutate --survivors: ${changed.join(", ")} changed, went or came since the last run of ${target}, so its mutants are not the ones measured; run \`npm run mutate -- ${target}\`` };
  }
  // The earlier run's kills are counted as they stand: a test file that killed some of them and is no
  // longer run (deleted, or dropped from mutation/layers.mjs) would leave a score nobody measured.
  const fileOfTest = new Map(Object.entries(report.testFiles ?? {}).flatMap(([f, { tests }]) => tests.map((t) => [t.id, f])));
  const killers = new Set(Object.values(report.files).flatMap(({ mutants }) => mutants.flatMap((m) => (m.status === "Killed" ? (m.killedBy ?? []) : []).map((id) => fileOfTest.get(id) ?? id))));
  // A killer is a test file or a suite of them (mutation/layers.mjs processesOf). A suite's name says
  // little (config-1 is whatever the table's first nested list is now): its files are the ones its
  // source imported at the run, which the report keeps (testFiles[suite].source, core's
  // mutation-test-report-helper.js toTestFile). Each must still be run against the folder, and be there.
  const run = new Map(processesOf(folder).map(({ file, members }) => [file, members]));
  const runNow = new Set(testFilesOf(folder));
  const membersThen = (f) => {
    const imported = [...(report.testFiles?.[f]?.source ?? "").matchAll(/^import "\.\.\/\.\.\/(.+)";$/gm)].map(([, m]) => `${m}.ts`);
    return imported.length > 0 ? imported : run.get(f);
  };
  const lost = [...killers].flatMap((f) => {
    const members = membersThen(f);
    if (members === undefined) return runNow.has(f) && existsSync(join(root, f)) ? [] : [f];
    const gone = members.filter((member) => !runNow.has(member) || !existsSync(join(root, member)));
    return gone.length === 0 ? [] : members.length === 1 && members[0] === f ? [f] : [`${f} (${gone.join(", ")})`];
  });
  if (lost.length > 0) {
    return { error: `mutate --survivors: ${lost.join(", ")} killed mutants in the last run of ${target} and is no longer run (gone, or not in mutation/layers.mjs), so those kills are not measured; run \`npm run mutate -- ${target}\`` };
  }
  // Report locations are 1-based lines and columns; a range's column is the parser's 0-based one.
  const ranges = Object.entries(report.files).flatMap(([f, { mutants }]) =>
    mutants.filter((m) => missedStates.includes(m.status)).map((m) => `${f}:${m.location.start.line}:${m.location.start.column - 1}-${m.location.end.line}:${m.location.end.column - 1}`),
  );
  return { report, ranges: [...new Set(ranges)] };
}

/**
 * The report after the re-test: each earlier survivor takes its new state and, if killed, the test
 * files that killed it (a range can also hold mutants the earlier run killed: they are ignored
 * here); every other mutant keeps its own.
 */
export function mergeRetest(report, retested, root = process.cwd()) {
  const now = new Map(retested.map((r) => [identity(r.fileName.replace(`${root}/`, ""), r), r]));
  const files = Object.fromEntries(
    Object.entries(report.files).map(([f, file]) => [
      f,
      {
        ...file,
        mutants: file.mutants.map((m) => {
          if (!missedStates.includes(m.status)) return m;
          const result = now.get(identity(f, m));
          if (result === undefined) throw new Error(`mutate --survivors: ${identity(f, m)} was not re-tested; run the whole folder`);
          // The runner's test ids are the test files' names (@stryker-mutator/tap-runner dist/src/tap-test-runner.js tapResultToTestResult).
          return { ...m, status: result.status, killedBy: result.killedBy ?? [] };
        }),
      },
    ]),
  );
  return { ...report, files };
}

/** Writes the merged report where the next re-test and the score read it. */
export function saveRetest(label, merged, root = ".") {
  writeFileSync(join(root, `reports/mutation/${label}.after.json`), JSON.stringify(merged));
}

// Stryker's own states: killed and timeout count as detected; survived and no-coverage as missed.
// Compile/runtime errors and ignored mutants are left out, as Stryker's score does.
export function score(results) {
  const count = (...states) => results.filter((r) => states.includes(r.status)).length;
  const detected = count("Killed", "Timeout");
  const missed = count("Survived", "NoCoverage");
  return { detected, missed, total: detected + missed, score: detected + missed === 0 ? 100 : (100 * detected) / (detected + missed) };
}

/** The runs of a folder on disk: its own, and those of its files, by label. */
function labelsOf(folder, root) {
  const reports = join(root, "reports/mutation");
  const labels = (existsSync(reports) ? readdirSync(reports) : [])
    .map((f) => /^(.+?)(\.after)?\.json$/.exec(f)?.[1])
    .filter((label) => label !== undefined && (label === folder || label.startsWith(`${folder}_`)) && !/-(scoped|survivors)$/.test(label) && !/\.(incremental|folder)$/.test(label));
  return [...new Set(labels)].sort();
}

/** What `--survivors <folder>` re-tests: the folder's own run if there is one, else the runs of its files. */
export function runsOf(folder, root = ".") {
  const labels = labelsOf(folder, root);
  return labels.includes(folder) || labels.length === 0 ? [folder] : labels.map(targetOf);
}

/**
 * A folder's score from the reports on disk: each file of the folder counts from the newest report
 * that holds it and can still be used (survivorsOf's checks: the source it mutated, the tests that
 * killed), whether the folder's own run or a run of that file alone. A file no usable report holds
 * is named as unmeasured, and the folder gets no score.
 */
export function folderScore(folder, root = ".") {
  const usable = labelsOf(folder, root)
    .map((label) => ({ label, mtime: statSync(reportPath(label, root)).mtimeMs, ...survivorsOf(label, root) }))
    .filter((run) => run.error === undefined)
    .sort((a, b) => b.mtime - a.mtime);
  const byFile = new Map();
  for (const run of usable) for (const [f, file] of Object.entries(run.report.files)) if (!byFile.has(f)) byFile.set(f, { label: run.label, mutants: file.mutants });
  // A file the folder's own run found no mutant in is not in its report (older than it: mutant-free).
  const own = usable.find((run) => run.label === folder);
  const mutantFree = (f) => own !== undefined && statSync(join(root, f)).mtimeMs <= own.mtime;
  const unmeasured = sourcesOf(folder, root).filter((f) => !byFile.has(f) && !mutantFree(f));
  const results = [...byFile.values()].flatMap(({ mutants }) => mutants);
  return { ...score(results), unmeasured, runs: [...new Set([...byFile.values()].map(({ label }) => label))] };
}
