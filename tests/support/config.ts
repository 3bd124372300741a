// Loading the configuration in a test: the prod stack with placeholders, plus overrides. loadConfig
// reads only configuration (no resources), so many cases can share one process.
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "../../config";
import { offlineConfig } from "../../offline/stack";

/** The validated configuration for the prod stack with `overrides` (undefined removes a key). */
export function load(overrides: Record<string, unknown> = {}, secretKeys: string[] = []) {
    const { config, secretKeys: secrets } = offlineConfig(overrides, secretKeys);
    pulumi.runtime.setAllConfig(config, secrets);
    return loadConfig();
}

/** Loads, expects a ConfigError (a RunError: no stack trace), and returns its problems. */
export function problems(overrides: Record<string, unknown>, secretKeys: string[] = []): string[] {
    try {
        load(overrides, secretKeys);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
        assert.ok(pulumi.RunError.isInstance(e), "a ConfigError must be a RunError (no stack trace)");
        return e.problems;
    }
    assert.fail("expected the configuration to be rejected");
}

/** Exactly one problem, naming `key` first and matching what is expected. */
export function rejects(overrides: Record<string, unknown>, key: string, expected: RegExp, secretKeys: string[] = []): void {
    const found = problems(overrides, secretKeys);
    assert.equal(found.length, 1, `expected one problem, got:\n${found.join("\n")}`);
    assert.ok(found[0].startsWith(key), `problem should name ${key}: ${found[0]}`);
    assert.match(found[0], expected);
}

/** Runs `fn` with these environment variables set (undefined: unset), and puts them back as they were. */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    const put = (values: Record<string, string | undefined>) => {
        for (const [k, v] of Object.entries(values)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    };
    put(vars);
    try {
        return fn();
    } finally {
        put(saved);
    }
}
