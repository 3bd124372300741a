// The e2e stack's per-operator values and secrets come from the environment (the workflow's
// E2E_* secrets), never from a file in the repository and never on a command line: secrets reach
// `pulumi config set --secret` on stdin (pulumi/pulumi pkg/cmd/pulumi/config/config.go,
// configSetCmd.Run: with one argument and a non-terminal stdin it reads the value from stdin and,
// without --raw, drops one trailing "\n": sdk/go/common/util/cmdutil/console.go
// RemoveTrailingNewline is strings.TrimSuffix). So the value goes with one "\n" added and arrives
// byte for byte, a PEM block's closing newline included. --raw itself came only in CLI 3.247.0
// (CHANGELOG, #23593), after the PULUMI_VERSION the workflows pin, which refuses the unknown flag.
// The Automation API's setConfig would put the value
// on the command line (sdk/nodejs/automation/localWorkspace.ts setConfig), so it is used for
// plain values only.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { project, secretKeyNames } from "../config";
import { secretKeys } from "../config/secrets";
import { isProtected } from "../policy/configGuard";
import { placeholderPlain } from "../offline/stack";

/** honeydue:sshPrivateKey → E2E_SSH_PRIVATE_KEY. */
export const envName = (key: string) => `E2E_${key.slice(key.indexOf(":") + 1).replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;

/** What the e2e stack needs from the environment: the per-operator plain keys and every secret. */
export interface Needed {
    key: string;
    env: string;
    secret: boolean;
    required: boolean;
}

export function needed(): Needed[] {
    const plain = Object.keys(placeholderPlain).map((key) => ({ key, env: envName(key), secret: false, required: true }));
    const secret = secretKeyNames.map((name) => {
        const key = `${project}:${name}`;
        const schema = secretKeys[name as keyof typeof secretKeys];
        return { key, env: envName(key), secret: true, required: !schema.safeParse(undefined).success };
    });
    // The providers read their tokens from the environment themselves (HCLOUD_TOKEN, CLOUDFLARE_API_TOKEN).
    const providers = ["HCLOUD_TOKEN", "CLOUDFLARE_API_TOKEN"].map((env) => ({ key: env, env, secret: true, required: true }));
    return [...plain, ...secret, ...providers];
}

/** Every required variable that is missing or empty, in one message; undefined when none is. */
export function missing(env: NodeJS.ProcessEnv, need = needed()): string | undefined {
    const absent = need.filter((n) => n.required && !env[n.env]);
    if (absent.length === 0) return undefined;
    return (
        `e2e: ${absent.length} environment variable(s) missing: ${absent.map((n) => `${n.env} (${n.key}${n.secret ? ", secret" : ""})`).join(", ")}; ` +
        "expected each set (the workflow's E2E_* secrets; README, \"The end-to-end run\"); nothing was created"
    );
}

/** Runs the stack's own CLI with the value on stdin. */
function configSet(stack: Stack, key: string, value: string): Promise<void> {
    const ws = stack.workspace;
    return new Promise((resolve, reject) => {
        const child = spawn(ws.pulumiCommand.command, ["config", "set", key, "--secret", "--stack", stack.name, "--non-interactive"], {
            cwd: ws.workDir,
            env: { ...process.env, ...ws.envVars },
            stdio: ["pipe", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi config set ${key} --secret (exit ${code}): ${stderr.trim()}`))));
        child.stdin.end(`${value}\n`);
    });
}

/** Writes the environment's values into the stack's configuration. */
export async function configure(stack: Stack, env: NodeJS.ProcessEnv, need = needed()): Promise<void> {
    for (const n of need) {
        const value = env[n.env];
        if (!value || n.key === n.env) continue; // provider tokens stay in the environment
        if (n.secret) await configSet(stack, n.key, value);
        else if (n.key === `${project}:adminCidrs`) {
            // A list: one path per entry (comma-separated in the variable).
            const cidrs = value.split(",").map((s) => s.trim()).filter(Boolean);
            for (const [i, cidr] of cidrs.entries()) await stack.setConfig(`${n.key}[${i}]`, { value: cidr }, true);
        } else await stack.setConfig(n.key, { value });
    }
}

/**
 * Removes the E2E_* variables from `env` once they are in the stack's configuration: every
 * process the run starts inherits its environment (the CLI, and through it the providers, the
 * smoke checks' local command: pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go
 * sets cmd.Env = os.Environ(); and kubectl), and none of them needs a secret twice.
 */
export function forget(env: NodeJS.ProcessEnv, need = needed()): void {
    for (const n of need) if (n.key !== n.env) delete env[n.env];
}

/**
 * What keeps the checked-in stack file from a run, before anything is created; undefined when
 * nothing does. `protect: false`, or destroy cannot remove what it built; the k3s downloads'
 * hashes, which Pulumi.yaml declares without a default, so the CLI would refuse the first `up`
 * (pulumi/pulumi pkg/workspace/config.go, ValidateStackConfigAndApplyProjectConfig: "Stack '%v' is
 * missing configuration …").
 */
export function stackFileProblem(stack: string, config: Record<string, unknown>): string | undefined {
    if (config[`${project}:protect`] !== false) return `e2e: Pulumi.${stack}.yaml must set honeydue:protect: false, or destroy cannot remove what it built`;
    const unpinned = ["k3sInstallerSha256", "k3sBinarySha256"].map((k) => `${project}:${k}`).filter((k) => !/^[0-9a-f]{64}$/.test(String(config[k] ?? "")));
    if (unpinned.length > 0) {
        return (
            `e2e: Pulumi.${stack}.yaml has no ${unpinned.join(" and no ")}; expected the SHA-256 of the k3s downloads for honeydue:k3sVersion ` +
            '(docs/runbook/upgrade-k3s.md, "Recording the download hashes"); nothing was created'
        );
    }
    return undefined;
}

/**
 * Why `npm run e2e -- --stack <stack>` may not run on that stack at all; undefined when it may. A
 * production name in any spelling (the policy pack's own isProtected: any case, a suffix,
 * org/project/name), or a stack with no checked-in file in `root` to create it from.
 */
export function stackNameProblem(stack: string, root: string): string | undefined {
    if (isProtected(stack)) return `e2e: refusing stack ${stack}: the end-to-end run destroys its stack`;
    if (!/^[\w.-]+$/.test(stack) || !existsSync(join(root, `Pulumi.${stack}.yaml`))) {
        return `e2e: no Pulumi.${stack}.yaml: the run creates its stack from a checked-in stack file (Pulumi.e2e.yaml); expected a bare stack name such as e2e`;
    }
    return undefined;
}
