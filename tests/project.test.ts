// The project files agree with the program: Pulumi.yaml declares the keys config/ reads (with the
// right secret flags), and Pulumi.prod.yaml holds only keys the program knows, none of them secret.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { plainKeyNames, secretKeyNames } from "../config";

const root = join(__dirname, "..");
const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string; options: { typescript: boolean } };
    config: Record<string, { type: string; secret?: boolean; description: string }>;
};
const stack = parse(readFileSync(join(root, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };

/** Keys whose values are objects or lists of objects: Pulumi.yaml cannot type them. */
const objectKeys = ["nodes", "routes", "api", "admin", "worker", "migrations", "redis", "traefik", "prices", "appSecrets", "adopt", "etcdRestore"];

describe("Pulumi.yaml", () => {
    it("is the honeydue project on the Node.js runtime with TypeScript", () => {
        assert.equal(project.name, "honeydue");
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
    });

    it("declares every simple key the program reads, with a type and a description", () => {
        const simple = [...plainKeyNames, ...secretKeyNames].filter((k) => !objectKeys.includes(k)).sort();
        assert.deepEqual(Object.keys(project.config).sort(), simple);
        for (const [k, v] of Object.entries(project.config)) {
            assert.ok(["string", "integer", "boolean", "array"].includes(v.type), `${k} has type ${v.type}`);
            assert.ok(v.description.length > 10, `${k} needs a description`);
        }
    });

    it("marks exactly the secret keys as secret", () => {
        const declaredSecret = Object.entries(project.config).filter(([, v]) => v.secret).map(([k]) => k).sort();
        assert.deepEqual(declaredSecret, secretKeyNames.filter((k) => !objectKeys.includes(k)).sort());
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
