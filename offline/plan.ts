// `npm run plan`: what `pulumi up` would build for a stack (prod unless --stack says), offline — no cloud, no
// credentials, no Pulumi CLI. Exit codes mean one thing each: 0 the plan is sound, 1 a mandatory
// policy violation, 2 any configuration or usage error (a bad value, an unknown flag, a missing
// or broken file). A plan has no side effects: the diagram is written only with --write-diagram.
// runPlan is the same plan in-process (the tests call it); the CLI entry at the bottom only
// writes its result out.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, project, secretKeyNames } from "../config";
import { b2KeysNote } from "../config/b2Keys";
import { providerSecretKeys } from "../config/secrets";
import { hasDigest } from "../policy/kubernetes";
import { useColour, wantsColour } from "./colour";
import { estateDoc } from "./diagram";
import { evaluate } from "./policies";
import { policyConfigProblems } from "./policyConfig";
import { orderSection, outputsSection, render, resourceSections, summary, type Section } from "./render";
import { runEstate, type Estate } from "./run";
import { assumesNewEstate, offlineConfig, placeholderHashes, placeholderSecret, root, stackFileConfig } from "./stack";
import { policySection, policySummary } from "./verdicts";

export const usage = `usage: npm run plan [-- options]
  --set key=value             try a configuration change offline, e.g. --set serverType=cx43
                              (honeydue: is implied; JSON values for lists and objects; repeatable)
  --secret key                give a secret key a labelled placeholder, to try adoption or a token
                              rotation offline, e.g. --secret honeydue:k3sToken (repeatable)
  --stack name                plan another stack from its Pulumi.<name>.yaml (default prod), e.g. --stack e2e
  --policy-pack-config file   the policies' settings, as \`pulumi preview --policy-pack-config\` takes them
  --urns                      print every resource's URN (for \`pulumi up --replace\` and \`pulumi state\`)
  --write-diagram             write docs/estate.md, the picture of the estate (only for the stack as committed)
  --color, --no-color         force colour on or off (default: on a terminal; FORCE_COLOR, NO_COLOR)
  --help                      this text
exit codes: 0 sound, 1 a mandatory policy violation, 2 a configuration or usage error, 3 the plan itself failed`;

/** A usage or file error: reported with the usage, exit 2. */
class UsageError extends Error {}

export interface PlanOptions {
    overrides: Record<string, unknown>;
    secretKeys: string[];
    policyConfig: Record<string, unknown>;
    policyConfigFile?: string;
    /** The stack whose Pulumi.<stack>.yaml is planned. */
    stack: string;
    urns: boolean;
    writeDiagram: boolean;
    colour?: boolean;
    help: boolean;
    /** The --set arguments as given, for the header. */
    sets: string[];
}

/** A key whose value is a secret: the program's secret keys and the providers' credentials. */
const isSecretKey = (k: string) => secretKeyNames.some((s) => k === `${project}:${s}`) || (providerSecretKeys as readonly string[]).includes(k);

/** Reads the command line; throws UsageError on anything it does not understand. */
export function parsePlanArgs(argv: string[]): PlanOptions {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                set: { type: "string", multiple: true },
                secret: { type: "string", multiple: true },
                "policy-pack-config": { type: "string" },
                stack: { type: "string" },
                urns: { type: "boolean" },
                "write-diagram": { type: "boolean" },
                color: { type: "boolean" },
                "no-color": { type: "boolean" },
                help: { type: "boolean" },
            },
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const key = (k: string) => (k.includes(":") ? k : `honeydue:${k}`);
    const overrides: Record<string, unknown> = {};
    for (const kv of values.set ?? []) {
        const eq = kv.indexOf("=");
        if (eq < 1) throw new UsageError(`--set ${kv}: expected key=value`);
        if (isSecretKey(key(kv.slice(0, eq)))) {
            // A real secret on a command line lands in the shell history, and the header would print it.
            throw new UsageError(`--set ${key(kv.slice(0, eq))}=…: that key is a secret; give --secret ${key(kv.slice(0, eq))} for a labelled placeholder (never a real secret on the command line)`);
        }
        overrides[key(kv.slice(0, eq))] = kv.slice(eq + 1);
    }
    const secretKeys: string[] = [];
    for (const k of values.secret ?? []) {
        if (k.includes("=")) throw new UsageError(`--secret ${k.slice(0, k.indexOf("="))}=…: give the key only; the plan uses a labelled placeholder, never a real secret`);
        if (!isSecretKey(key(k)) && (k.startsWith(`${project}:`) || !k.includes(":"))) throw new UsageError(`--secret ${key(k)}: ${key(k)} is not a secret key; give it with --set ${key(k)}=<value>`);
        overrides[key(k)] = placeholderSecret(key(k));
        secretKeys.push(key(k));
    }
    const file = values["policy-pack-config"];
    let policyConfig: Record<string, unknown> = {};
    if (file !== undefined) {
        let text: string;
        try {
            text = readFileSync(file, "utf8");
        } catch (e) {
            throw new UsageError(`--policy-pack-config ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        try {
            policyConfig = JSON.parse(text) as Record<string, unknown>;
        } catch (e) {
            throw new UsageError(`--policy-pack-config ${file}: not valid JSON (${(e as Error).message})`);
        }
        if (!policyConfig || typeof policyConfig !== "object" || Array.isArray(policyConfig)) throw new UsageError(`--policy-pack-config ${file}: expected a JSON object of policy name → settings`);
        const problems = policyConfigProblems(policyConfig);
        if (problems.length > 0) throw new UsageError(`--policy-pack-config ${file} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    if (values.color && values["no-color"]) throw new UsageError("--color and --no-color: give one");
    const stack = values.stack ?? "prod";
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${stack}: expected a stack name (letters, digits, _ . -)`);
    if (!existsSync(join(root, `Pulumi.${stack}.yaml`))) throw new UsageError(`--stack ${stack}: there is no Pulumi.${stack}.yaml beside Pulumi.yaml`);
    return {
        overrides,
        secretKeys,
        policyConfig,
        policyConfigFile: file,
        stack,
        urns: values.urns ?? false,
        writeDiagram: values["write-diagram"] ?? false,
        colour: values.color ? true : values["no-color"] ? false : undefined,
        help: values.help ?? false,
        sets: values.set ?? [],
    };
}

/**
 * The header: what was planned, from which configuration, and whether it is a new estate.
 * `stackFile`: Pulumi.<stack>.yaml's plain values; `config`: what the program saw.
 */
export function headerSection(o: PlanOptions, estate: Estate, stackFile: Record<string, string>, config: Record<string, string>): Section {
    const newEstate = assumesNewEstate({ ...stackFile, ...Object.fromEntries(Object.entries(o.overrides).map(([k, v]) => [k, String(v)])) });
    const servers = estate.resources.filter((r) => r.type === "hcloud:index/server:Server");
    const adopted = servers.filter((r) => r.importId).length;
    const lines = [
        "No cloud was called: providers are mocked and every secret is a labelled PLACEHOLDER.",
        `configuration: Pulumi.${o.stack}.yaml, placeholders for the per-operator keys and every secret`,
        ...o.sets.map((s) => `  --set ${s}`),
        ...o.secretKeys.map((k) => `  --secret ${k} (placeholder)`),
        `policy config: ${o.policyConfigFile ?? "none (every policy at its defaults)"}`,
        ...downloadHashNote(config),
        newEstate
            ? "a NEW estate: no server has an adoption id, so every server is created (honeydue:newEstate assumed true offline; " +
              "a real `pulumi up` refuses without it; to take over the running estate, see README, \"Adopting the running estate\")"
            : config["honeydue:newEstate"] === "true"
              ? `honeydue:newEstate is true: ${servers.length - adopted} server(s) created, ${adopted} adopted`
              : `adopting the running estate: ${adopted} of ${servers.length} server(s) imported`,
    ];
    return { title: `honeyDue estate: offline plan of \`pulumi up\` for stack ${o.stack}`, lines };
}

/**
 * The k3s downloads' hashes can only be recorded by the operator (no hash is fetched here): while
 * the stack file lacks them the plan runs with placeholders that no download matches, and says so.
 */
export function downloadHashNote(config: Record<string, string>): string[] {
    const missing = ["honeydue:k3sInstallerSha256", "honeydue:k3sBinarySha256"].filter((k) => config[k] === placeholderHashes[k]);
    if (missing.length === 0) return [];
    return [
        `NOT RECORDED: ${missing.join(" and ")} (placeholders here; a real \`pulumi up\` refuses without them): record the SHA-256 of k3s ` +
            `${config["honeydue:k3sVersion"] ?? "(k3sVersion)"}'s installer and binary first (docs/runbook/upgrade-k3s.md, "Recording the download hashes")`,
    ];
}

/** Every container image of the estate's workloads (containers and initContainers, at any depth). */
function containerImages(value: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(value)) value.forEach((v) => containerImages(v, out));
    else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            if ((k === "containers" || k === "initContainers") && Array.isArray(v)) for (const c of v) if (typeof c?.image === "string") out.add(c.image);
            containerImages(v, out);
        }
    }
    return out;
}

/**
 * Images pinned by tag only, while the policy setting that would refuse them (k8s-image-pinned
 * requireDigests) is off: prod's images are tags today, so the plan says what a switch would need.
 */
export function digestNote(estate: Estate, policyConfig: Record<string, unknown> | undefined): string[] {
    if ((policyConfig?.["k8s-image-pinned"] as { requireDigests?: unknown } | undefined)?.requireDigests === true) return [];
    const tagOnly = [...containerImages(estate.resources.map((r) => r.inputs))].filter((i) => !hasDigest(i)).sort();
    if (tagOnly.length === 0) return [];
    return [
        `${tagOnly.length} image(s) pinned by tag only (whoever can push to the registry can move a tag): ${tagOnly.join(", ")}; ` +
            `pin each by digest (name:tag@sha256:…), then set "k8s-image-pinned": {"requireDigests": true} in policy/config.prod.json (README, "Verified downloads")`,
    ];
}

/** Redis's data is on one node's disk: warn when the plan moves Redis away from the stack's node. */
export function redisWarning(estate: Estate, stackFile: Record<string, string>): string[] {
    const redis = estate.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && /redis/.test(r.name));
    const spec = redis?.inputs.spec as { template?: { spec?: { nodeSelector?: Record<string, string> } } } | undefined;
    const node = spec?.template?.spec?.nodeSelector?.["kubernetes.io/hostname"];
    if (!node) return [];
    let committed = "ubuntu-8gb-nbg1-2";
    try {
        committed = (JSON.parse(stackFile["honeydue:redis"] ?? "{}") as { node?: string }).node ?? committed;
    } catch {
        // the configuration check reports a broken value
    }
    const standing = `Redis's data (the queue) is on ${node}'s own disk (local-path): replacing ${node} loses it; docs/runbook/replace-node.md says how to move it first`;
    if (node === committed) return [standing];
    return [
        `WARNING: Redis moves from ${committed} to ${node}. Its data stays on ${committed}'s disk (local-path) and Redis starts EMPTY on ${node}: ` +
            "the queue is left behind. Move the data first (docs/runbook/replace-node.md, \"Moving Redis's data\").",
    ];
}

function writeDiagram(estate: Estate): string {
    const file = join(root, "docs", "estate.md");
    const doc = estateDoc(estate);
    let current = "";
    try {
        current = readFileSync(file, "utf8");
    } catch {
        // first time: written below
    }
    if (current === doc) return "docs/estate.md (the diagram of the estate) is up to date";
    writeFileSync(file, doc);
    return "wrote docs/estate.md (the diagram of the estate): commit it";
}

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The whole plan; returns the exit code. Runs the estate (once per configuration) unless the arguments are wrong. */
export async function plan(argv: string[], io: Io = stdio): Promise<number> {
    const started = Date.now();
    let o: PlanOptions;
    try {
        o = parsePlanArgs(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.err(`plan: ${e.message}\n${usage}\n`);
        return 2;
    }
    if (o.help) {
        io.out(`${usage}\n`);
        return 0;
    }
    useColour(wantsColour(o.colour));
    if (o.writeDiagram && (Object.keys(o.overrides).length > 0 || o.stack !== "prod")) {
        io.err("plan: --write-diagram draws the prod stack as committed; drop the --set, --secret and --stack options\n");
        return 2;
    }
    let estate: Estate;
    try {
        estate = await runEstate({ overrides: o.overrides, secretKeys: o.secretKeys, stack: o.stack });
    } catch (e) {
        if (e instanceof ConfigError) {
            io.err(`plan: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
    const policies = await evaluate(estate.resources, { config: o.policyConfig as Record<string, any> });
    const overview = summary(estate);
    // The stack file and the configuration the program saw, read once for the header and the notes.
    const stackFile = stackFileConfig(o.stack);
    const { config } = offlineConfig(o.overrides, o.secretKeys, stackFile);
    overview.lines.push(
        policySummary(policies),
        ...redisWarning(estate, stackFile),
        ...digestNote(estate, o.policyConfig as Record<string, unknown> | undefined),
        b2KeysNote({ etcdB2KeyId: config[`${project}:etcdB2KeyId`], redisBackupB2KeyId: config[`${project}:redisBackupB2KeyId`] }),
    );
    io.out(render([headerSection(o, estate, stackFile, config), overview, ...resourceSections(estate, { urns: o.urns }), orderSection(estate), outputsSection(estate), policySection(policies)]));
    if (o.writeDiagram) io.out(`\n${writeDiagram(estate)}\n`);
    io.out(`\nplanned in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    return policies.mandatory.length > 0 ? 1 : 0;
}

export interface PlanResult {
    stdout: string;
    stderr: string;
    /** The exit code `npm run plan` gives (3: the plan itself broke). */
    code: number;
}

/**
 * What `npm run plan` prints when the plan itself broke (exit 3): the message, then where it broke,
 * so a bug can be found without a debugger. The program's files keep their line numbers under the
 * loader (offline/register.js: sucrase moves no line).
 */
export function failureText(e: unknown): string {
    const message = e instanceof Error ? e.message : String(e);
    const frames = e instanceof Error ? (e.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)) : [];
    return `plan failed: ${message}\n${frames.map((l) => `${l}\n`).join("")}`;
}

/** `npm run plan -- <argv>` in-process: what it would print and its exit code. */
export async function runPlan(argv: string[]): Promise<PlanResult> {
    let stdout = "";
    let stderr = "";
    const io: Io = { out: (t) => (stdout += t), err: (t) => (stderr += t) };
    try {
        return { code: await plan(argv, io), stdout, stderr };
    } catch (e) {
        return { code: 3, stdout, stderr: `${stderr}${failureText(e)}` };
    }
}

if (require.main === module) {
    plan(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            // Neither a violation nor the operator's mistake: the plan itself broke.
            process.stderr.write(failureText(e));
            process.exit(3);
        },
    );
}
