// Preloaded (node --require) into a test process by tests/mutants/shell.test.ts: when
// HONEYDUE_SCRIPT_MUTANT names a mutant, every read of that node script (infra/k3s/scripts.ts
// `script()`, which the sandbox tests send to bash) returns the mutated copy; the file on disk is
// never touched.
/* global require, __dirname, process */
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require("node:fs");
const path = require("node:path");

if (process.env.HONEYDUE_SCRIPT_MUTANT) {
    const { script, find, replace } = JSON.parse(process.env.HONEYDUE_SCRIPT_MUTANT);
    const target = path.resolve(__dirname, "..", "..", "infra", "scripts", script);
    const original = fs.readFileSync(target, "utf8");
    const mutated = original.replace(find, () => replace);
    const read = fs.readFileSync;
    fs.readFileSync = function (file, ...rest) {
        if (typeof file === "string" && path.resolve(file) === target) return mutated;
        return read.call(this, file, ...rest);
    };
}
