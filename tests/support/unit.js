// `npm run test:unit`: every tests/*.test.ts under node's test runner, four processes at a time,
// the files grouped into processes as tests/support/groups.js says. A group becomes a small file
// in node_modules/.cache (node --test runs files, one process each) that loads its members through
// tests/support/group.js. Arguments are passed on to node (say --test-name-pattern=...).
/* global require, module, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports */
const { spawnSync } = require("node:child_process");
const { mkdirSync, readdirSync, writeFileSync } = require("node:fs");
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

/** The file node --test runs for an entry: the test file itself, or a group file that loads the members. */
function entryFile(entry) {
    if (entry.files.length === 1) return path.join("tests", entry.files[0]);
    const file = path.join(cacheDir, `${entry.name}.group.js`);
    const members = entry.files.map((f) => path.join(testsDir, f));
    writeFileSync(file, `// Written by tests/support/unit.js: the test group "${entry.name}".\nrequire(${JSON.stringify(path.join(__dirname, "group.js"))})(${JSON.stringify(members, null, 1)});\n`);
    return file;
}

function main(args) {
    const files = readdirSync(testsDir).filter((f) => f.endsWith(".test.ts")).sort();
    mkdirSync(cacheDir, { recursive: true });
    const entries = processes(require("./groups"), files).map(entryFile);
    // Four at a time on two cores: the two node-script processes mostly sleep in bounded waits, so
    // two processes that compute run beside them.
    const reporters = ["--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=./tests/support/slowest.mjs", "--test-reporter-destination=stdout"];
    const run = spawnSync(process.execPath, ["--require", "./tests/support/register.js", "--test", "--test-concurrency=4", ...reporters, ...args, ...entries], { cwd: root, stdio: "inherit" });
    if (run.error) throw run.error;
    process.exitCode = run.status ?? 1;
}

module.exports = { processes, testsDir };
if (require.main === module) main(process.argv.slice(2));
