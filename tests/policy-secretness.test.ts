// Which props were secrets (policy/secretness.ts): the k3s and leak policies pass a value only
// because it was a secret, so a wrong answer here is a leak that passes. Pure functions, no pack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { isSecretAt, isSecretHere, markSecrets, recordSecretness, secretnessKnown, secretPaths } from "../policy/secretness";

const wire = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
const unwrapWire = (v: unknown) => {
    const o = v as Record<string, unknown> | null;
    return o && typeof o === "object" && o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? (o.value ?? null) : undefined;
};

describe("the secrets in a value as the engine sends it", () => {
    it("are found at every depth, in arrays and objects, and the whole value when it is one", () => {
        const value = { create: "k3s", triggers: ["v1", wire("K10x")], environment: { B2: wire("key"), PLAIN: "p" }, stdin: wire({ a: 1 }) };
        assert.deepEqual(secretPaths(value, unwrapWire), [["triggers", 1], ["environment", "B2"], ["stdin"]]);
        assert.deepEqual(secretPaths(wire(["a"]), unwrapWire), [[]]);
        assert.deepEqual(secretPaths({ a: "plain", b: [1, null] }, unwrapWire), []);
        assert.deepEqual(secretPaths(wire(null), unwrapWire), [[]], "a secret null is still a secret");
    });
});

describe("asking whether a prop was secret", () => {
    const props = { triggers: ["v1", "K10x"], environment: { B2: "key", PLAIN: "p" }, stdin: { a: 1 } };
    markSecrets(props, [["triggers", 1], ["environment", "B2"], ["stdin"]]);

    it("at a path: the value itself or anything holding it", () => {
        assert.equal(isSecretAt(props, ["triggers", 1]), true);
        assert.equal(isSecretAt(props, ["environment", "B2"]), true);
        assert.equal(isSecretAt(props, ["stdin", "a"]), true, "inside a secret object");
        assert.equal(isSecretAt(props, ["triggers", 0]), false);
        assert.equal(isSecretAt(props, ["environment", "PLAIN"]), false);
        assert.equal(isSecretAt(props, ["triggers"]), false, "the array holds a secret but is not one");
        assert.equal(isSecretAt(props, ["environment", "B"]), false);
    });
    it("exactly here: only the value recorded, not what is inside it", () => {
        assert.equal(isSecretHere(props, ["stdin"]), true);
        assert.equal(isSecretHere(props, ["stdin", "a"]), false);
        assert.equal(isSecretHere(props, ["triggers", 0]), false);
    });
    it("a whole secret props object: every path in it", () => {
        const whole = { triggers: ["x"] };
        markSecrets(whole, [[]]);
        assert.equal(isSecretAt(whole, ["triggers", 0]), true);
        assert.equal(isSecretHere(whole, []), true);
    });
    it("props never recorded: secret-ness unknown, nothing counted secret", () => {
        const unknown = { triggers: ["K10x"] };
        assert.equal(secretnessKnown(unknown), false);
        assert.equal(isSecretAt(unknown, ["triggers", 0]), false);
        assert.equal(isSecretHere(unknown, ["triggers", 0]), false);
        assert.equal(secretnessKnown(props), true);
        const none = {};
        markSecrets(none, []);
        assert.equal(secretnessKnown(none), true, "recorded with no secret is known");
    });
    it("through @pulumi/policy's unknown-checking proxy: the answers of the object behind it", () => {
        const target = { triggers: ["K10x"] };
        markSecrets(target, [["triggers", 0]]);
        const proxy = { __isSpecialProxy: true, __getSpecialProxyTarget: target };
        assert.equal(isSecretAt(proxy, ["triggers", 0]), true);
        assert.equal(secretnessKnown(proxy), true);
        const lookalike = { __isSpecialProxy: "yes", __getSpecialProxyTarget: target };
        assert.equal(secretnessKnown(lookalike), false, "only a real proxy marker");
        const other = { triggers: ["y"] };
        markSecrets({ __isSpecialProxy: true, __getSpecialProxyTarget: other }, [["triggers", 0]]);
        assert.equal(isSecretAt(other, ["triggers", 0]), true, "recorded through the proxy, on the object behind it");
    });
});

// In the pack's process: @pulumi/policy's deserializeProperties, wrapped, records the secrets of
// every props object it builds (the engine's Struct, as the Analyzer receives it).
describe("recording secret-ness in the pack's process", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("@pulumi/policy/deserialize") as { deserializeProperties: (s: unknown, proxySecrets: boolean) => Record<string, any> };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(o: unknown): unknown } };

    it("refuses to start, saying what to update, when @pulumi/policy no longer has the function it wraps", () => {
        const original = mod.deserializeProperties;
        mod.deserializeProperties = undefined as unknown as typeof original;
        try {
            assert.throws(() => recordSecretness(), /^Error: honeydue policy pack: @pulumi\/policy no longer exports deserializeProperties; update policy\/secretness\.ts for the new SDK$/);
        } finally {
            mod.deserializeProperties = original;
        }
    });

    it("marks the secrets of the props it builds, once installed however often it is asked", () => {
        recordSecretness();
        const wrapped = mod.deserializeProperties;
        recordSecretness();
        assert.equal(mod.deserializeProperties, wrapped, "wrapped once");
        const struct = Struct.fromJavaScript({ create: "k3s", triggers: ["v1", wire("K10x")], environment: { B2: wire("") }, labels: { a: "b" }, note: null });
        const props = mod.deserializeProperties(struct, false);
        assert.deepEqual(props.triggers, ["v1", "K10x"], "the policies still get bare values");
        assert.equal(isSecretAt(props, ["triggers", 1]), true);
        assert.equal(isSecretAt(props, ["environment", "B2"]), true, "an empty secret is a secret");
        assert.equal(isSecretAt(props, ["triggers", 0]), false);
        assert.equal(isSecretAt(props, ["labels"]), false, "a plain object is not a secret");
        assert.equal(isSecretAt(props, ["create"]), false);
        assert.equal(isSecretAt(props, ["note"]), false, "a null is neither a secret nor a crash");
    });
});
