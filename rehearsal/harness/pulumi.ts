// The real Pulumi CLI, isolated: its own PULUMI_HOME, a local file backend, passphrase secrets, no
// update check, no plugin download. Every engine operation writes an event log, which is the
// engine's own account of what it did (one JSON object per line: pulumi/pulumi
// pkg/backend/display/display.go, startEventLogger; the event shapes are
// sdk/go/common/apitype/events.go, EngineEvent).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

/** One completed (or, in a preview, planned) resource step, in the order the engine reported it. */
export interface Step {
    op: string;
    urn: string;
    type: string;
    sequence: number;
}

export interface Operation extends Run {
    /** summaryEvent.resourceChanges: create, update, replace, delete, same, … */
    changes: Record<string, number>;
    /** resOutputsEvent metadata: the steps that finished, in order. */
    steps: Step[];
    /** resOpFailedEvent and error diagnostics. */
    errors: string[];
    /** policyEvent messages, with the policy's name. */
    policies: { policyName: string; enforcementLevel: string; message: string }[];
    /** The event log itself, for a scenario that needs more. */
    events: any[];
    log: string;
}

export const PASSPHRASE = "rehearsal-only-passphrase";

export class Pulumi {
    private count = 0;

    constructor(
        readonly bin: string,
        readonly cwd: string,
        readonly state: string,
        readonly stack: string,
    ) {}

    get configFile(): string {
        return join(this.state, `Pulumi.${this.stack}.yaml`);
    }

    env(): NodeJS.ProcessEnv {
        return {
            ...process.env,
            PATH: `${this.bin}:${process.env.PATH}`,
            PULUMI_HOME: join(this.state, "pulumi-home"),
            PULUMI_BACKEND_URL: `file://${join(this.state, "backend")}`,
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            // sdk/go/common/env/env.go: SkipUpdateCheck, DisableAutomaticPluginAcquisition (read by
            // pkg/engine/plugins.go and pkg/resource/deploy/providers/registry.go before any download),
            // IgnoreAmbientPlugins (sdk/go/common/workspace/plugins.go getPluginInfoAndPath: no $PATH lookup,
            // only PULUMI_HOME's plugins and those beside the pulumi executable).
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
            // --event-log exists only with debug commands on (pkg/cmd/pulumi/operations/preview.go and
            // up.go: `if env.DebugCommands.Value()`), as the Automation API sets it for its event stream.
            PULUMI_DEBUG_COMMANDS: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            REHEARSAL_STATE: this.state,
            NO_COLOR: "1",
        };
    }

    /** The same CLI and isolated environment for the Automation API (LocalWorkspace options): automation/cmd.ts looks for <root>/bin/pulumi. */
    async workspaceOptions(): Promise<{ pulumiCommand: PulumiCommand; envVars: Record<string, string> }> {
        const pulumiCommand = await PulumiCommand.get({ root: dirname(this.bin), skipVersionCheck: true });
        const envVars = Object.fromEntries(Object.entries(this.env()).filter((e): e is [string, string] => e[1] !== undefined));
        return { pulumiCommand, envVars };
    }

    /** Runs `pulumi args…`; stdin (for secrets) never appears on a command line. */
    run(args: string[], stdin?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
        const started = Date.now();
        return new Promise((resolve, reject) => {
            const child = spawn(join(this.bin, "pulumi"), args, { cwd: this.cwd, env: { ...this.env(), ...extraEnv }, stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
            child.stdin.end(stdin ?? "");
        });
    }

    /** `pulumi preview|up|destroy` on the rehearsal stack, with an event log. */
    async operation(kind: "preview" | "up" | "destroy" | "refresh", extra: string[] = [], configFile = this.configFile): Promise<Operation> {
        const logs = join(this.state, "logs");
        mkdirSync(logs, { recursive: true });
        const name = `${String(++this.count).padStart(2, "0")}-${kind}`;
        const eventLog = join(logs, `${name}.events.jsonl`);
        const args = [kind, "--stack", this.stack, "--config-file", configFile, "--non-interactive", "--event-log", eventLog, ...extra];
        if (kind !== "preview") args.push("--yes", "--skip-preview");
        const run = await this.run(args);
        const log = join(logs, `${name}.log`);
        writeFileSync(log, `$ pulumi ${args.join(" ")}\n# exit ${run.code} in ${run.ms} ms\n${run.stdout}\n${run.stderr}`);
        let events: any[] = [];
        try {
            events = readFileSync(eventLog, "utf8")
                .split("\n")
                .filter((l) => l.trim() !== "")
                .map((l) => JSON.parse(l));
        } catch {
            // no event log: the CLI failed before the engine started; stdout/stderr say why
        }
        return { ...run, log, events, ...account(events) };
    }
}

/** What the engine says it did, from its events. */
export function account(events: any[]): Pick<Operation, "changes" | "steps" | "errors" | "policies"> {
    const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
    const steps = events
        .filter((e) => e.resOutputsEvent)
        .map((e) => ({ op: e.resOutputsEvent.metadata.op, urn: e.resOutputsEvent.metadata.urn, type: e.resOutputsEvent.metadata.type, sequence: e.sequence }));
    const errors = [
        ...events.filter((e) => e.resOpFailedEvent).map((e) => `failed: ${e.resOpFailedEvent.metadata.urn}`),
        ...events.filter((e) => e.diagnosticEvent?.severity === "error").map((e) => String(e.diagnosticEvent.message).trim()),
    ];
    const policies = events.filter((e) => e.policyEvent).map((e) => e.policyEvent);
    return { changes: summary?.resourceChanges ?? {}, steps, errors, policies };
}

/** "3 create, 1 replace" from the summary, the numbers of the report line. */
export function describeChanges(changes: Record<string, number>): string {
    const order = ["create", "update", "replace", "delete"];
    return order.map((op) => `${changes[op] ?? 0} ${op}`).join(", ");
}
