// A scenario drives the real CLI and checks three accounts: the engine's (its event log), the
// simulated clouds' (their JSON files) and the test hosts' (their files, over SSH).
import type { Estate } from "./estate";
import type { Operation, Step } from "./pulumi";

export interface Scenario {
    name: string;
    /** "cli": the Pulumi CLI alone is enough; "engine" (default): the language host, the command provider, the simulated clouds and the hosts. */
    needs?: "cli" | "engine";
    /** Runs the scenario; returns the operations whose steps the report line counts. */
    run(estate: Estate, check: Check): Promise<Operation[]>;
}

/** Collects failed expectations instead of stopping at the first, so one run shows them all. */
export class Check {
    readonly failures: string[] = [];

    that(ok: boolean, what: string): boolean {
        if (!ok) this.failures.push(what);
        return ok;
    }

    /** The operation ended as expected; on failure, names the log to read. */
    exit(op: Operation, expected: "ok" | "fail", what: string): boolean {
        const ok = expected === "ok" ? op.code === 0 : op.code !== 0;
        const why = op.errors.length > 0 ? op.errors.slice(0, 3).join(" | ") : (op.stderr || op.stdout).trim().split("\n").slice(-3).join(" | ");
        return this.that(ok, `${what}: exit ${op.code}, expected ${expected === "ok" ? "0" : "non-zero"} (${why}; log ${op.log})`);
    }
}

/** The event sequence at which the resource named `name` started (resourcePreEvent) or finished (resOutputsEvent). */
export function seq(op: Operation, name: string, when: "start" | "end", stepOp?: string): number | undefined {
    const key = when === "start" ? "resourcePreEvent" : "resOutputsEvent";
    const hit = op.events.find((e) => e[key] && urnName(e[key].metadata.urn) === name && (!stepOp || e[key].metadata.op === stepOp));
    return hit?.sequence;
}

/** `a` finished before `b` started; both must have happened. */
export function before(op: Operation, check: Check, a: [string, string?], b: [string, string?]): void {
    const end = seq(op, a[0], "end", a[1]);
    const start = seq(op, b[0], "start", b[1]);
    check.that(end !== undefined && start !== undefined && end < start, `${a[0]}${a[1] ? ` (${a[1]})` : ""} must finish before ${b[0]}${b[1] ? ` (${b[1]})` : ""} starts (end ${end}, start ${start})`);
}

/** The resource's name: the last `::` part of its URN. */
export const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Steps that changed something (not `same`, not a read). */
export const changed = (steps: Step[]) => steps.filter((s) => !["same", "read", "refresh"].includes(s.op));
