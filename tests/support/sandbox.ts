// The node scripts' sandbox (tests/scripts*.test.ts), under bash: a temporary directory as the
// node's root (K3S_ROOT), and fake installer, k3s, systemctl, curl, cloud-init on PATH that record
// their argv (as do shims around the real tools the scripts use). Each script arrives on stdin
// exactly as the command provider sends it: `bash -s -- ARGS` with the payload after the script.
// Its tests are split over two files, so two processes run them side by side: most of their time
// is bounded waits (sleeps), not CPU.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach } from "node:test";
import { kernelDefaults } from "../../infra/hetzner/cloudInit";
import { withPayload, type ScriptName } from "../../infra/k3s/scripts";
import { renderEtcdS3Credentials, renderServerConfig, serverConfigs, type ServerAddress } from "../../infra/k3s/serverConfig";
import { testCluster } from "./k3sCluster";


export const VERSION = "v1.34.6+k3s1";
export const TOKEN = "sandboxClusterToken0123456789abcdefABCDEF";
export const B2_KEY = "sandboxB2ApplicationKey0000";
export const servers: ServerAddress[] = [1, 2, 3].map((i) => ({ name: `node-${i}`, privateIp: `10.0.1.1${i}`, publicIpv4: `203.0.113.1${i}` }));
export const cluster = testCluster;
export const rendered = serverConfigs(cluster, servers);

export const initFiles = (config = rendered.configs[0]) => ({
    "config.yaml": renderServerConfig(config),
    "config-rejoin.yaml": renderServerConfig(rendered.rejoin),
    token: `${TOKEN}\n`,
    "etcd-s3-credentials.yaml": renderEtcdS3Credentials("sandboxKeyId000", B2_KEY),
});
export const joinFiles = () => ({ "config.yaml": renderServerConfig(rendered.configs[1]), token: `K10abc::server:${TOKEN}\n`, "etcd-s3-credentials.yaml": renderEtcdS3Credentials("sandboxKeyId000", B2_KEY) });

// ---- the sandbox -------------------------------------------------------------------------------

export const fakes: Record<string, string> = {
    curl: `
url="\${*: -1}"; out=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; *) shift ;; esac; done
case "$url" in
  */ping) ip="\${url#https://}"; ip="\${ip%%:*}"; if [ -f "$FAKE/state/peer-$ip" ]; then printf pong; else exit 7; fi ;;
  https://raw.githubusercontent.com/k3s-io/k3s/*/install.sh) cp "$FAKE/installer.sh" "$out"; [ ! -f "$FAKE/state/tampered-installer" ] || echo "# tampered" >>"$out" ;;
  https://github.com/k3s-io/k3s/releases/download/*/k3s*) cp "$FAKE/k3s" "$out"; [ ! -f "$FAKE/state/tampered-binary" ] || echo "# tampered" >>"$out" ;;
  *) echo "curl: (6) Could not resolve host (sandbox): $url" >&2; exit 6 ;;
esac`,
    // The installer as `sh install.sh` runs it: records its environment, installs the unit around
    // the binary already in INSTALL_K3S_BIN_DIR (the script downloads and checks it; the real one
    // with INSTALL_K3S_SKIP_DOWNLOAD=true only checks it is executable), starts k3s (unless
    // INSTALL_K3S_SKIP_START=true).
    "installer.sh": `
skip=""; [ "$INSTALL_K3S_SKIP_START" = true ] && skip=" INSTALL_K3S_SKIP_START=true"
echo "installer INSTALL_K3S_VERSION=$INSTALL_K3S_VERSION INSTALL_K3S_EXEC=$INSTALL_K3S_EXEC$skip" >>"$FAKE/log"
[ -f "$FAKE/state/installer-fails" ] && exit 1
[ "$INSTALL_K3S_SKIP_DOWNLOAD" = true ] || { echo "[ERROR] the sandbox's installer downloads nothing: INSTALL_K3S_SKIP_DOWNLOAD=true expected" >&2; exit 1; }
[ -x "$INSTALL_K3S_BIN_DIR/k3s" ] || { echo "[ERROR] Executable k3s binary not found at $INSTALL_K3S_BIN_DIR/k3s" >&2; exit 1; }
printf '%s' "$INSTALL_K3S_VERSION" >"$FAKE/state/version"
[ -n "$skip" ] || "$FAKE/start-k3s"`,
    // k3s starting: writes its secure server token from the token file, as k3s does, and clears
    // the reset flag (absolute paths: the shims would record these calls as the script's).
    "start-k3s": `
touch "$FAKE/state/active"
server="$K3S_ROOT/var/lib/rancher/k3s/server"; /bin/mkdir -p "$server"
if [ -f "$K3S_ROOT/etc/rancher/k3s/token" ]; then t="$(<"$K3S_ROOT/etc/rancher/k3s/token")"; printf 'K10fakecahash::server:%s\\n' "\${t##*:}" >"$server/token"; fi
/bin/rm -f "$server/db/reset-flag"`,
    k3s: `
args=(); for a in "$@"; do case "$a" in --request-timeout=*) ;; *) args+=("$a") ;; esac; done; set -- "\${args[@]}"
case "$*" in
  --version) echo "k3s version $(cat "$FAKE/state/version") (fake)"; echo "go version go1.24" ;;
  "kubectl get --raw /readyz") if [ -f "$FAKE/state/readyz-fails" ]; then echo "[-]etcd failed: reason withheld"; exit 1; fi; echo ok ;;
  "kubectl get node "*" -o name") if [ -f "$FAKE/state/node-gone" ]; then echo "Error from server (NotFound): nodes \\"$4\\" not found" >&2; exit 1; fi; echo "node/$4" ;;
  "kubectl get node "*) if [ -f "$FAKE/state/node-notready" ]; then echo "False $(cat "$FAKE/state/version")"; else echo "True $(cat "$FAKE/state/version")"; fi ;;
  "kubectl drain "*) [ -f "$FAKE/state/drain-fails" ] && exit 1; echo drained ;;
  "kubectl delete node "*) [ -f "$FAKE/state/delete-fails" ] && exit 1; touch "$FAKE/state/node-gone"; echo deleted ;;
  "token rotate "*) [ -f "$FAKE/state/rotate-ignores-term" ] && { trap '' TERM; exec /bin/sleep 1000; }; [ -f "$FAKE/state/rotate-hangs" ] && exec /bin/sleep 1000; [ -f "$FAKE/state/rotate-fails" ] && exit 1; echo "Token rotated, restart k3s nodes with new token" ;;
  "server --cluster-reset "*)
    [ -f "$FAKE/state/reset-fails" ] && { echo "etcd-snapshot: snapshot not found in s3"; exit 1; }
    [ -f "$K3S_ROOT/etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml" ] && grep -q '^etcd-s3: true' "$K3S_ROOT/etc/rancher/k3s/config.yaml" && touch "$FAKE/state/reset-read-s3-settings"
    /bin/mkdir -p "$K3S_ROOT/var/lib/rancher/k3s/server/db/etcd"; : >"$K3S_ROOT/var/lib/rancher/k3s/server/db/reset-flag"
    echo "Managed etcd cluster membership has been reset, restart without --cluster-reset flag now." ;;
esac`,
    // systemctl-hangs: no call ever returns (a wedged systemd). blocking-start-hangs: a start or
    // restart without --no-block never returns, as for a Type=notify unit that never gets ready
    // (k3s.service has TimeoutStartSec=0). stop-hangs: only `stop k3s` never returns (k3s's unit
    // has KillMode=process and no TimeoutStopSec of its own: a wedged stop waits on systemd's default).
    systemctl: `
[ -f "$FAKE/state/systemctl-hangs" ] && exec /bin/sleep 1000
case "$*" in
  "is-active --quiet k3s") [ -f "$FAKE/state/active" ] ;;
  "restart k3s" | "start k3s") [ -f "$FAKE/state/blocking-start-hangs" ] && exec /bin/sleep 1000; "$FAKE/start-k3s" ;;
  "restart --no-block k3s" | "start --no-block k3s") "$FAKE/start-k3s" ;;
  "stop k3s") [ -f "$FAKE/state/stop-hangs" ] && exec /bin/sleep 1000; /bin/rm -f "$FAKE/state/active" ;;
esac`,
    // sshd -T as the node would print it: the hardening unless state/sshd-T holds another answer.
    sshd: `
[ "$1" = -T ] || exit 2
if [ -f "$FAKE/state/sshd-T" ]; then cat "$FAKE/state/sshd-T"; else printf 'port 22\npermitrootlogin without-password\npasswordauthentication no\n'; fi`,
    "cloud-init": `exit "$(cat "$FAKE/state/cloud-init-rc" 2>/dev/null || echo 0)"`,
    // The machine's architecture: state/uname-m when set (an Arm node), else this machine's.
    uname: `if [ "$1" = -m ] && [ -f "$FAKE/state/uname-m" ]; then cat "$FAKE/state/uname-m"; else exec /usr/bin/uname "$@"; fi`,
};
/**
 * Real tools the scripts use, wrapped so their argv is recorded too, in a sandbox that records them
 * (recordTools): a wrapped call costs a second exec, and most tests read only the fakes' calls.
 */
export const shimmed = ["base64", "cp", "mv", "chmod", "cmp", "stat", "mkdir", "mktemp", "awk", "rm", "cat", "sh", "timeout", "sleep", "dirname", "id"];
export const realPaths = spawnSync("bash", ["-c", shimmed.map((t) => `command -v ${t}`).join(" && ")], { encoding: "utf8" }).stdout.trim().split("\n");

/** A fake's file as the sandbox writes it; the ones it writes outside bin/ record no call of their own. */
export const fakeText = (name: string) => {
    const record = ["installer.sh", "start-k3s"].includes(name) ? "" : `printf '%s\\n' "${name} $*" >>"$FAKE/log"\n`;
    return `#!/bin/bash\n${record}${fakes[name]}\n`;
};
export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
/** What honeydue:k3sInstallerSha256 and k3sBinarySha256 would hold for the sandbox's release. */
export const INSTALLER_SHA256 = sha256(fakeText("installer.sh"));
export const K3S_SHA256 = sha256(fakeText("k3s"));
export const pins = ["--installer-sha256", INSTALLER_SHA256, "--k3s-sha256", K3S_SHA256];

const base = mkdtempSync(join(tmpdir(), "honeydue-scripts-"));
let n = 0;
/** The current test's sandbox (a fresh one per test, useSandbox); enter() switches to another node's. */
let box = "";
export const sandboxDir = () => box;
export const enter = (dir: string) => {
    box = dir;
};
/** The sandboxes made so far, removed after each file's tests (useSandbox). */
const made: string[] = [];

export function sandbox(): string {
    const dir = join(base, String(n++));
    made.push(dir);
    for (const d of ["bin", "state", "root/usr/local/bin", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
    for (const name of Object.keys(fakes)) {
        const isBin = !["installer.sh", "k3s", "start-k3s"].includes(name);
        writeFileSync(isBin ? join(dir, "bin", name) : join(dir, name), fakeText(name), { mode: 0o755 });
    }
    // The kernel settings cloud-init sets for protect-kernel-defaults, as the node would show them.
    for (const [key, value] of Object.entries(kernelDefaults)) {
        const path = join(dir, "root", "proc", "sys", ...key.split("."));
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, `${value}\n`);
    }
    writeFileSync(join(dir, "log"), "");
    return dir;
}

/** The sandboxes whose real tools are wrapped (recordTools). */
const recording = new Set<string>();

/**
 * Wraps the real tools in the current sandbox, so the log holds every argv the script passes, not
 * only the fakes'. A test that reads the whole log (no secret on any command line) or a real tool's
 * calls turns it on; calls() and log() refuse to answer for them otherwise.
 */
export function recordTools(): void {
    // POSIX sh (dash on Debian): the scripts run thousands of these, and dash starts in half bash's CPU time.
    for (const [i, tool] of shimmed.entries()) {
        writeFileSync(join(box, "bin", tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >>"$FAKE/log"\nexec ${realPaths[i]} "$@"\n`, { mode: 0o755 });
    }
    recording.add(box);
}

const assertRecording = (what: string) => assert.ok(recording.has(box), `${what} in a sandbox that does not record the real tools: call recordTools() first`);

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

export function run(name: ScriptName, args: string[], files: Record<string, string> = {}, env: Record<string, string> = {}): Run {
    const r = spawnSync("bash", ["-s", "--", ...args], {
        input: withPayload(name, files),
        encoding: "utf8",
        timeout: 20_000,
        env: {
            PATH: `${join(box, "bin")}:${join(box, "root", "usr", "local", "bin")}:/usr/bin:/bin`,
            FAKE: box,
            K3S_ROOT: join(box, "root"),
            TMPDIR: join(box, "tmp"),
            READY_TIMEOUT: "5",
            NODE_READY_TIMEOUT: "5",
            POLL_INTERVAL: "0.1",
            PEER_PROBE_TIMEOUT: "1",
            ...env,
        },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const recorded = () => readFileSync(join(box, "log"), "utf8");
/** Every recorded argv, the real tools' too (recordTools). */
export const log = () => {
    assertRecording("the whole log");
    return recorded();
};
/** The recorded calls that start with `prefix` (a fake's, or a real tool's once recordTools ran). */
export const calls = (prefix: string) => {
    if (shimmed.includes(prefix.split(" ")[0])) assertRecording(`the calls of ${prefix.split(" ")[0]}`);
    return recorded().split("\n").filter((l) => l.startsWith(prefix));
};
export const nodeFile = (p: string) => join(box, "root", p);
export const mode = (p: string) => (statSync(nodeFile(p)).mode & 0o777).toString(8);
export const state = (flag: string, content = "") => writeFileSync(join(box, "state", flag), content);
export const resetLog = () => writeFileSync(join(box, "log"), "");
/** The script's marker on the node, /etc/rancher/k3s/honeydue-bootstrap, as key → value. */
export const marker = (): Record<string, string> => {
    const path = nodeFile("etc/rancher/k3s/honeydue-bootstrap");
    if (!existsSync(path)) return {};
    return Object.fromEntries(readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
};
export const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
export const fails = (r: Run, message: RegExp) => {
    assert.notEqual(r.code, 0, `expected a failure\nstdout: ${r.stdout}`);
    assert.match(r.stderr, message);
};

export const initArgs = ["--role", "init", "--node", "node-1", "--version", VERSION, ...pins, "--peers", "10.0.1.12,10.0.1.13"];
export const joinArgs = ["--role", "join", "--node", "node-2", "--version", VERSION, ...pins];

/**
 * A fresh sandbox for each test of the calling file (its top-level hooks), all removed after its
 * tests: called at a test file's top level, so its hooks stay the file's own in a group too.
 */
export function useSandbox(): void {
    beforeEach(() => enter(sandbox()));
    after(() => {
        for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
        try {
            rmdirSync(base);
        } catch {
            /* another file's sandboxes are still there */
        }
    });
}
