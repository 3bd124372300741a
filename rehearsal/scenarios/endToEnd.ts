// The end-to-end run's control flow on the real engine (the CLI alone: an Automation API inline
// program runs in this process and the CLI talks to it with --client, so no language host is
// needed: sdk/nodejs/automation/stack.ts up() starts a LanguageServer and passes
// --client=127.0.0.1:<port>). e2e/steps.ts drives a small program on the simulated Hetzner cloud
// four times: all well; `up` failing midway (the network is created, the subnet is refused); a
// check failing after a good `up`; Ctrl-C during `up` (the CLI cancels it: pulumi/pulumi
// pkg/backend/cancellation_scope.go). Each time the cloud must end empty and the stack removed,
// and the broken runs must still fail.
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import * as hcloud from "@pulumi/hcloud";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { endToEnd, type Report } from "../../e2e/steps";
import type { Estate } from "../harness/estate";
import type { Check, Scenario } from "../harness/scenario";

type Mode = "well" | "up fails midway" | "a check fails" | "interrupted";

/** The inline program: a network and its subnet; "up fails midway" aims the subnet at a network that does not exist. */
function program(mode: Mode) {
    return async () => {
        const net = new hcloud.Network("flow-net", { ipRange: "10.9.0.0/16" });
        // "interrupted": the subnet waits, so the operator's Ctrl-C lands while `up` is under way.
        const settle = (id: string): Promise<number> => new Promise((resolve) => setTimeout(() => resolve(Number(id)), mode === "interrupted" ? 5000 : 0));
        const networkId = mode === "up fails midway" ? net.id.apply(() => 999999) : net.id.apply(settle);
        new hcloud.NetworkSubnet("flow-subnet", { networkId, type: "cloud", networkZone: "eu-central", ipRange: "10.9.1.0/24" });
        return { networkId: net.id };
    };
}

/** The simulated cloud's networks now (rehearsal/providers/src/table.ts: { tables: { networks: { id: record } } }). */
const networks = (estate: Estate) => Object.keys(estate.cloud("hcloud")?.tables?.networks ?? {});

async function flow(estate: Estate, mode: Mode): Promise<Report> {
    const stackName = `flow-${mode.replace(/\W+/g, "-")}`;
    const workDir = join(estate.state, "e2e-flow");
    mkdirSync(workDir, { recursive: true });
    mkdirSync(join(estate.state, "backend"), { recursive: true });
    const { pulumiCommand, envVars } = await estate.pulumi.workspaceOptions();
    const stack = await LocalWorkspace.createStack(
        { stackName, projectName: "e2e-flow", program: program(mode) },
        { pulumiCommand, workDir, envVars, projectSettings: { name: "e2e-flow", runtime: "nodejs", backend: { url: envVars.PULUMI_BACKEND_URL } } },
    );
    // "interrupted": a terminal's Ctrl-C reaches the CLI (the Automation API's `signal` sends it
    // SIGINT: automation/cmd.ts exec) and e2e/run.ts (its handler aborts the flow's signal) at once,
    // as soon as the network exists.
    const interrupt = new AbortController();
    let watch: NodeJS.Timeout | undefined;
    if (mode === "interrupted") watch = setInterval(() => networks(estate).length > 0 && interrupt.abort(), 100);
    const report = await endToEnd(stack, {
        up: mode === "interrupted" ? { signal: interrupt.signal } : undefined,
        signal: interrupt.signal,
        checks: [
            {
                name: "the network exists",
                async run(outputs) {
                    const id = String(outputs.networkId?.value);
                    if (!networks(estate).includes(id)) throw new Error(`network ${id} is not in the simulated cloud`);
                    if (mode === "a check fails") throw new Error("forced: the check fails on purpose");
                    return `network ${id}`;
                },
            },
        ],
    });
    clearInterval(watch);
    return report;
}

function verdicts(r: Report): string {
    return r.steps.map((s) => `${s.step}=${s.verdict}`).join(", ");
}

async function expectFlow(estate: Estate, check: Check, mode: Mode, expected: Record<string, string>, ok: boolean, why?: RegExp): Promise<void> {
    const r = await flow(estate, mode);
    const failure = r.steps.find((s) => s.verdict === "FAIL")?.detail ?? "";
    if (why) check.that(why.test(failure), `${mode}: the failed step should say ${why} (${failure})`);
    const got = Object.fromEntries(r.steps.map((s) => [s.step, s.verdict]));
    for (const [step, verdict] of Object.entries(expected)) check.that(got[step] === verdict, `${mode}: ${step} should be ${verdict} (${verdicts(r)}; ${r.steps.find((s) => s.verdict === "FAIL")?.detail ?? ""})`);
    check.that(r.ok === ok, `${mode}: the run should ${ok ? "pass" : "fail"} (${verdicts(r)})`);
    check.that(networks(estate).length === 0, `${mode}: the simulated cloud should be empty afterwards, has networks ${networks(estate).join(", ")}`);
    const left = await estate.pulumi.run(["stack", "ls", "--json", "--cwd", join(estate.state, "e2e-flow")]);
    check.that(!left.stdout.includes(`flow-${mode.replace(/\W+/g, "-")}`), `${mode}: its stack should be removed (${left.stdout.trim()})`);
}

export const endToEndFlow: Scenario = {
    name: "e2e control flow",
    needs: "cli",
    async run(estate, check) {
        await estate.installSimulated(["hcloud"]);
        await expectFlow(estate, check, "well", { up: "ok", "the network exists": "ok", "second up changes nothing": "ok", destroy: "ok", "stack rm": "ok" }, true);
        await expectFlow(estate, check, "up fails midway", { up: "FAIL", "the network exists": "skipped", "second up changes nothing": "skipped", destroy: "ok", "stack rm": "ok" }, false);
        await expectFlow(estate, check, "a check fails", { up: "ok", "the network exists": "FAIL", "second up changes nothing": "skipped", destroy: "ok", "stack rm": "ok" }, false);
        // Ctrl-C during up: the CLI cancels it (the subnet is never created), the rest is not started, and the network is still destroyed.
        await expectFlow(estate, check, "interrupted", { up: "FAIL", "the network exists": "skipped", "second up changes nothing": "skipped", destroy: "ok", "stack rm": "ok" }, false, /cancel/i);
        return [];
    },
};
