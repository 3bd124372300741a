// Defects found reviewing issue 11 as a new operator: a real secret typed into `npm run plan --set`
// (shell history, and echoed in the header), a broken Pulumi.prod.yaml exiting 3 instead of 2,
// a secret committed in plain text to the stack file that the plan hid behind its placeholder,
// and provider credentials (hcloud:token, cloudflare:apiToken …) accepted in plain text.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "../config";
import { parsePlanArgs } from "../offline/plan";
import { offlineConfig, stackFileConfig } from "../offline/stack";

/** The problems loadConfig reports for a configuration whose secret keys are exactly `secretKeys`. */
function problemsOf(config: Record<string, string>, secretKeys: string[]): string[] {
    pulumi.runtime.setAllConfig(config, secretKeys);
    try {
        loadConfig();
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
    }
    return [];
}

describe("the plan never takes a real secret on its command line", () => {
    it("refuses --set for a secret key, without repeating the value, and points to --secret", () => {
        for (const key of ["honeydue:databaseUrl", "databaseUrl", "hcloud:token", "cloudflare:apiToken", "honeydue:appSecrets", "honeydue:k3sToken"]) {
            assert.throws(
                () => parsePlanArgs(["--set", `${key}=postgresql://u:hunter2pw@host/db`]),
                (e: Error) => /is a secret/.test(e.message) && /--secret/.test(e.message) && !e.message.includes("hunter2pw"),
                key,
            );
        }
    });
    it("still takes --set for a plain key", () => assert.equal(parsePlanArgs(["--set", "serverType=cx43"]).overrides["honeydue:serverType"], "cx43"));
});

describe("a broken stack file is a configuration error (exit 2), not a failed plan (exit 3)", () => {
    it("duplicate keys in Pulumi.<stack>.yaml raise a ConfigError naming the file", () => {
        const dir = mkdtempSync(join(tmpdir(), "stackfile-"));
        writeFileSync(join(dir, "Pulumi.prod.yaml"), "config:\n  honeydue:zone: a.com\n  honeydue:zone: b.com\n");
        assert.throws(() => stackFileConfig("prod", dir), (e: Error) => e instanceof ConfigError && /Pulumi\.prod\.yaml/.test(e.message) && /unique/.test(e.message));
    });
});

describe("a secret in plain text is refused, offline too", () => {
    it("a secret key written in plain text in the stack file stays plain in the plan, and is refused", () => {
        const file = { ...stackFileConfig(), "honeydue:smtpPassword": "plain-text-password" };
        const { config, secretKeys } = offlineConfig({}, [], file);
        assert.equal(config["honeydue:smtpPassword"], "plain-text-password");
        assert.ok(!secretKeys.includes("honeydue:smtpPassword"));
        assert.ok(problemsOf(config, secretKeys).some((p) => /^honeydue:smtpPassword is stored in plain text/.test(p)));
    });
    it("provider credentials in plain text are refused; as secrets they pass", () => {
        const { config, secretKeys } = offlineConfig({ "cloudflare:apiKey": "plain-global-key" }, ["cloudflare:apiKey"]);
        assert.deepEqual(problemsOf(config, secretKeys), [], "every placeholder and the extra key as secrets: no problem");
        const plain = secretKeys.filter((k) => !["hcloud:token", "cloudflare:apiToken", "cloudflare:apiKey"].includes(k));
        const found = problemsOf({ ...config, "cloudflare:apiKey": "plain-global-key" }, plain);
        for (const key of ["hcloud:token", "cloudflare:apiToken", "cloudflare:apiKey"]) assert.ok(found.some((p) => p.startsWith(`${key} is stored in plain text`)), `${key}: ${found.join("\n")}`);
        assert.ok(!found.join("\n").includes("plain-global-key"), "the value is never repeated");
    });
});
