// `npm run test:unit`: every tests/*.test.ts under node's test runner, four processes at a time,
// the files grouped into processes, and the processes' priorities, as tests/support/groups.js
// says. Each entry of the table becomes a small file (node --test runs files, one process each),
// in a folder of this run's own under node_modules/.cache, that loads its members through
// tests/support/group.js. The runner sorts the files it is given by their absolute path before it
// starts them (node v20 lib/internal/test_runner/runner.js, createTestFileList:
// ArrayPrototypeSort), so each file's name begins with the entry's place in the table: sorted,
// they start in the table's order. Arguments are passed on to node (say --test-name-pattern=...).
/* global require, module, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports */
const { spawnSync } = require("node:child_process");
const { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..", "..");
const testsDir = path.join(root, "tests");
const cacheDir = path.join(root, "node_modules", ".cache", "honeydue-tests");

/**
 * The processes to run, in start order: each entry of the table with its files that exist, then
 * every file the table does not list, alone (so a new file runs before anyone lists it).
 */
function processes(table, files) {
    const listed = new Set(Object.values(table).flat());
    const out = [];
    for (const [name, members] of Object.entries(table)) {
        const present = members.filter((f) => files.includes(f));
        if (present.length > 0) out.push({ name, files: present });
    }
    for (const f of files) if (!listed.has(f)) out.push({ name: f.replace(/\.test\.ts$/, ""), files: [f] });
    return out;
}

/** The name of the file that runs the table's entry number `place`: in the table's order when sorted. */
const entryName = (entry, place) => `${String(place).padStart(3, "0")}-${entry.name}.group.js`;

/** The CPU priority (nice) of a group that computes: below the waiting ones' (tests/support/groups.js). */
const computingNice = 10;

/**
 * The file node --test runs for an entry: it loads the members as a group (tests/support/group.js).
 * An entry that is not one of the `waiting` first lowers its process's priority to `nice` (its
 * children inherit it).
 */
function entrySource(entry, waiting, nice = computingNice) {
    const members = entry.files.map((f) => path.join(testsDir, f));
    // Never above the priority it was started with: raising it again needs privileges.
    const lower = waiting.includes(entry.name) ? "" : `const os = require("node:os");\nos.setPriority(Math.max(os.getPriority(), ${nice}));\n`;
    return `// Written by tests/support/unit.js: the test group "${entry.name}".\n${lower}require(${JSON.stringify(path.join(__dirname, "group.js"))})(${JSON.stringify(members, null, 1)});\n`;
}

function main(args) {
    const files = readdirSync(testsDir).filter((f) => f.endsWith(".test.ts")).sort();
    mkdirSync(cacheDir, { recursive: true });
    // This run's own folder, so two runs in one checkout never remove each other's group files.
    const runDir = mkdtempSync(path.join(cacheDir, "run-"));
    const { waiting, computing } = require("./groups");
    const entries = processes({ ...waiting, ...computing }, files).map((entry, place) => {
        const file = path.join(runDir, entryName(entry, place));
        writeFileSync(file, entrySource(entry, Object.keys(waiting)));
        return file;
    });
    // Four at a time on two cores: the two node-script processes mostly sleep in bounded waits, so
    // two processes that compute run beside them.
    const reporters = ["--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=./tests/support/slowest.mjs", "--test-reporter-destination=stdout"];
    const run = spawnSync(process.execPath, ["--require", "./tests/support/register.js", "--test", "--test-concurrency=4", ...reporters, ...args, ...entries], { cwd: root, stdio: "inherit" });
    rmSync(runDir, { recursive: true, force: true });
    if (run.error) throw run.error;
    process.exitCode = run.status ?? 1;
}

module.exports = { processes, entryName, entrySource, testsDir };
if (require.main === module) main(process.argv.slice(2));
