// The documents point at files that exist: every relative link in the README and docs/ resolves.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";

const root = join(__dirname, "..");

function markdownFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
    );
}

describe("documentation links", () => {
    const files = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))];
    for (const file of files) {
        it(`${file.slice(root.length + 1)} links only to files that exist`, () => {
            const links = [...readFileSync(file, "utf8").matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
            for (const link of links) assert.ok(existsSync(join(dirname(file), link)), `${link} does not exist`);
        });
    }

    it("the runbook lists every page in docs/runbook", () => {
        const index = readFileSync(join(root, "docs", "runbook", "README.md"), "utf8");
        for (const page of readdirSync(join(root, "docs", "runbook")).filter((f) => f !== "README.md")) assert.ok(index.includes(`(${page})`), page);
    });
});
