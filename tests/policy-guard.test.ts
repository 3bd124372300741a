// The pack's rule about --policy-pack-config (policy/configGuard.ts), on its own: which stacks are
// production, which entries lower a mandatory policy, and what the operator is told. The pack's
// process (policy-pack-server) and the offline runner (policy-runner) both stand on these answers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Policies } from "@pulumi/policy";
import { isProtected, levelsOf, loweredPolicies } from "../policy/configGuard";

const noop = () => undefined;
const pack: Policies = [
    { name: "firm", description: "declared mandatory", enforcementLevel: "mandatory", validateResource: noop },
    { name: "implicit", description: "no level: mandatory by default", validateResource: noop },
    { name: "soft", description: "declared advisory", enforcementLevel: "advisory", validateResource: noop },
];
const lowered = (config: Record<string, unknown>, stack = "prod") => loweredPolicies(pack, levelsOf(config), stack);
const message = (name: string, given: string, stack = "prod") =>
    `${name} is mandatory in the ${stack} stack but the policy pack config sets it ${given}; remove that entry from the --policy-pack-config file (settings may change, the level may not go down)`;

describe("which stacks are production", () => {
    it("prod in any spelling or with a suffix, bare or as org/project/stack", () => {
        for (const stack of ["prod", "Prod", "production", "prod-eu", "acme/honeydue/prod", "acme/honeydue/PRODUCTION"]) assert.equal(isProtected(stack), true, stack);
    });
    it("not a stack that merely contains prod, nor an org or project named prod", () => {
        for (const stack of ["dev", "preprod", "rehearsal", "prod/honeydue/dev", "acme/prod/staging"]) assert.equal(isProtected(stack), false, stack);
    });
});

describe("a configuration that lowers a mandatory policy in prod", () => {
    it("is refused per policy, with the policy, the stack, the level given and what to do", () => {
        assert.deepEqual(lowered({ firm: "advisory" }), [message("firm", "advisory")]);
        assert.deepEqual(lowered({ implicit: "disabled" }), [message("implicit", "disabled")]);
        assert.deepEqual(lowered({ firm: "disabled" }, "acme/honeydue/Prod"), [message("firm", "disabled", "acme/honeydue/Prod")]);
    });
    it("is refused when it lowers everything through all, except where a policy's own entry keeps it", () => {
        assert.deepEqual(lowered({ all: "disabled" }), [message("firm", "disabled"), message("implicit", "disabled")]);
        assert.deepEqual(lowered({ all: "advisory", firm: "mandatory" }), [message("implicit", "advisory")]);
    });
    it("is refused in the object form too ({ enforcementLevel, ...settings })", () => {
        assert.deepEqual(lowered({ firm: { enforcementLevel: "disabled", allowed: ["x"] } }), [message("firm", "disabled")]);
    });
});

describe("a configuration that keeps every mandatory policy", () => {
    it("passes: raising, remediate (as strong as mandatory), settings only, a null entry, nothing at all", () => {
        assert.deepEqual(lowered({ soft: "mandatory", firm: "mandatory" }), []);
        assert.deepEqual(lowered({ firm: "remediate", implicit: { enforcementLevel: "remediate" } }), []);
        assert.deepEqual(lowered({ firm: { allowed: ["x"] }, implicit: null }), []);
        assert.deepEqual(lowered({}), []);
    });
    it("passes an advisory policy turned off: only mandatory ones are guarded", () => assert.deepEqual(lowered({ soft: "disabled" }), []));
    it("passes anything outside production", () => assert.deepEqual(lowered({ all: "disabled" }, "dev"), []));
});

describe("the levels a config file gives", () => {
    it("reads a bare level, an object's enforcementLevel, and nothing from settings-only or null entries", () =>
        assert.deepEqual(levelsOf({ a: "advisory", b: { enforcementLevel: "disabled", x: 1 }, c: { x: 1 }, d: null }), { a: "advisory", b: "disabled", c: undefined, d: undefined }));
});
