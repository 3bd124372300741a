// The mutation run's table (mutation/layers.mjs): the tap runner silently drops a test file name
// that matches nothing, and a layer's new test file left out of its list would never be run against
// the layer's mutants, so the table is held to the files that exist.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

type Layer = { mutate: string[]; testFiles: (string | string[])[] };
let layers: Record<string, Layer>;
let testFilesOf: (folder: string) => string[];
let suiteSource: (members: string[], root?: string) => string;
let processesOf: (folder: string, target?: string) => { file: string; members: string[] }[];
before(async () => {
    // By URL: the table is plain JavaScript, run by `npm run mutate`, with no types to check.
    ({ layers, testFilesOf, suiteSource, processesOf } = (await import(pathToFileURL("mutation/layers.mjs").href)) as {
        layers: Record<string, Layer>;
        testFilesOf: (folder: string) => string[];
        suiteSource: (members: string[], root?: string) => string;
        processesOf: (folder: string, target?: string) => { file: string; members: string[] }[];
    });
});

const testFiles = readdirSync("tests").filter((f) => f.endsWith(".test.ts")).map((f) => `tests/${f}`);

describe("the mutation layers", () => {
    it("are the four folders of the program", () => {
        assert.deepEqual(Object.keys(layers).sort(), ["config", "infra", "policy", "workloads"]);
    });

    it("name only test files that exist, each once", () => {
        for (const name of Object.keys(layers)) {
            const files = testFilesOf(name);
            for (const f of files) assert.ok(existsSync(f), `mutation/layers.mjs: ${name} names ${f}, which is not a file`);
            assert.equal(new Set(files).size, files.length, `mutation/layers.mjs: ${name} names a test file twice`);
        }
    });

    it("lead a file's suite only with that folder's test files, for files that exist", () => {
        for (const [name, layer] of Object.entries(layers) as [string, Layer & { first?: Record<string, string[]> }][]) {
            for (const [source, lead] of Object.entries(layer.first ?? {})) {
                assert.ok(source.startsWith(`${name}/`) && existsSync(source), `mutation/layers.mjs: ${name} puts tests first for ${source}, which is not a file of ${name}/`);
                for (const f of lead) assert.ok(testFilesOf(name).includes(f), `mutation/layers.mjs: ${name} leads ${source}'s suite with ${f}, which is not one of its test files`);
                // The same files run, the leading ones first.
                const members = processesOf(name, source).flatMap((p) => p.members);
                assert.deepEqual([...members].sort(), [...testFilesOf(name)].sort());
                assert.deepEqual(members.slice(0, lead.length), lead);
            }
        }
    });

    it("leave out none of a folder's own test files", () => {
        const family = { config: /^tests\/config[-.]/, policy: /^tests\/policy-/ } as Record<string, RegExp>;
        for (const [name, pattern] of Object.entries(family)) {
            for (const f of testFiles.filter((t) => pattern.test(t))) assert.ok(testFilesOf(name).includes(f), `mutation/layers.mjs: ${name} leaves out ${f}`);
        }
    });

    it("write a suite whose text changes whenever one of its files does, so a re-run re-tests what its tests reach", () => {
        // Stryker's incremental run takes an earlier verdict over while the killing (or covering)
        // test's text is unchanged; a tap test is its whole test file (@stryker-mutator/core
        // dist/src/mutants/incremental-differ.js closeLocations), and a suite is that file.
        const root = mkdtempSync(join(tmpdir(), "suite-"));
        mkdirSync(join(root, "tests"));
        writeFileSync(join(root, "tests/a.test.ts"), 'it("kills", () => assert.ok(f()));\n');
        writeFileSync(join(root, "tests/b.test.ts"), "");
        const before = suiteSource(["tests/a.test.ts", "tests/b.test.ts"], root);
        assert.match(before, /^import "\.\.\/\.\.\/tests\/a\.test";$/m);
        assert.match(before, /^import "\.\.\/\.\.\/tests\/b\.test";$/m);
        assert.equal(suiteSource(["tests/a.test.ts", "tests/b.test.ts"], root), before, "the same files, the same text: nothing re-run for nothing");
        writeFileSync(join(root, "tests/a.test.ts"), 'it("kills", () => {});\n');
        assert.notEqual(suiteSource(["tests/a.test.ts", "tests/b.test.ts"], root), before, "a test of the suite weakened");
    });
});
