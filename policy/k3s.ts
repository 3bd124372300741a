// The k3s bootstrap's conventions (DESIGN §6, §9): a pinned k3s release, no secret in a command's
// text, the kubeconfig kept secret, and a Kubernetes provider that survives a re-fetched kubeconfig.
import * as command from "@pulumi/command";
import { validateResourceOfType, type ResourceValidationArgs, type ResourceValidationPolicy } from "@pulumi/policy";
import { isSecretAt } from "./secretness";

/** A pinned k3s release, e.g. v1.34.6+k3s1. */
export const pinnedK3s = /\bv\d+\.\d+\.\d+\+k3s\d+\b/;
/** Marks of a command that installs (or upgrades) k3s with the official installer. */
const installsK3s = /INSTALL_K3S_|get\.k3s\.io|k3s-io\/k3s\/releases|install-k3s|k3s-install/;

type CommandProps = { create?: string; update?: string; delete?: string; stdin?: string; environment?: Record<string, string>; triggers?: unknown[] };

/** The parts of a command that are this invocation's own: its command lines, environment and triggers. */
function invocation(c: CommandProps): string {
    const parts: unknown[] = [c.create, c.update, ...Object.entries(c.environment ?? {}).map(([k, v]) => `${k}=${v}`), ...(c.triggers ?? [])];
    return parts.map((p) => (typeof p === "string" ? p : p === undefined ? "" : JSON.stringify(p))).join("\n");
}

export const k3sVersionPinned: ResourceValidationPolicy = {
    name: "k3s-version-pinned",
    description: "Every command that installs k3s installs a pinned release (vX.Y.Z+k3sN), never a channel.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(command.remote.Command, (cmd, _args, report) => {
        const own = invocation(cmd);
        const script = cmd.stdin ?? "";
        if (!installsK3s.test(`${own}\n${script}`)) return;
        // A script sent on stdin may quote an example release in a message: only a literal
        // INSTALL_K3S_VERSION there counts; otherwise the version must be in the invocation.
        const pinned = pinnedK3s.test(own) || new RegExp(`INSTALL_K3S_VERSION=['"]?${pinnedK3s.source.replace(/\\b/g, "")}`).test(script);
        if (/INSTALL_K3S_CHANNEL=/.test(`${own}\n${script}`)) {
            report("the command installs k3s from a channel (INSTALL_K3S_CHANNEL); pin a release with INSTALL_K3S_VERSION set from honeydue:k3sVersion (e.g. v1.34.6+k3s1)");
        } else if (!pinned) {
            report("the command installs k3s without a pinned release; pass INSTALL_K3S_VERSION from honeydue:k3sVersion (e.g. v1.34.6+k3s1)");
        }
    }),
};

/**
 * A secret written into a command line: a token/password/secret/key flag or variable with a literal
 * value (k3s's --token, --agent-token, --new-token, --etcd-s3-secret-key …; a `--…-file` flag names
 * a file and is fine), a k3s secure token, a private key, or a URL with a password.
 */
const inlineSecret: { re: RegExp; what: (m: RegExpMatchArray) => string; harmless?: RegExp }[] = [
    // k3s's --etcd-s3-config-secret names a Kubernetes Secret, and a --…-file flag a file: neither holds one.
    { re: /(--[a-z0-9-]*(?:token|password|passwd|secret|secret-key|access-key|api-key|private-key)[a-z-]*)(?:=|\s+)['"]?(?![$'"/-])[^\s'"]{6,}/gi, what: (m) => `the flag ${m[1]}`, harmless: /(-file|config-secret)$/i },
    // k3s's own short form of --token (k3s server/agent: "--token value, -t value"), only after k3s itself: -t means other things elsewhere.
    { re: /\bk3s\b[^\n;|&]*?\s(-t)(?:=|\s+)['"]?(?![$'"/-])[^\s'"]{6,}/g, what: (m) => `the flag ${m[1]} (k3s's --token)` },
    // Shell variables in any case: k3s_token=… is as much a secret as K3S_TOKEN=….
    { re: /\b(K3S_(AGENT_)?TOKEN|[A-Z0-9_]*(?:PASSWORD|PASSWD|TOKEN|SECRET)[A-Z0-9_]*|[A-Z0-9_]*_KEY|AWS_SECRET_ACCESS_KEY)=['"]?(?![$'"/])[^\s'"]{6,}/gi, what: (m) => `the variable ${m[1]}`, harmless: /_FILE$/i },
    { re: /\bK10[0-9a-f]{20,}::/g, what: () => "a k3s secure token (K10…)" },
    { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/g, what: () => "a private key" },
    { re: /:\/\/[^/\s:@'"]+:[^@\s'"$]+@/g, what: () => "a URL with a password" },
];

/** The first inline secret in `text`, described. */
export function inlineSecretIn(text: string): string | undefined {
    for (const { re, what, harmless } of inlineSecret) {
        for (const m of text.matchAll(re)) if (!harmless?.test(m[1] ?? "")) return what(m);
    }
    return undefined;
}

/** Environment names that hold secrets (the workloads' rule, kubernetes.ts looksSecret). */
const secretEnvName = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|DATABASE_URL|(^|_)DSN$|(^|_)[A-Z0-9]*KEY$/;
const harmlessEnvName = /_(ID|FILE|PATH|NAME)$/;

export const commandNoInlineSecret: ResourceValidationPolicy = {
    name: "k3s-command-no-inline-secret",
    description:
        "No secret is written into a command's create/update/delete text (the provider prints it on failure) or its environment (sent over SSH, needs AcceptEnv), and none sits in its triggers unless the trigger is a secret Output: pass secrets on stdin or in a 0600 file.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report) => {
        if (!args.isType(command.remote.Command) && !args.isType(command.local.Command)) args.notApplicable("Policy only applies to command:remote:Command and command:local:Command");
        const cmd = args.props as CommandProps & { delete?: string };
        for (const field of ["create", "update", "delete"] as const) {
            const text = cmd[field];
            if (typeof text !== "string") continue;
            const what = inlineSecretIn(text);
            if (what) report(`the command's ${field} text carries a literal secret in ${what}; pass the value on stdin or in a 0600 file and reference it as a variable`);
        }
        for (const [name, value] of Object.entries(cmd.environment ?? {})) {
            const byName = secretEnvName.test(name.toUpperCase()) && !harmlessEnvName.test(name.toUpperCase());
            const what = typeof value === "string" ? inlineSecretIn(`${name}=${value}`) ?? inlineSecretIn(value) : undefined;
            if (byName || what || isSecretAt(args.props, ["environment", name])) {
                report(`the command's environment variable ${name} carries a secret${what ? ` (${what})` : ""}; remove it from environment and send the value on stdin (scripts.ts payload) or in a 0600 file`);
            }
        }
        (cmd.triggers ?? []).forEach((t, i) => {
            if (isSecretAt(args.props, ["triggers", i])) return; // a secret Output: the state keeps it encrypted, the plan shows [secret]
            const text = typeof t === "string" ? t : JSON.stringify(t ?? "");
            const what = inlineSecretIn(text);
            if (what) report(`trigger ${i} of the command is a plain value carrying ${what}; make it a secret Output (pulumi.secret(...)) or trigger on a hash of it`);
        });
    },
};

const readsKubeconfig = /\/etc\/rancher\/k3s\/k3s\.yaml/;
export const kubeconfigSecret: ResourceValidationPolicy = {
    name: "k3s-kubeconfig-secret",
    description: "The command that reads the cluster's kubeconfig logs nothing and keeps its stdout secret.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(command.remote.Command, (cmd, args, report) => {
        if (!readsKubeconfig.test(`${cmd.create ?? ""}\n${cmd.update ?? ""}`)) return;
        const problems = [
            ...(cmd.logging === "none" || cmd.logging === "stderr" ? [] : [`logging: "none" (now ${cmd.logging ?? "stdoutAndStderr"})`]),
            ...(args.opts.additionalSecretOutputs.includes("stdout") ? [] : ['additionalSecretOutputs: ["stdout"]']),
        ];
        if (problems.length > 0) report(`the command prints the kubeconfig (admin credentials); set ${problems.join(" and ")}`);
    }),
};

export const kubernetesProviderType = "pulumi:providers:kubernetes";

export const providerClusterIdentifier: ResourceValidationPolicy = {
    name: "k3s-kubernetes-provider-cluster-identifier",
    description: "The Kubernetes provider has a fixed clusterIdentifier, so a re-fetched kubeconfig does not replace every Kubernetes resource.",
    enforcementLevel: "mandatory",
    // k8s.Provider's __pulumiType is "kubernetes", not the registered type: compare the type string.
    validateResource: (args: ResourceValidationArgs, report) => {
        if (args.type !== kubernetesProviderType) args.notApplicable(`Policy only applies to resources of type '${kubernetesProviderType}'`);
        const id = args.props.clusterIdentifier;
        if (typeof id !== "string" || id.trim() === "") {
            report("the Kubernetes provider has no clusterIdentifier; set a fixed one (e.g. \"honeydue-prod\") so a new kubeconfig updates the provider instead of replacing every resource");
        }
    },
};

export const k3sPolicies = [k3sVersionPinned, commandNoInlineSecret, kubeconfigSecret, providerClusterIdentifier];
