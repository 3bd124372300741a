// What the pack does in its own process, before the PolicyPack constructor starts the gRPC server
// the engine talks to: record which props were secrets (policy/secretness.ts), and refuse a
// configuration that lowers a mandatory policy in a protected stack (policy/configGuard.ts).
// Both reach into @pulumi/policy 1.21.0's internals (pinned in policy/package.json); each fails
// loudly at start if the SDK no longer has the shape it relies on.
import { createRequire } from "node:module";
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { loweredPolicies, protectedStacks, type ConfiguredLevels } from "./configGuard";
import { recordSecretness } from "./secretness";

type Callback = (err: { code: number; details: string } | null | undefined, value?: unknown) => void;
type Call = { request: { getPolicyconfigMap(): { entries(): Iterable<[string, { getEnforcementlevel(): number }]> } } };

/** The stack the engine runs the pack for (the language host sets PULUMI_NODEJS_STACK from ConfigureStack); unknown counts as protected. */
export const currentStack = () => (process.env.PULUMI_NODEJS_STACK || process.env.PULUMI_STACK || protectedStacks[0]).split("/").pop()!;

const changed = "update policy/serve.ts for the new SDK (the pack refuses to start rather than serve without its configuration guard)";
let configureGuarded = false;

/**
 * After `new PolicyPack`: the guard is on. server.js serve() calls addService synchronously from
 * the constructor (policy.js PolicyPack → server_1.serve), so by now the Configure handler must
 * have been wrapped; if the SDK registered it some other way, stop here, before the port is printed.
 */
export function assertGuarded(): void {
    if (!configureGuarded) throw new Error(`honeydue policy pack: the Analyzer's Configure handler was never wrapped; ${changed}`);
}

/**
 * Wraps the Analyzer's Configure handler: @pulumi/policy's server.js registers it with
 * `server.addService(analyzerrpc.AnalyzerService, { …, configure })` on its own @grpc/grpc-js, so
 * the wrapper goes on that module's Server.prototype.addService. A refused configuration answers
 * FAILED_PRECONDITION, which the engine reports as the preview's error (analyzer_plugin.go Configure).
 */
export function guardConfigure(policies: Policies): void {
    const fromPolicy = createRequire(require.resolve("@pulumi/policy/server"));
    const grpc = fromPolicy("@grpc/grpc-js") as { Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } }; status: { FAILED_PRECONDITION: number } };
    const { convertEnforcementLevel } = fromPolicy("./protoutil") as { convertEnforcementLevel(n: number): EnforcementLevel };
    if (typeof grpc.Server?.prototype?.addService !== "function" || typeof convertEnforcementLevel !== "function") {
        throw new Error(`honeydue policy pack: @pulumi/policy's gRPC server has changed; ${changed}`);
    }
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service, impl) {
        const configure = impl?.configure as ((call: Call, callback: Callback) => unknown) | undefined;
        if (typeof configure !== "function") {
            // The Analyzer service defines configure; served without a handler we can wrap, the guard would be silently off.
            if ((service as Record<string, unknown> | undefined)?.configure) throw new Error(`honeydue policy pack: @pulumi/policy registers the Analyzer without a configure handler the pack can guard; ${changed}`);
            return addService.call(this, service, impl);
        }
        configureGuarded = true;
        const guarded = (call: Call, callback: Callback) => {
            const levels: ConfiguredLevels = {};
            for (const [name, cfg] of call.request.getPolicyconfigMap().entries()) levels[name] = convertEnforcementLevel(cfg.getEnforcementlevel());
            const problems = loweredPolicies(policies, levels, currentStack());
            if (problems.length > 0) return callback({ code: grpc.status.FAILED_PRECONDITION, details: `the honeydue policy pack refuses its configuration: ${problems.join("; ")}` });
            return configure(call, callback);
        };
        return addService.call(this, service, { ...impl, configure: guarded });
    };
}

/** Everything the pack's process needs before `new PolicyPack`. */
export function prepare(policies: Policies): void {
    recordSecretness();
    guardConfigure(policies);
}
