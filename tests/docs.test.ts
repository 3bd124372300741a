// The documents point at files that exist, and what they tell an operator to type works: every
// shell block parses, every config key they name is one the program reads, every deploy goes
// through the scripts that pass the policy pack, and the traps an operator fell into stay closed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { plainKeyNames, secretKeyNames } from "../config";
import { providerKeys } from "../config/secrets";

const root = join(__dirname, "..");

function markdownFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
    );
}

/** The README and the runbook: what an operator reads top to bottom. */
const operatorDocs = [join(root, "README.md"), ...markdownFiles(join(root, "docs", "runbook"))];
const rel = (f: string) => f.slice(root.length + 1);
const text = (f: string) => readFileSync(f, "utf8");

/** Every fenced sh/bash block, with the line it starts on. */
function shellBlocks(file: string): { line: number; code: string }[] {
    return [...text(file).matchAll(/^( *)```(?:sh|bash|shell)\n([^]*?)^\1```/gm)].map((m) => ({
        line: text(file).slice(0, m.index).split("\n").length,
        code: m[2].replace(new RegExp(`^${m[1]}`, "gm"), ""),
    }));
}

/** Inline code spans outside fenced blocks. */
function inlineCode(file: string): string[] {
    return [...text(file).replace(/^( *)```[^]*?^\1```/gm, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
}

describe("documentation links", () => {
    const files = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))];
    for (const file of files) {
        it(`${rel(file)} links only to files that exist`, () => {
            const links = [...text(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
            for (const link of links) assert.ok(existsSync(join(dirname(file), link)), `${link} does not exist`);
        });
    }

    it("the runbook lists every page in docs/runbook", () => {
        const index = text(join(root, "docs", "runbook", "README.md"));
        for (const page of readdirSync(join(root, "docs", "runbook")).filter((f) => f !== "README.md")) assert.ok(index.includes(`(${page})`), page);
    });

    it("cites no file the reader cannot open (DESIGN.md is not in the repository)", () => {
        for (const file of [...operatorDocs, join(root, "docs", "estate.md")]) assert.doesNotMatch(text(file), /DESIGN\.md/, rel(file));
    });
});

describe("the commands in the README and the runbook", () => {
    for (const file of operatorDocs) {
        it(`${rel(file)}: every shell block parses (bash -n), placeholders like <gitea user> taken as words`, () => {
            for (const block of shellBlocks(file)) {
                const code = block.code.replace(/<[A-Za-z0-9][^<>\n]*>/g, "PLACEHOLDER");
                const r = spawnSync("bash", ["-n"], { input: code, encoding: "utf8" });
                assert.equal(r.status, 0, `${rel(file)}:${block.line}: ${r.stderr}\n${code}`);
            }
        });
    }

    it("name only config keys the program (or its providers) read", () => {
        const known = new Set([...plainKeyNames, ...secretKeyNames]);
        for (const file of operatorDocs) {
            // honeydue:<key>, not a type token such as honeydue:infra:Nodes
            for (const m of text(file).matchAll(/\bhoneydue:([A-Za-z0-9]+)(?![A-Za-z0-9]*[:$])/g)) assert.ok(known.has(m[1]), `${rel(file)} names honeydue:${m[1]}, which is not a key`);
            for (const m of text(file).matchAll(/\b(hcloud|cloudflare):([A-Za-z0-9]+)\b(?![/:])/g)) assert.ok(providerKeys[m[1]].includes(m[2]), `${rel(file)} names ${m[1]}:${m[2]}, which the provider does not read`);
        }
    });

    it("deploy through npm run preview/up, which always pass the pack, the stack and the protected policy config", () => {
        const scripts = (JSON.parse(text(join(root, "package.json"))) as { scripts: Record<string, string> }).scripts;
        for (const name of ["preview", "up"]) {
            assert.match(scripts[name], new RegExp(`^pulumi ${name} `));
            for (const flag of ["--stack prod", "--policy-pack policy", "--policy-pack-config policy/config.prod.json"]) assert.ok(scripts[name].includes(flag), `${name}: ${flag}`);
        }
        assert.ok(existsSync(join(root, "policy", "config.prod.json")));
        for (const file of operatorDocs) {
            for (const block of shellBlocks(file)) assert.doesNotMatch(block.code, /^\s*pulumi (up|preview)\b/m, `${rel(file)}:${block.line} runs a bare pulumi up/preview`);
            for (const code of inlineCode(file)) {
                if (/^pulumi (up|preview)\b/.test(code)) assert.ok(code === "pulumi up" || code === "pulumi preview" || code.includes("--policy-pack policy"), `${rel(file)}: \`${code}\``);
            }
        }
    });

    it("run no bare pulumi up/preview anywhere on a line (after &&, ;, |, a subshell, an env assignment or npx)", () => {
        for (const file of operatorDocs) {
            for (const block of shellBlocks(file)) {
                for (const line of block.code.split("\n").map((l) => l.replace(/(^|\s)#.*$/, ""))) {
                    assert.doesNotMatch(line, /(^|[;&|(]|\$\()\s*(\w+=\S*\s+)*(npx\s+)?pulumi (up|preview)\b/, `${rel(file)}:${block.line}: ${line}`);
                }
            }
        }
    });

    it("read every secret that config set stores from stdin, never from the command line (shell history)", () => {
        for (const file of operatorDocs) {
            const lines = [...shellBlocks(file).flatMap((b) => b.code.split("\n")), ...inlineCode(file)].map((l) => l.replace(/(^|\s)#.*$/, ""));
            for (const line of lines) {
                const m = /pulumi config set\s+(?:--\S+\s+)*--secret(?:\s+--\S+)*\s+('[^']+'|[\w:.[\]"-]+)(.*)$/.exec(line);
                if (m) assert.match(m[2], /^\s*(<\s*[^<>\s]+\s*)?$/, `${rel(file)}: ${line.trim()} puts the secret on the command line; read it from a file (< file) or a pipe (a <placeholder> is a value typed on the command line)`);
            }
        }
    });

    it("put adoption before any deploy, and make a new estate something asked for on purpose", () => {
        const readme = text(join(root, "README.md"));
        const deploying = readme.slice(readme.indexOf("## Deploying for real"));
        const firstBlock = deploying.indexOf("```sh");
        assert.ok(deploying.indexOf("(#adopting-the-running-estate)") < firstBlock, "the adoption link comes before the first command");
        assert.ok(deploying.indexOf("honeydue:newEstate true") < firstBlock, "a new estate is asked for on purpose");
        assert.match(readme, /### 0\. SSH access to every node[^]*authorized_keys[^]*IdentitiesOnly=yes/);
    });

    it("set up state and secrets for the whole session, and commit what config set writes", () => {
        const readme = text(join(root, "README.md"));
        assert.match(readme, /^export AWS_ACCESS_KEY_ID=/m);
        assert.match(readme, /^export PULUMI_CONFIG_PASSPHRASE_FILE=/m);
        assert.match(readme, /--secrets-provider passphrase/);
        assert.match(readme, /encryptionsalt/);
        assert.match(readme, /git add Pulumi\.prod\.yaml/);
    });

    it("never overwrite a shared list by index, never append to ~/.ssh/config, ask curl for the family, and create directories first", () => {
        for (const file of operatorDocs) {
            const code = [...shellBlocks(file).map((b) => b.code), ...inlineCode(file)];
            for (const c of code) {
                assert.doesNotMatch(c, /'honeydue:(adminCidrs|outOfRotation)\[\d+\]'/, `${rel(file)}: ${c}`);
                assert.doesNotMatch(c, />>\s*~\/\.ssh\/config\b/, `${rel(file)}: ${c}`);
                if (/curl[^\n]*ifconfig\.me/.test(c)) assert.match(c, /curl -[46]/, `${rel(file)}: ${c}`);
                for (const dir of ["~/.kube", "~/.ssh/config.d"]) {
                    if (new RegExp(`> ?${dir.replace(/[.]/g, "\\.")}/`).test(c)) assert.ok(c.includes(`mkdir -p ${dir}`), `${rel(file)}: writes into ${dir} without mkdir -p`);
                }
            }
            assert.doesNotMatch(text(file), /ssh <node/, `${rel(file)}: name the node (ssh ubuntu-8gb-nbg1-1), not <node 1>`);
        }
    });

    it("list every stack output", () => {
        const outputs = [...text(join(root, "index.ts")).matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
        assert.ok(outputs.length >= 7);
        const readme = text(join(root, "README.md"));
        for (const o of outputs) assert.match(readme, new RegExp(`^\\| \`${o}\` \\|`, "m"), `README's outputs table lacks ${o}`);
    });

    it("warn that Redis's data is on one node's disk before a replacement, and lift protection first", () => {
        const page = text(join(root, "docs", "runbook", "replace-node.md"));
        assert.ok(page.indexOf("Redis's data is on one node's disk") < page.indexOf("Steps, for"));
        assert.match(page, /## Moving Redis's data/);
        assert.ok(page.indexOf("honeydue:protect false") < page.indexOf("npm run up -- --replace"));
    });

    it("send 'expect exactly' to a real preview, never to the offline plan", () => {
        for (const file of operatorDocs) {
            for (const item of text(file).split(/\n(?=\d+\. )/)) {
                if (/Expect exactly/.test(item)) assert.doesNotMatch(item, /\(or `npm run plan`/, `${rel(file)}: ${item.slice(0, 80)}`);
            }
        }
    });

    it("say that apiHostname needs dnsOnlyNames", () => assert.match(text(join(root, "README.md")), /\| `apiHostname` \|[^\n]*dnsOnlyNames/));
});
