// The end-to-end run's control flow, apart from what it runs on: `up`, the checks, a second `up`
// that must change nothing, then always `destroy` and `stack rm`. It takes an Automation API stack,
// so the same flow drives the estate against real clouds (e2e/run.ts) and a small inline program
// against the rehearsal's simulated ones (rehearsal/scenarios/endToEnd.ts), where a forced failure
// shows that a run that breaks midway still destroys everything and still fails.
import type { OpMap, Stack } from "@pulumi/pulumi/automation";

export type Verdict = "ok" | "FAIL" | "skipped";

export interface StepResult {
    step: string;
    verdict: Verdict;
    detail: string;
    ms: number;
}

/** A check between the first `up` and the second: throws with what an operator needs to read. */
export interface Check {
    name: string;
    run(outputs: Record<string, { value: unknown; secret: boolean }>): Promise<string>;
}

export interface Options {
    /** Passed to every up (policy packs and their config, the stack's config file). */
    up?: Parameters<Stack["up"]>[0];
    destroy?: Parameters<Stack["destroy"]>[0];
    /** Options of `stack rm` (e2e/run.ts keeps the checked-in stack file). */
    remove?: Parameters<Stack["workspace"]["removeStack"]>[1];
    checks?: Check[];
    /**
     * Aborted when the operator interrupts the run (e2e/run.ts: SIGINT, SIGTERM). The step under
     * way is left to finish: a terminal's Ctrl-C reaches the CLI too, which cancels its own
     * operation on the first signal and terminates on a second (pulumi/pulumi
     * pkg/backend/cancellation_scope.go), so it is not forwarded. Every later step but the
     * teardown is then a failure, so `destroy` and `stack rm` still run and the run still fails.
     */
    signal?: AbortSignal;
    /** Progress lines (the engine's output stays in the Automation API's onOutput). */
    log?: (line: string) => void;
}

export interface Report {
    ok: boolean;
    steps: StepResult[];
}

/** Changes a summary counts other than `same`: a no-change `up` has none. */
export function changesOf(resourceChanges: OpMap | undefined): Record<string, number> {
    return Object.fromEntries(Object.entries(resourceChanges ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0)) as Record<string, number>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim().split("\n").slice(-12).join("\n");

/**
 * Runs the whole sequence on `stack`. Every step after a failure is skipped except the teardown:
 * `destroy` runs whatever failed before it, and `stack rm` only after a clean destroy (a stack
 * whose destroy failed keeps its state, which is the only list of what is left to delete).
 */
export async function endToEnd(stack: Stack, o: Options = {}): Promise<Report> {
    const steps: StepResult[] = [];
    const log = o.log ?? (() => undefined);
    let failed = false;
    const step = async (name: string, body: () => Promise<string>, always = false): Promise<boolean> => {
        if (failed && !always) {
            steps.push({ step: name, verdict: "skipped", detail: "an earlier step failed", ms: 0 });
            return false;
        }
        if (o.signal?.aborted && !always) {
            failed = true;
            steps.push({ step: name, verdict: "FAIL", detail: "interrupted: the steps up to destroy are skipped", ms: 0 });
            log(`e2e: ${name} not started: interrupted`);
            return false;
        }
        const started = Date.now();
        log(`e2e: ${name} …`);
        try {
            const detail = await body();
            steps.push({ step: name, verdict: "ok", detail, ms: Date.now() - started });
            log(`e2e: ${name} ok (${detail})`);
            return true;
        } catch (e) {
            failed = true;
            steps.push({ step: name, verdict: "FAIL", detail: message(e), ms: Date.now() - started });
            log(`e2e: ${name} FAILED: ${message(e)}`);
            return false;
        }
    };

    await step("up", async () => {
        const r = await stack.up(o.up);
        return `${JSON.stringify(changesOf(r.summary.resourceChanges))}; the smoke checks are part of it`;
    });
    for (const check of o.checks ?? []) await step(check.name, async () => check.run(await stack.outputs()));
    await step("second up changes nothing", async () => {
        // --expect-no-changes makes the CLI itself fail on any change (pkg/cmd/pulumi/operations/up.go);
        // the summary is read as well, so the failure names what changed.
        const r = await stack.up({ ...o.up, expectNoChanges: true });
        const changes = changesOf(r.summary.resourceChanges);
        if (Object.keys(changes).length > 0) throw new Error(`the second up changed ${JSON.stringify(changes)}`);
        return "no changes";
    });
    const destroyed = await step(
        "destroy",
        async () => {
            const r = await stack.destroy(o.destroy);
            return JSON.stringify(changesOf(r.summary.resourceChanges));
        },
        true,
    );
    if (destroyed) await step("stack rm", async () => (await stack.workspace.removeStack(stack.name, o.remove), `stack ${stack.name} removed`), true);
    else steps.push({ step: "stack rm", verdict: "skipped", detail: `destroy failed: stack ${stack.name} is kept, its state lists what is left (pulumi destroy --stack ${stack.name} again, or delete by hand)`, ms: 0 });
    return { ok: steps.every((s) => s.verdict === "ok"), steps };
}

/** The closing table: one line per step. */
export function renderReport(r: Report): string {
    const lines = r.steps.map((s) => `${s.step.padEnd(28)} ${s.verdict.padEnd(8)} ${(s.ms / 1000).toFixed(1).padStart(7)} s  ${s.detail.split("\n")[0]}`);
    return `${lines.join("\n")}\ne2e: ${r.ok ? "passed" : "FAILED"}\n`;
}
