// docs/estate.md is drawn from the program: the committed copy must be what the program draws now,
// and the picture must say what the estate is (nodes, hostnames -> nodes, bootstrap, workloads).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { diagram, estateDoc } from "../offline/diagram";
import { evaluate } from "../offline/policies";
import { policyConfigProblems } from "../offline/policyConfig";
import { runEstate, type Estate } from "../offline/run";

let estate: Estate;
before(async () => {
    estate = await runEstate();
});

describe("the diagram of the estate", () => {
    it("is committed in step with the program, compared without rewriting it (`npm run plan -- --write-diagram`, then commit docs/estate.md)", () => {
        const committed = readFileSync(join(__dirname, "..", "docs", "estate.md"), "utf8");
        assert.equal(committed, estateDoc(estate));
    });

    it("tells a stale copy: a program that moves node 2 to a bigger server draws a doc other than the committed one", () => {
        // The comparison above reads the file and renders the program; neither writes it, so the
        // committed copy of a program changed since (here: node 2 on cx43) no longer passes.
        const committed = readFileSync(join(__dirname, "..", "docs", "estate.md"), "utf8");
        const changed = structuredClone(estate);
        const server = changed.resources.find((r) => r.type === "hcloud:index/server:Server" && r.inputs.name === "ubuntu-8gb-nbg1-2") ?? assert.fail("no server ubuntu-8gb-nbg1-2");
        server.inputs.serverType = "cx43";
        const drawn = estateDoc(changed);
        assert.notEqual(committed, drawn);
        const differing = drawn.split("\n").filter((line) => !committed.split("\n").includes(line));
        assert.deepEqual(differing, ['    ubuntu_8gb_nbg1_2["ubuntu-8gb-nbg1-2<br/>cx43 · 10.0.1.12 · hetzner1"]']);
    });

    it("draws the three nodes with their private IPs and ssh aliases", () => {
        const d = diagram(estate);
        assert.match(d, /^flowchart LR$/m);
        assert.match(d, /ubuntu_8gb_nbg1_2\["ubuntu-8gb-nbg1-2<br\/>cx33 · 10\.0\.1\.12 · hetzner1"\]/);
    });

    it("sends every app hostname to every node in rotation", () => {
        const d = diagram(estate);
        for (const host of ["api_myhoneydue_com", "admin_myhoneydue_com", "myhoneydue_com"]) {
            for (const n of [1, 2, 3]) assert.match(d, new RegExp(`^  host_${host} --> ubuntu_8gb_nbg1_${n}$`, "m"));
        }
    });

    it("draws the bootstrap in its order: node 3 joins after node 2", () => {
        const d = diagram(estate);
        assert.match(d, /^ {4}ubuntu_8gb_nbg1_2_ready --> ubuntu_8gb_nbg1_3_k3s$/m);
        assert.match(d, /^ {4}honeydue_join_token --> ubuntu_8gb_nbg1_2_k3s$/m);
    });

    it("draws where workloads run and the migration gate", () => {
        const d = diagram(estate);
        assert.match(d, /^ {2}wl_honeydue_redis -\. pinned \.-> ubuntu_8gb_nbg1_2$/m);
        assert.match(d, /^ {2}wl_honeydue_traefik -\. every node \.-> hetzner$/m);
        assert.match(d, /^ {2}wl_honeydue_migrate_8d9ca2e6ed -- before --> wl_honeydue_api$/m);
        assert.match(d, /^ {2}wl_honeydue_migrate_8d9ca2e6ed -- before --> wl_honeydue_worker$/m);
        assert.doesNotMatch(d, /-- before --> wl_honeydue_admin/);
    });

    it("draws nothing that the estate does not have", () => {
        const d = diagram({ ...estate, resources: estate.resources.filter((r) => r.type.startsWith("hcloud:")) });
        assert.doesNotMatch(d, /subgraph edge|subgraph bootstrap|subgraph workloads/);
    });
});

// The same run serves the policy configurations operators are told to use: the protected file that
// `npm run preview` / `npm run up` always pass, and the README's example, must both pass today's stack.
describe("the policy configurations the documents give", () => {
    const root = join(__dirname, "..");
    it("policy/config.prod.json (what npm run preview/up pass) passes the prod stack", async () => {
        const config = JSON.parse(readFileSync(join(root, "policy", "config.prod.json"), "utf8")) as Record<string, unknown>;
        assert.deepEqual(policyConfigProblems(config), []);
        const report = await evaluate(estate.resources, { config: config as Record<string, any> });
        assert.deepEqual(report.mandatory, []);
    });
    it("the README's example policy config passes the prod stack", async () => {
        const readme = readFileSync(join(root, "README.md"), "utf8");
        const example = /For example `policy\/config\.prod\.json`[^]*?```json\n([^]*?)```/.exec(readme);
        assert.ok(example, "the README shows an example policy config");
        assert.deepEqual(policyConfigProblems(JSON.parse(example[1]) as Record<string, unknown>), []);
        const report = await evaluate(estate.resources, { config: JSON.parse(example[1]) as Record<string, any> });
        assert.deepEqual(report.mandatory.map((v) => v.message ?? v), []);
    });
});
