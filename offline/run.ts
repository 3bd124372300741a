// Runs the estate program in-process under mocks, as `pulumi preview` would run it, and returns
// everything it registered. The mocks and the runtime's settings are process-global, so runs are
// serialised; each run starts from setMocks, which resets the runtime's state (stack resource,
// monitor, pending RPCs: @pulumi/pulumi runtime/settings.ts resetOptions, called by setMockOptions),
// and re-executes the program's own modules. One configuration runs once per process: the same
// options give the same (shared, read-only) Estate.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { CapturingMonitor, type Registration } from "./capture";
import { mocks } from "./mocks";
import { secondRunMocks } from "./secondRun";
import { offlineConfig, root, stackFileConfig } from "./stack";

export interface Estate {
    resources: Registration[];
    /** The stack's outputs, secrets as { secret }. */
    outputs: Record<string, unknown>;
    invokes: { token: string; inputs: unknown }[];
    /** URNs registered twice: always empty in a sound program. */
    duplicates: string[];
}

export interface RunOptions {
    /** Config keys to set ("honeydue:nodes" → value) or remove (undefined). */
    overrides?: Record<string, unknown>;
    /** Added keys that are secret. */
    secretKeys?: string[];
    /** Run as a preview (the default) or as an update. */
    preview?: boolean;
    /** The stack whose Pulumi.<stack>.yaml gives the plain values (default prod). */
    stack?: string;
    /** A second run over this first run's state (offline/secondRun.ts); never shared. */
    after?: Estate;
}

/**
 * @pulumi/pulumi's debuggablePromise (runtime/debuggable.js, 3.276.0) formats a stack trace onto
 * every promise the runtime makes, for one purpose: printing it beside a leaked promise when
 * PULUMI_DEBUG_PROMISE_LEAKS is set (promiseDebugString, read nowhere else). That was a quarter of
 * an offline run's CPU, so here, unless that variable asks for them, it captures no frames. The
 * runtime's modules call it through their module object (debuggable_1.debuggablePromise), so
 * replacing the export reaches every call; errors keep their stacks.
 */
function withoutLeakStacks(): void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (p: Promise<unknown>, ctx?: unknown) => Promise<unknown>; withoutStacks?: true };
    if (debuggable.withoutStacks) return;
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (p, ctx) => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    debuggable.withoutStacks = true;
}
withoutLeakStacks();

/** Every run of this process, by its options: a configuration is loaded once and shared. */
const runs = new Map<string, Promise<Estate>>();
/** The run in progress: the next one waits for it (the runtime has one global state). */
let queue: Promise<unknown> = Promise.resolve();

/** The estate for a configuration; treat it as read-only (deep-copy it to break it). */
export function runEstate(opts: RunOptions = {}): Promise<Estate> {
    // Keyed by the configuration the program would see (an object and its JSON string are one value).
    const stack = opts.stack ?? "prod";
    const key = JSON.stringify([stack, offlineConfig(opts.overrides, opts.secretKeys, stackFileConfig(stack)), opts.preview ?? true]);
    let run = opts.after ? undefined : runs.get(key);
    if (!run) {
        run = queue.then(() => runOnce(opts));
        queue = run.catch(() => undefined);
        if (!opts.after) runs.set(key, run);
    }
    return run;
}

/** The program's own files (not its dependencies): they must run again on the next run. */
const isProgramFile = (file: string) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);

async function runOnce(opts: RunOptions): Promise<Estate> {
    const stack = opts.stack ?? "prod";
    const { config, secretKeys } = offlineConfig(opts.overrides, opts.secretKeys, stackFileConfig(stack));
    const answers = opts.after ? secondRunMocks(mocks, opts.after) : mocks;
    const monitor = new CapturingMonitor(answers);
    await pulumi.runtime.setMocks(answers, "honeydue", stack, opts.preview ?? true);
    pulumi.runtime.setMockOptions(monitor, "honeydue", stack, opts.preview ?? true);
    pulumi.runtime.setAllConfig(config, secretKeys);

    // The program's first step, done here first: a bad configuration stops the run before the
    // stack exists, so no half-started stack rejects its pending outputs after this run returned.
    loadConfig();

    const failures: unknown[] = [];
    const onRejection = (e: unknown) => failures.push(e);
    process.on("unhandledRejection", onRejection);
    const loadedBefore = new Set(Object.keys(require.cache));
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            // require, as @pulumi/pulumi cmd/run/run.ts runProgram loads a CommonJS program (and
            // unlike import() its cache can be cleared for the next run).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require(path.join(root, "index.ts")) as Record<string, unknown>;
            return { ...program };
        });
    } catch (e) {
        failures.unshift(e);
    }
    try {
        await pulumi.runtime.disconnect();
        // A failed program also rejects the stack's pending outputs, a turn later: let them land here.
        await new Promise((resolve) => setImmediate(resolve));
    } finally {
        process.off("unhandledRejection", onRejection);
        // Modules the program loaded for itself are forgotten, so the next run executes them
        // again under its own configuration. Modules loaded before (say config/, imported by
        // the caller for ConfigError) stay: they hold no state of a run.
        for (const file of Object.keys(require.cache)) if (!loadedBefore.has(file) && isProgramFile(file)) delete require.cache[file];
    }
    if (failures.length > 0) throw failures[0];

    const resources = [...monitor.registrations.values()];
    const stackResource = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    return { resources, outputs: stackResource?.outputs ?? {}, invokes: monitor.invokes, duplicates: monitor.duplicates };
}
