// Runs the estate program in-process under mocks, as `pulumi preview` would run it, and returns
// everything it registered. Mocks are process-global: one run per process (per test file).
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CapturingMonitor, type Registration } from "./capture";
import { mocks } from "./mocks";
// Layer mock answers register into ./mocks once it has fully loaded (an import at the bottom of
// mocks.ts is hoisted above its tables and fails).
import "./mocks-workloads";
import { offlineConfig, root } from "./stack";

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
}

let ran = false;

export async function runEstate(opts: RunOptions = {}): Promise<Estate> {
    if (ran) throw new Error("runEstate: mocks are process-global; run the estate once per process (one test file each)");
    ran = true;
    const { config, secretKeys } = offlineConfig(opts.overrides, opts.secretKeys);
    const monitor = new CapturingMonitor(mocks);
    await pulumi.runtime.setMocks(mocks, "honeydue", "prod", opts.preview ?? true);
    pulumi.runtime.setMockOptions(monitor, "honeydue", "prod", opts.preview ?? true);
    pulumi.runtime.setAllConfig(config, secretKeys);

    const failures: unknown[] = [];
    const onRejection = (e: unknown) => failures.push(e);
    process.on("unhandledRejection", onRejection);
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            const program = await import(path.join(root, "index.ts"));
            return { ...program };
        });
        await pulumi.runtime.disconnect();
    } finally {
        process.off("unhandledRejection", onRejection);
    }
    if (failures.length > 0) throw failures[0];

    const resources = [...monitor.registrations.values()];
    const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    return { resources, outputs: stack?.outputs ?? {}, invokes: monitor.invokes, duplicates: monitor.duplicates };
}
