// The body of a group process (tests/support/unit.js writes one small file per group that calls
// this): it loads each member test file inside a describe named by its path, so
//  - the member's tests run after the previous member's, in one process (node:test runs a
//    suite's children one after the other), and share what is process-wide: the SDKs loaded once,
//    and runEstate's one run per configuration (offline/run.ts);
//  - the member's top-level before/after/beforeEach hooks attach to that describe, so they apply
//    to its own tests only, as they did when the file was a process of its own;
//  - the member's tests, and a failure at its load, are reported under its path.
// What a member must not do is change process-wide state when it is loaded (at its top level):
// that would run before the earlier members' tests. tests/support/groups.js says more.
/* global require, module, process */
/* eslint-disable @typescript-eslint/no-require-imports */
const path = require("node:path");
const { describe } = require("node:test");

/** Registers the member files (absolute paths), each as one suite named by its path from the root. */
module.exports = function group(files) {
    for (const file of files) {
        describe(path.relative(process.cwd(), file), () => {
            require(file);
        });
    }
};
