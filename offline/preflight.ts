// The CI preview's early checks (.gitea/workflows/preview.yml), each failing with what to do:
//   stack <name>   the stack file holds every value Pulumi.yaml declares without a default (plain
//                  values, secrets as `secure:`) and the `encryptionsalt` of its secrets; without
//                  them the CLI stops with "Stack '<name>' is missing configuration values".
//   api <host>     the runner reaches the Kubernetes API on 6443. The firewall opens 6443 only to
//                  honeydue:adminCidrs, and a preview that cannot reach the cluster is not a
//                  preview: pulumi-kubernetes then marks the cluster unreachable, skips the OpenAPI
//                  check, and previews every create and update by echoing its inputs
//                  (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go: Configure sets
//                  clusterUnreachable when the API cannot be read; Check skips validation; Create
//                  and Update return the inputs in preview when gvkExists is false), so the job would
//                  be green while `pulumi up` fails with "configured Kubernetes cluster is unreachable".
//                  The runner's egress address must therefore be in adminCidrs.
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";

type Declared = Record<string, { default?: unknown; secret?: boolean } | undefined>;

export interface StackCheck {
    /** Keys (`project:key`) declared without a default and absent from the stack file. */
    missing: string[];
    /** Secret keys present in plain text. */
    plain: string[];
    /** Whether the stack file carries `encryptionsalt` (passphrase-encrypted secrets). */
    salt: boolean;
}

export function checkStack(projectYaml: string, stackYaml: string): StackCheck {
    const project = parse(projectYaml) as { name: string; config?: Declared };
    const stack = (parse(stackYaml) ?? {}) as { encryptionsalt?: string; config?: Record<string, unknown> };
    const values = stack.config ?? {};
    const required = Object.entries(project.config ?? {}).filter(([, d]) => d !== undefined && !("default" in d));
    const key = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
    const missing = required.filter(([k]) => values[key(k)] === undefined).map(([k]) => key(k));
    const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;
    const plain = required.filter(([k, d]) => d?.secret && values[key(k)] !== undefined && !isSecure(values[key(k)])).map(([k]) => key(k));
    return { missing, plain, salt: typeof stack.encryptionsalt === "string" && stack.encryptionsalt !== "" };
}

/** The instruction the CI prints when the stack file is not ready; undefined when it is. */
export function stackInstruction(stackName: string, c: StackCheck, secretKeys: string[]): string | undefined {
    if (c.missing.length === 0 && c.plain.length === 0 && c.salt) return undefined;
    const lines = [`Pulumi.${stackName}.yaml is not ready for a preview (the CLI would stop with "Stack '${stackName}' is missing configuration values").`];
    if (c.missing.length > 0) lines.push(`Missing: ${c.missing.join(", ")}.`);
    if (c.plain.length > 0) lines.push(`In plain text, but secret: ${c.plain.join(", ")} (set them again with --secret).`);
    if (!c.salt) lines.push("Missing: encryptionsalt (written by the first `pulumi config set --secret` with PULUMI_CONFIG_PASSPHRASE set).");
    lines.push("On an operator's machine (README, Deploying for real):");
    for (const k of [...c.missing, ...c.plain]) {
        if (secretKeys.includes(k)) lines.push(`  pulumi config set --secret ${k} < <file>`);
        else if (k.endsWith(":adminCidrs")) lines.push(`  pulumi config set ${k} '["<your address>/32", "<the CI runner's egress address>/32"]'`);
        else if (/:k3s(Installer|Binary)Sha256$/.test(k)) lines.push(`  pulumi config set ${k} <sha256> (docs/runbook/upgrade-k3s.md, "Recording the download hashes")`);
        else lines.push(`  pulumi config set ${k} <value>`);
    }
    lines.push(`then commit Pulumi.${stackName}.yaml: the plain values, the encrypted secrets and the \`encryptionsalt:\` line (the salt is not a secret; the passphrase stays in the repository's Actions secret PULUMI_CONFIG_PASSPHRASE).`);
    return lines.join("\n");
}

/** Resolves to undefined when host:port accepts a TCP connection within timeoutMs, or to the reason it did not. */
export function reach(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        const socket = new Socket();
        const done = (reason?: string) => {
            socket.destroy();
            resolve(reason);
        };
        socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000}s`));
        socket.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
        socket.connect(port, host, () => done());
    });
}

export function apiInstruction(host: string, port: number, reason: string): string {
    return [
        `The runner cannot reach the Kubernetes API at ${host}:${port} (${reason}).`,
        "The Hetzner firewall opens 6443 only to honeydue:adminCidrs, and a preview without the cluster previews every Kubernetes change blind.",
        "Append this runner's egress address to honeydue:adminCidrs (as README, Per-operator settings, appends an operator's), run `pulumi up` from an admin address, and commit Pulumi.prod.yaml (README, CI).",
    ].join("\n");
}

async function main(argv: string[]): Promise<number> {
    const [what, arg, portArg] = argv;
    if (what === "stack" && arg) {
        const root = join(__dirname, "..");
        const projectYaml = readFileSync(join(root, "Pulumi.yaml"), "utf8");
        let stackYaml = "";
        try {
            stackYaml = readFileSync(join(root, `Pulumi.${arg}.yaml`), "utf8");
        } catch {
            // absent: everything is missing
        }
        const declared = (parse(projectYaml) as { name: string; config?: Declared });
        const secretKeys = Object.entries(declared.config ?? {}).filter(([, d]) => d?.secret).map(([k]) => `${declared.name}:${k}`);
        const message = stackInstruction(arg, checkStack(projectYaml, stackYaml), secretKeys);
        if (message) {
            process.stderr.write(`${message}\n`);
            return 1;
        }
        process.stdout.write(`Pulumi.${arg}.yaml has every required value and its encryptionsalt\n`);
        return 0;
    }
    if (what === "api" && arg) {
        const port = Number(portArg ?? 6443);
        const reason = await reach(arg, port, 10_000);
        if (reason) {
            process.stderr.write(`${apiInstruction(arg, port, reason)}\n`);
            return 1;
        }
        process.stdout.write(`the Kubernetes API at ${arg}:${port} answers\n`);
        return 0;
    }
    process.stderr.write("usage: tsx offline/preflight.ts stack <name> | api <host> [port]\n");
    return 2;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
