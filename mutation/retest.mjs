// `npm run mutate -- --survivors <folder>`: re-tests only the mutants that survived the folder's
// last full run (reports/mutation/<folder>.json), for the loop of writing tests against them: one
// dry run and the survivors, minutes instead of the folder's hour. Stryker mutates only the given
// ranges (`file:line:col-line:col`, @stryker-mutator/core dist/src/fs/project-reader.js
// filterMutatePattern; several ranges of a file are united), so each survivor is picked out by its
// own location; the score then counts the earlier run's detected mutants as detected. That is sound
// only while the program's source is what the earlier run mutated (checked: a changed file refuses)
// and no test was weakened (the weekly full run is the measure that assumes nothing).
/* global process */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { processesOf } from "./layers.mjs";

const missedStates = ["Survived", "NoCoverage"];
/** One mutant's identity across two runs (ids are per run). */
const identity = (file, m) => `${file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement}`;

/** The last full run of a folder, its survivors as mutate ranges, or a reason it cannot be used. */
export function survivorsOf(folder, root = ".") {
  const file = `reports/mutation/${folder}.json`;
  let report;
  try {
    report = JSON.parse(readFileSync(join(root, file), "utf8"));
  } catch {
    return { error: `mutate --survivors: no earlier run of ${folder} (${file}); run \`npm run mutate -- ${folder}\` first` };
  }
  const changed = Object.entries(report.files).filter(([f, { source }]) => !existsSync(join(root, f)) || readFileSync(join(root, f), "utf8") !== source).map(([f]) => f);
  // A file the report does not hold was either mutant-free at the run (older than the report) or
  // is new: its mutants were never measured, and the merged score would leave them out.
  const reportTime = statSync(join(root, file)).mtimeMs;
  const added = readdirSync(join(root, folder), { recursive: true })
    .map((f) => `${folder}/${f}`)
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules/") && !(f in report.files) && statSync(join(root, f)).mtimeMs > reportTime);
  changed.push(...added);
  if (changed.length > 0) {
    return { error: `mutate --survivors: ${changed.join(", ")} changed, went or came since the last run of ${folder}, so its mutants are not the ones measured; run \`npm run mutate -- ${folder}\`` };
  }
  // The earlier run's kills are counted as they stand: a test file that killed some of them and is no
  // longer run (deleted, or dropped from mutation/layers.mjs) would leave a score nobody measured.
  const fileOfTest = new Map(Object.entries(report.testFiles ?? {}).flatMap(([f, { tests }]) => tests.map((t) => [t.id, f])));
  const killers = new Set(Object.values(report.files).flatMap(({ mutants }) => mutants.flatMap((m) => (m.status === "Killed" ? (m.killedBy ?? []) : []).map((id) => fileOfTest.get(id) ?? id))));
  // A killer is a test file or a suite of them (mutation/layers.mjs processesOf): its files must all still be there.
  const run = new Map(processesOf(folder).map(({ file, members }) => [file, members]));
  const lost = [...killers].filter((f) => !run.has(f) || run.get(f).some((member) => !existsSync(join(root, member))));
  if (lost.length > 0) {
    return { error: `mutate --survivors: ${lost.join(", ")} killed mutants in the last run of ${folder} and is no longer run (gone, or not in mutation/layers.mjs), so those kills are not measured; run \`npm run mutate -- ${folder}\`` };
  }
  // Report locations are 1-based lines and columns; a range's column is the parser's 0-based one.
  const ranges = Object.entries(report.files).flatMap(([f, { mutants }]) =>
    mutants.filter((m) => missedStates.includes(m.status)).map((m) => `${f}:${m.location.start.line}:${m.location.start.column - 1}-${m.location.end.line}:${m.location.end.column - 1}`),
  );
  return { report, ranges: [...new Set(ranges)] };
}

/**
 * The folder's results after the re-test: each earlier survivor takes its new state (a range can
 * also hold mutants the earlier run killed: they are ignored here), every other mutant keeps its own.
 */
export function mergeRetest(report, retested, root = process.cwd()) {
  const now = new Map(retested.map((r) => [identity(r.fileName.replace(`${root}/`, ""), r), r.status]));
  return Object.entries(report.files).flatMap(([f, { mutants }]) =>
    mutants.map((m) => {
      if (!missedStates.includes(m.status)) return { status: m.status };
      const status = now.get(identity(f, m));
      if (status === undefined) throw new Error(`mutate --survivors: ${identity(f, m)} was not re-tested; run the whole folder`);
      return { status };
    }),
  );
}
