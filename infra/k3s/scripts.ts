// The node scripts (infra/scripts/*.sh) as the command provider sends them: the script on stdin
// to `bash -s`, followed by its payload, one "<name> <base64>" line per file. bash reads a script
// from a pipe no further than the command it runs (POSIX), so the script's last command reads the
// payload as its own stdin. Secrets travel only there: never in `create`, never in the environment.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type ScriptName = "wait-for-node" | "k3s-server" | "node-ready" | "drain-node" | "traefik-ready" | "bundled-traefik";

export const scriptsDir = join(__dirname, "..", "scripts");

export function script(name: ScriptName): string {
    return readFileSync(join(scriptsDir, `${name}.sh`), "utf8");
}

/** Quotes one argument for the remote shell (arguments are names, addresses and versions). */
const quote = (arg: string) => (/^[\w.,:/+=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The `create`/`delete` text: run the script arriving on stdin, as root. */
export function runScript(args: string[], user: string): string {
    return `${user === "root" ? "" : "sudo -n "}bash -s -- ${args.map(quote).join(" ")}`;
}

/** The script followed by its payload files. */
export function withPayload(name: ScriptName, files: Record<string, string> = {}): string {
    const lines = Object.entries(files).map(([file, content]) => `${file} ${Buffer.from(content, "utf8").toString("base64")}\n`);
    const text = script(name);
    return `${text}${text.endsWith("\n") ? "" : "\n"}${lines.join("")}`;
}

/** Decodes a payload back into its files (the tests read what a node would receive). */
export function payloadFiles(stdin: string): Record<string, string> {
    const marker = /^main "\$@"; exit \$\?\n/m;
    const at = stdin.search(marker);
    if (at < 0) return {};
    const rest = stdin.slice(at).replace(marker, "");
    return Object.fromEntries(
        rest
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => {
                const [file, data] = l.split(" ");
                return [file, Buffer.from(data, "base64").toString("utf8")];
            }),
    );
}
