// Preloaded (node --require) into a process a test starts, when the test runs under Stryker's dry
// run: at exit it writes the mutant coverage the instrumented program counted in this process, as
// JSON, to the file named by HONEYDUE_MUTANT_COVERAGE; the test adds it to its own process's.
// Stryker's tap runner reads a test process's coverage from that process alone (its preloaded hook
// writes global.__stryker__ at exit: @stryker-mutator/tap-runner dist/src/setup/hook.cjs
// finalCleanup, read in dist/src/tap-test-runner.js runFile), so code only a child process runs
// (policy/index.ts, the pack as the engine starts it) counted as covered by no test, and its
// mutants were reported NoCoverage without being tried. The child does run each mutant: it
// inherits __STRYKER_ACTIVE_MUTANT__, which the instrumented code reads (@stryker-mutator/
// instrumenter dist/src/util/syntax-helpers.js, the stryNS_9fa48 header).
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports */
const { writeFileSync } = require("node:fs");

const report = process.env.HONEYDUE_MUTANT_COVERAGE;
if (report) process.on("exit", () => writeFileSync(report, JSON.stringify(globalThis.__stryker__?.mutantCoverage?.static ?? {})));
