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
import { coversEverything, isRfc1918, quantityValue } from "../config/fields";
import { parsePlanArgs } from "../offline/plan";
import { offlineConfig, placeholderSecrets, stackFileConfig } from "../offline/stack";
import { load, problems, rejects } from "./support/config";

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
    it("hcloud:token and cloudflare:apiToken alone in plain text: one line each, naming the key", () => {
        const { config, secretKeys } = offlineConfig();
        const found = problemsOf(config, secretKeys.filter((k) => k !== "hcloud:token" && k !== "cloudflare:apiToken"));
        assert.deepEqual(found.map((p) => p.split(" ")[0]), ["hcloud:token", "cloudflare:apiToken"]);
        for (const p of found) assert.match(p, /is stored in plain text; expected a secret \(set it again with `pulumi config set --secret (hcloud:token|cloudflare:apiToken)`/);
    });
    it("a stack where no secret key is marked secret is refused in one line naming them; one marked secret is enough to list the others", () => {
        const { config } = offlineConfig();
        const none = problemsOf(config, []);
        assert.equal(none.length, 1, none.join("\n"));
        assert.match(none[0], /^none of the secret keys is marked secret \(honeydue:sshPrivateKey, .*hcloud:token, cloudflare:apiToken are all in plain text in Pulumi\.<stack>\.yaml\); expected each set with `pulumi config set --secret <key>`/);
        for (const value of Object.values(placeholderSecrets)) assert.ok(!none[0].includes(value), "no value repeated");
        assert.equal(problemsOf(config, ["honeydue:databaseUrl"]).length, Object.keys(placeholderSecrets).length - 1, "each other key on its own line");
    });
});

// Mutants of the configuration checks that no test caught (review of #11).
describe("checks a mutant got past", () => {
    it("RFC 1918 is 172.16.0.0/12 exactly: 172.15.x and 172.32.x are public", () => {
        assert.ok(isRfc1918("172.31.0.0/16"));
        assert.ok(!isRfc1918("172.32.0.0/16"));
        assert.ok(!isRfc1918("172.15.0.0/16"));
        assert.ok(!isRfc1918("11.0.0.0/16"));
        assert.ok(!isRfc1918("192.169.0.0/16"));
    });
    it("sources that leave out a single address do not cover the internet", () => {
        // 0.0.0.0/1, then 128.0.0.1 onwards in power-of-two blocks: everything except 128.0.0.0.
        const rest = Array.from({ length: 31 }, (_, i) => `${ipv4Of(2 ** 31 + 2 ** i)}/${32 - i}`);
        assert.ok(!coversEverything(["0.0.0.0/1", ...rest], "ipv4"));
        assert.ok(coversEverything(["0.0.0.0/1", ...rest, "128.0.0.0/32"], "ipv4"));
    });
    it("binary suffixes are case-sensitive (1gi is not a quantity)", () => {
        assert.match(problems({ "honeydue:api": { memory: "1gi" } }).join("\n"), /honeydue:api\.memory \(got 1gi\): expected a Kubernetes quantity/);
        assert.ok(Number.isNaN(quantityValue("1gi")));
    });
    it("an app listed as unrouted yet routed is refused", () =>
        rejects({ "honeydue:unroutedApps": ["api"] }, "honeydue:unroutedApps", /lists api, yet honeydue:routes routes a hostname to it/));
});

function ipv4Of(n: number): string {
    return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

describe("the stack file is read as the Pulumi CLI reads it", () => {
    it("a key without a namespace is the project's (serverType: cx43 is honeydue:serverType)", () => {
        const dir = mkdtempSync(join(tmpdir(), "stackfile-"));
        writeFileSync(join(dir, "Pulumi.prod.yaml"), "config:\n  serverType: cx43\n  hcloud:token: x\n  honeydue:zone: myhoneydue.com\n");
        assert.deepEqual(stackFileConfig("prod", dir), { "honeydue:serverType": "cx43", "hcloud:token": "x", "honeydue:zone": "myhoneydue.com" });
    });
});

describe("what a configuration fuzz found accepted wrongly or unclearly", () => {
    it("--secret for a plain key is a usage error naming it, not a confusing type error", () =>
        assert.throws(() => parsePlanArgs(["--secret", "honeydue:adminCidrs"]), /honeydue:adminCidrs is not a secret key; give it with --set/));
    it("--secret still takes every secret key, the providers' credentials included", () => {
        for (const k of ["honeydue:k3sToken", "k3sToken", "hcloud:token", "cloudflare:apiKey"]) assert.ok(parsePlanArgs(["--secret", k]).secretKeys.length === 1, k);
    });
    it("a memory size in thousandths of a byte (100m) is refused with the likely meaning", () => {
        for (const field of ["memory", "memoryLimit"]) assert.match(problems({ "honeydue:api": { [field]: "100m" } }).join("\n"), new RegExp(`honeydue:api\\.${field} \\(got 100m\\): .*fraction of a byte.*did you mean 100Mi`));
        assert.match(problems({ "honeydue:redis": { storage: "5m" } }).join("\n"), /honeydue:redis\.storage \(got 5m\)/);
        assert.equal(load({ "honeydue:api": { cpu: "100m" } }).api.cpu, "100m", "millicores stay right for CPU");
    });
});

describe("values that parse but cannot work", () => {
    it("an SSH public key whose body is not a key of its type is refused", () => {
        rejects({ "honeydue:sshPublicKey": "ssh-rsa AAAA" }, "honeydue:sshPublicKey", /the key data is not an ssh-rsa key/);
        const ed = stackKey("ssh-ed25519");
        rejects({ "honeydue:sshPublicKey": `ssh-rsa ${ed} me@host` }, "honeydue:sshPublicKey", /the key data is not an ssh-rsa key/);
        assert.equal(load({ "honeydue:sshPublicKey": `ssh-ed25519 ${ed} me@host` }).sshPublicKey, `ssh-ed25519 ${ed} me@host`);
    });
    it("an IPv4-mapped IPv6 admin address is refused: IPv4 traffic never matches it", () =>
        rejects({ "honeydue:adminCidrs": ["::ffff:198.51.100.7/128"] }, "honeydue:adminCidrs", /::ffff:198\.51\.100\.7\/128 is an IPv4 address written as IPv6; expected 198\.51\.100\.7\/32/));
});

/** A well-formed OpenSSH public key blob of a type: string type, then the key's bytes. */
function stackKey(type: string): string {
    const t = Buffer.from(type);
    const len = (n: number) => Buffer.from([0, 0, 0, n]);
    return Buffer.concat([len(t.length), t, len(32), Buffer.alloc(32, 7)]).toString("base64");
}
