// A new server's SSH host key, as the real first boot installs it: cloud-init's cc_ssh writes the
// user data's `ssh_keys` to /etc/ssh before sshd first starts (cloud-init cc_ssh.py `handle`), so
// the first connection already meets the pinned key. Here the server's SSH test host
// (rehearsal/hosts) takes that key at the server's create: its key file, the published
// <addr>.hostkey.pub and the harness's known_hosts line change, and its sshd re-reads its keys
// on SIGHUP (sshd(8): "sshd rereads its configuration file when it receives a hangup signal").
// A server created without `ssh_keys` (adopted, recorded key) keeps the test host's own key.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { stateDir } from "./cloud";

export function installHostKey(name: string, address: string, userData: unknown): boolean {
    if (typeof userData !== "string") return false;
    let doc: { ssh_keys?: { ed25519_private?: string; ed25519_public?: string } } | null;
    try {
        doc = parse(userData) as typeof doc;
    } catch {
        return false; // not a cloud-config: cloud-init would ignore it as well
    }
    const keys = doc?.ssh_keys;
    const hosts = join(stateDir(), "hosts");
    const dir = join(hosts, name);
    if (!keys?.ed25519_private || !keys.ed25519_public || !existsSync(dir)) return false;
    const line = keys.ed25519_public.trim().split(/\s+/).slice(0, 2).join(" ");
    writeFileSync(join(dir, "ssh_host_ed25519_key"), keys.ed25519_private, { mode: 0o600 });
    writeFileSync(join(dir, "ssh_host_ed25519_key.pub"), `${line}\n`);
    writeFileSync(join(hosts, `${address}.hostkey.pub`), `${line}\n`);
    const known = join(hosts, "known_hosts");
    const others = existsSync(known) ? readFileSync(known, "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith(`${address} `)) : [];
    writeFileSync(known, [...others, `${address} ${line}`, ""].join("\n"));
    const pid = Number(existsSync(join(dir, "sshd.pid")) ? readFileSync(join(dir, "sshd.pid"), "utf8").trim() : "");
    if (pid > 0) {
        try {
            process.kill(pid, "SIGHUP");
        } catch {
            // not running: it reads the new key when it starts
        }
    }
    return true;
}
