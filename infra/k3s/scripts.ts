// The node scripts (infra/scripts/*.sh) as the command provider sends them: the script on stdin
// to `bash -s`, followed by its payload, one "<name> <base64>" line per file. bash reads a script
// from a pipe no further than the command it runs (POSIX), so the script's last command reads the
// payload as its own stdin. Secrets travel only there: never in `create`, never in the environment.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type ScriptName = "wait-for-node" | "authorized-keys" | "k3s-server" | "node-ready" | "drain-node" | "remove-node" | "halt-for-restore" | "traefik-ready" | "origin-ready" | "bundled-traefik" | "smoke-node";

export const scriptsDir = join(__dirname, "..", "scripts");

export function script(name: ScriptName): string {
    return readFileSync(join(scriptsDir, `${name}.sh`), "utf8");
}

/** Quotes one argument for the remote shell (arguments are names, addresses and versions). */
const quote = (arg: string) => (/^[\w.,:/+=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/**
 * How long a script may run on a node before it is stopped: every wait inside the scripts has its
 * own, shorter bound and message, this is the backstop. The command provider bounds only the SSH
 * dial, never the command (pulumi-command provider/pkg/provider/remote/commandOutputs.go `run()`:
 * `Dial(ctx)` takes the context, `session.Run(cmd)` does not), so without it a hung step would
 * hang `pulumi up` for ever.
 */
export const scriptBounds: Record<ScriptName, number> = {
    "wait-for-node": 1200,
    "authorized-keys": 120,
    "k3s-server": 2400,
    "node-ready": 900,
    "drain-node": 900,
    "remove-node": 900,
    "halt-for-restore": 300,
    "traefik-ready": 900,
    "origin-ready": 420,
    "bundled-traefik": 120,
    "smoke-node": 300,
};

/**
 * The `create`/`delete` text: run the script arriving on stdin, as root, under `timeout` (GNU
 * coreutils; the child keeps the pipe as its stdin, so the payload still arrives). Exit 124 is the
 * backstop firing, reported with the server it ran on (`--from` for remove-node, which runs on a
 * survivor, else `--node`) and where to look there.
 */
export function runScript(name: ScriptName, args: string[], user: string, bound = scriptBounds[name]): string {
    const at = args.includes("--from") ? args.indexOf("--from") : args.indexOf("--node");
    const node = at >= 0 ? args[at + 1] : "this node";
    const run = `${user === "root" ? "" : "sudo -n "}timeout -k 30 ${bound} bash -s -- ${args.map(quote).join(" ")}`;
    const note = `${name} on ${node} did not finish within ${bound}s and was stopped; see 'journalctl -u k3s -n 100' on ${node}`;
    return `${run} || { rc=$?; [ "$rc" -ne 124 ] || echo ${quote(note)} >&2; exit "$rc"; }`;
}

/** The script followed by its payload files. */
export function withPayload(name: ScriptName, files: Record<string, string> = {}): string {
    const lines = Object.entries(files).map(([file, content]) => `${file} ${Buffer.from(content, "utf8").toString("base64")}\n`);
    const text = script(name);
    return `${text}${text.endsWith("\n") ? "" : "\n"}${lines.join("")}`;
}
