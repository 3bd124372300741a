// The project files agree with the program: Pulumi.yaml declares the keys config/ reads (with the
// right secret flags), and Pulumi.prod.yaml holds only keys the program knows, none of them secret.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { keySchemas, plainKeyNames, secretKeyNames } from "../config";

const root = join(__dirname, "..");
const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
    config: Record<string, { type: string; secret?: boolean; description: string; default?: unknown }>;
};
const stack = parse(readFileSync(join(root, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };

/** Keys whose values are objects or lists of objects: Pulumi.yaml cannot type them. */
const objectKeys = ["nodes", "routes", "api", "admin", "worker", "migrations", "redis", "traefik", "prices", "appSecrets", "adopt", "etcdRestore", "hostKeys"];

describe("Pulumi.yaml", () => {
    it("is the honeydue project on the Node.js runtime, its TypeScript loaded by sucrase (a dependency), not type-checked at run time", () => {
        assert.equal(project.name, "honeydue");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: false, nodeargs: "--require sucrase/register/ts" } });
        // `pulumi up` runs with the production dependencies only when so installed: the loader must be one.
        const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        assert.ok("sucrase" in pkg.dependencies, "sucrase is in dependencies");
    });

    // The CLI refuses to run when a declared key without a default is missing from the stack, so:
    // required keys are declared without a default, defaulted keys with the code's default, and
    // optional keys without a default are not declared at all.
    const simple = [...plainKeyNames, ...secretKeyNames].filter((k) => !objectKeys.includes(k));
    const unset = (k: string) => keySchemas[k].safeParse(undefined);

    it("declares every required key without a default", () => {
        const required = simple.filter((k) => !unset(k).success).sort();
        assert.deepEqual(required, ["adminCidrs", "b2ApplicationKey", "b2KeyId", "databaseUrl", "k3sBinarySha256", "k3sInstallerSha256", "registryPassword", "registryUsername", "smtpPassword", "smtpUsername", "sshPrivateKey", "sshPublicKey"]);
        for (const k of required) {
            assert.ok(k in project.config, `${k} is required but not declared`);
            assert.equal(project.config[k].default, undefined, `${k} is required: a default would hide a missing value`);
        }
    });

    it("declares every defaulted key with the same default as the code", () => {
        for (const k of simple) {
            const r = unset(k);
            if (!r.success || r.data === undefined) continue;
            assert.ok(k in project.config, `${k} has a default in code but is not declared`);
            assert.deepEqual(project.config[k].default, r.data, `${k}: Pulumi.yaml and config/ disagree on the default`);
        }
    });

    it("does not declare the optional keys without a default (the CLI would require them)", () => {
        const optional = simple.filter((k) => unset(k).success && unset(k).data === undefined).sort();
        assert.deepEqual(optional, ["apiHostname", "etcdB2ApplicationKey", "etcdB2KeyId", "k3sToken", "redisBackupB2ApplicationKey", "redisBackupB2KeyId", "zoneId"]);
        for (const k of optional) assert.ok(!(k in project.config), `${k} is optional: declaring it without a default makes the CLI require it`);
    });

    it("declares only keys the program reads, each with a type and a description", () => {
        for (const [k, v] of Object.entries(project.config)) {
            assert.ok(simple.includes(k), `${k} is not a simple key of the program`);
            assert.ok(["string", "integer", "boolean", "array"].includes(v.type), `${k} has type ${v.type}`);
            assert.ok(v.description.length > 10, `${k} needs a description`);
        }
    });

    it("marks exactly the secret keys as secret", () => {
        const declaredSecret = Object.entries(project.config).filter(([, v]) => v.secret).map(([k]) => k).sort();
        assert.deepEqual(declaredSecret, secretKeyNames.filter((k) => k in project.config).sort());
        assert.deepEqual(declaredSecret, ["b2ApplicationKey", "databaseUrl", "registryPassword", "smtpPassword", "sshPrivateKey"]);
    });
});

describe("Pulumi.prod.yaml", () => {
    it("sets only keys the program reads and no secret", () => {
        for (const key of Object.keys(stack.config)) {
            const [ns, name] = key.split(":");
            assert.equal(ns, "honeydue", key);
            assert.ok(plainKeyNames.includes(name), `${key} is not a plain key of the program`);
        }
    });
});
