// `npm run e2e`: a throwaway copy of the estate, built for real and torn down again. It creates
// the stack `e2e` from the checked-in Pulumi.e2e.yaml (its own Hetzner project, zone and database;
// protect off), runs `up` with the policy pack (the smoke checks are part of it), checks the
// kubeconfig, runs a second `up` that must change nothing, then always `destroy` and `stack rm`.
// It exits 1 when any step failed, even when the teardown succeeded. README, "The end-to-end run".
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { readFileSync, writeFileSync } from "node:fs";
import { configure, forget, missing, stackFileProblem, stackNameProblem } from "./configure";
import { kubeconfigCheck } from "./nodes";
import { endToEnd, renderReport } from "./steps";

const root = join(__dirname, "..");

const usage = `usage: npm run e2e [-- --stack e2e]
  Needs: the Pulumi CLI (and kubectl) on PATH (or PULUMI_CLI_ROOT, the folder holding bin/pulumi),
  PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE for the state, and the E2E_* variables
  (README, "The end-to-end run"). It creates real servers and deletes them again.`;

async function main(): Promise<number> {
    const { values } = parseArgs({ options: { stack: { type: "string", default: "e2e" }, help: { type: "boolean" } } });
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    const name = values.stack ?? "e2e";
    const refused = stackNameProblem(name, root);
    if (refused) {
        process.stderr.write(`${refused}\n`);
        return 2;
    }
    const stackFile = join(root, `Pulumi.${name}.yaml`);
    const absent = missing(process.env);
    if (absent) {
        process.stderr.write(`${absent}\n`);
        return 2;
    }
    const checkedIn = readFileSync(stackFile, "utf8");
    const file = parse(checkedIn) as { config: Record<string, unknown> };
    const unfit = stackFileProblem(name, file.config);
    if (unfit) {
        process.stderr.write(`${unfit}\n`);
        return 2;
    }
    const nodes = (file.config["honeydue:nodes"] as { name: string }[]).map((n) => n.name);
    const version = String(file.config["honeydue:k3sVersion"]);

    // An interrupt (Ctrl-C, a runner's SIGTERM) must not end this process before its teardown:
    // the first one skips what is left up to `destroy` (e2e/steps.ts, signal), a second one ends
    // the run at once and leaves the stack for a manual destroy.
    const interrupt = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
        if (interrupt.signal.aborted) {
            process.stderr.write(`e2e: ${sig} again: stopping now; stack ${name} and what it built are left: pulumi destroy --stack ${name}, then pulumi stack rm ${name}\n`);
            process.exit(130);
        }
        interrupt.abort();
        process.stderr.write(`e2e: ${sig}: the step under way finishes, the rest is skipped, then destroy and stack rm run (${sig} again stops at once and leaves the stack)\n`);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    const pulumiCommand = await PulumiCommand.get(process.env.PULUMI_CLI_ROOT ? { root: process.env.PULUMI_CLI_ROOT } : {});
    // createStack fails when the stack exists: a stack left by an earlier run is cleaned up by hand
    // first (its state lists what it built), never silently reused.
    const stack = await LocalWorkspace.createStack({ stackName: name, workDir: root }, { pulumiCommand });
    const log = (line: string) => process.stdout.write(`${line}\n`);
    // `stack init` writes its salt and `config set --secret` its ciphertexts into the stack file,
    // and `stack rm` deletes that file unless --preserve-config (pulumi/pulumi
    // pkg/cmd/pulumi/stack/stack_remove.go): it is kept, and put back as checked in once the stack
    // is gone. A stack left behind keeps its file: its salt decrypts the state for a manual destroy.
    const remove = { preserveConfig: true };
    let gone = false;
    try {
        try {
            await configure(stack, process.env);
            forget(process.env);
        } catch (e) {
            log(`e2e: configuring the stack failed: ${(e as Error).message}`);
            await stack.workspace.removeStack(name, remove);
            gone = true;
            return 1;
        }
        const onOutput = (out: string) => process.stdout.write(out);
        const report = await endToEnd(stack, {
            up: { onOutput, policyPacks: [join(root, "policy")], policyPackConfigs: [join(root, `policy/config.${name}.json`)] },
            destroy: { onOutput },
            remove,
            signal: interrupt.signal,
            checks: [kubeconfigCheck({ names: nodes, version })],
            log,
        });
        process.stdout.write(renderReport(report));
        gone = report.steps.some((s) => s.step === "stack rm" && s.verdict === "ok");
        if (!gone) log(`e2e: Pulumi.${name}.yaml keeps the stack's salt and secrets: \`pulumi destroy --stack ${name}\` needs it; restore it with git afterwards`);
        return report.ok ? 0 : 1;
    } finally {
        if (gone) writeFileSync(stackFile, checkedIn);
    }
}

main().then(
    (code) => process.exit(code),
    (e) => {
        process.stderr.write(`e2e: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
