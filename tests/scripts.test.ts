// The node scripts, run for real under bash in a sandbox: a temporary directory as the node's
// root (K3S_ROOT), and fake installer, k3s, systemctl, curl, cloud-init on PATH that record their
// argv (as do shims around the real tools the scripts use). Each script arrives on stdin exactly
// as the command provider sends it: `bash -s -- ARGS` with the payload after the script.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { parse } from "yaml";
import { kernelDefaults, sshdExpected, sshdHostKeyExpected } from "../infra/hetzner/cloudInit";
import { runScript, scriptBounds, scriptsDir, withPayload, type ScriptName } from "../infra/k3s/scripts";
import { renderEtcdS3Credentials, renderServerConfig, serverConfigs, type ServerAddress } from "../infra/k3s/serverConfig";
import { testCluster } from "./support/k3sCluster";

const VERSION = "v1.34.6+k3s1";
const TOKEN = "sandboxClusterToken0123456789abcdefABCDEF";
const B2_KEY = "sandboxB2ApplicationKey0000";
const servers: ServerAddress[] = [1, 2, 3].map((i) => ({ name: `node-${i}`, privateIp: `10.0.1.1${i}`, publicIpv4: `203.0.113.1${i}` }));
const cluster = testCluster;
const rendered = serverConfigs(cluster, servers);

const initFiles = (config = rendered.configs[0]) => ({
    "config.yaml": renderServerConfig(config),
    "config-rejoin.yaml": renderServerConfig(rendered.rejoin),
    token: `${TOKEN}\n`,
    "etcd-s3-credentials.yaml": renderEtcdS3Credentials("sandboxKeyId000", B2_KEY),
});
const joinFiles = () => ({ "config.yaml": renderServerConfig(rendered.configs[1]), token: `K10abc::server:${TOKEN}\n`, "etcd-s3-credentials.yaml": renderEtcdS3Credentials("sandboxKeyId000", B2_KEY) });

// ---- the sandbox -------------------------------------------------------------------------------

const fakes: Record<string, string> = {
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
/** Real tools the scripts use, wrapped so their argv is recorded too. */
const shimmed = ["base64", "cp", "mv", "chmod", "cmp", "stat", "mkdir", "mktemp", "awk", "rm", "cat", "sh", "timeout", "sleep", "dirname", "id"];
const realPaths = spawnSync("bash", ["-c", shimmed.map((t) => `command -v ${t}`).join(" && ")], { encoding: "utf8" }).stdout.trim().split("\n");

/** A fake's file as the sandbox writes it; the ones it writes outside bin/ record no call of their own. */
const fakeText = (name: string) => {
    const record = ["installer.sh", "start-k3s"].includes(name) ? "" : `printf '%s\\n' "${name} $*" >>"$FAKE/log"\n`;
    return `#!/bin/bash\n${record}${fakes[name]}\n`;
};
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
/** What honeydue:k3sInstallerSha256 and k3sBinarySha256 would hold for the sandbox's release. */
const INSTALLER_SHA256 = sha256(fakeText("installer.sh"));
const K3S_SHA256 = sha256(fakeText("k3s"));
const pins = ["--installer-sha256", INSTALLER_SHA256, "--k3s-sha256", K3S_SHA256];

const base = mkdtempSync(join(tmpdir(), "honeydue-scripts-"));
let box: string;
let n = 0;

function sandbox(): string {
    const dir = join(base, String(n++));
    for (const d of ["bin", "state", "root/usr/local/bin", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
    for (const name of Object.keys(fakes)) {
        const isBin = !["installer.sh", "k3s", "start-k3s"].includes(name);
        writeFileSync(isBin ? join(dir, "bin", name) : join(dir, name), fakeText(name), { mode: 0o755 });
    }
    // The shims are POSIX sh (dash on Debian): the scripts run a few thousand of them in this file,
    // and dash starts in half bash's CPU time.
    for (const [i, tool] of shimmed.entries()) {
        const real = realPaths[i];
        writeFileSync(join(dir, "bin", tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >>"$FAKE/log"\nexec ${real} "$@"\n`, { mode: 0o755 });
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

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

function run(name: ScriptName, args: string[], files: Record<string, string> = {}, env: Record<string, string> = {}): Run {
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

const log = () => readFileSync(join(box, "log"), "utf8");
const calls = (prefix: string) => log().split("\n").filter((l) => l.startsWith(prefix));
const nodeFile = (p: string) => join(box, "root", p);
const mode = (p: string) => (statSync(nodeFile(p)).mode & 0o777).toString(8);
const state = (flag: string, content = "") => writeFileSync(join(box, "state", flag), content);
const resetLog = () => writeFileSync(join(box, "log"), "");
/** The script's marker on the node, /etc/rancher/k3s/honeydue-bootstrap, as key → value. */
const marker = (): Record<string, string> => {
    const path = nodeFile("etc/rancher/k3s/honeydue-bootstrap");
    if (!existsSync(path)) return {};
    return Object.fromEntries(readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
};
const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
const fails = (r: Run, message: RegExp) => {
    assert.notEqual(r.code, 0, `expected a failure\nstdout: ${r.stdout}`);
    assert.match(r.stderr, message);
};

const initArgs = ["--role", "init", "--node", "node-1", "--version", VERSION, ...pins, "--peers", "10.0.1.12,10.0.1.13"];
const joinArgs = ["--role", "join", "--node", "node-2", "--version", VERSION, ...pins];

beforeEach(() => (box = sandbox()));
after(() => rmSync(base, { recursive: true, force: true }));

// ---- the tests ---------------------------------------------------------------------------------

describe("k3s-server.sh", () => {
    it("installs the first server with cluster-init, files 0600, pinned installer, waits for /readyz", () => {
        const r = run("k3s-server", initArgs, initFiles());
        ok(r);
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config["cluster-init"], true);
        assert.equal(config.server, undefined);
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), `${TOKEN}\n`);
        assert.match(readFileSync(nodeFile("etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml"), "utf8"), new RegExp(`etcd-s3-secret-key: ${B2_KEY}`));
        for (const f of ["etc/rancher/k3s/config.yaml", "etc/rancher/k3s/token", "etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml"]) assert.equal(mode(f), "600", f);
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${VERSION} INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true`]);
        assert.ok(calls("curl").some((l) => l.endsWith("https://raw.githubusercontent.com/k3s-io/k3s/v1.34.6%2Bk3s1/install.sh")), "the installer at the release's tag");
        assert.ok(calls("curl").some((l) => l.endsWith("https://github.com/k3s-io/k3s/releases/download/v1.34.6%2Bk3s1/k3s")), "the release's binary");
        assert.equal(readFileSync(nodeFile("usr/local/bin/k3s"), "utf8"), fakeText("k3s"), "the checked binary installed");
        assert.ok(calls("curl").some((l) => l.endsWith("https://10.0.1.12:6443/ping")), "peers probed before cluster-init");
        assert.ok(calls("k3s kubectl --request-timeout=10s get --raw /readyz").length >= 1);
        assert.deepEqual(marker(), { mode: "cluster-init", k3s: "managed" });
        assert.deepEqual(readdirSync(join(box, "tmp")), [], "the decoded payload is removed");
    });

    it("keeps the token and the B2 credentials 0600 when it finds them loosened or a stale .new copy", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        const secretFiles = ["etc/rancher/k3s/token", "etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml"];
        // The same content with a loosened mode (a hand edit): the script must still fix it.
        for (const f of secretFiles) chmodSync(nodeFile(f), 0o644);
        // A copy left by an interrupted run: cp keeps an existing file's mode.
        writeFileSync(nodeFile("etc/rancher/k3s/token.new"), "stale\n", { mode: 0o644 });
        chmodSync(nodeFile("etc/rancher/k3s/token.new"), 0o644);
        ok(run("k3s-server", initArgs, initFiles()));
        for (const f of secretFiles) assert.equal(mode(f), "600", f);
        writeFileSync(nodeFile("etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml.new"), "stale\n", { mode: 0o644 });
        chmodSync(nodeFile("etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml.new"), 0o644);
        ok(run("k3s-server", initArgs, initFiles({ ...rendered.configs[0], "tls-san": ["api.example.com"] })));
        assert.equal(mode("etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml"), "600");
    });

    it("never lets another user read a secret, not even before its chmod (umask 077)", () => {
        // cp, recorded with the mode of each file it creates, right after it creates it.
        writeFileSync(join(box, "bin", "cp"), `#!/bin/bash\nprintf '%s\\n' "cp $*" >>"$FAKE/log"\n${realPaths[shimmed.indexOf("cp")]} "$@" || exit\nprintf '%s %s\\n' "$(stat -c %a "\${*: -1}")" "\${*: -1}" >>"$FAKE/modes"\n`, { mode: 0o755 });
        ok(run("k3s-server", initArgs, initFiles()));
        const created = readFileSync(join(box, "modes"), "utf8").trim().split("\n");
        assert.ok(created.some((l) => l.endsWith("/etc/rancher/k3s/token.new")), created.join("\n"));
        for (const line of created) assert.match(line, /^[0-7]00 /, "a file readable by others for a moment");
        assert.equal(mode("etc/rancher/k3s/honeydue-bootstrap"), "600", "the marker too");
    });

    it("changes nothing on a second run with the same version and files", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const r = run("k3s-server", initArgs, initFiles());
        ok(r);
        assert.match(r.stdout, /already installed and configured; nothing to change/);
        assert.deepEqual(calls("installer"), []);
        assert.deepEqual(calls("curl"), [], "no download, no peer probe once the bootstrap is recorded");
        assert.deepEqual(calls("systemctl restart"), []);
        assert.deepEqual(calls("mv"), [], "no file rewritten");
    });

    it("restarts k3s, without reinstalling, when only the configuration changed", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const r = run("k3s-server", initArgs, initFiles({ ...rendered.configs[0], "tls-san": ["203.0.113.11", "api.example.com"] }));
        ok(r);
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
        assert.deepEqual(calls("installer"), []);
        assert.match(r.stdout, /configuration changed \(\/etc\/rancher\/k3s\/config\.yaml\)/);
    });

    it("upgrades with the installer pinned to the new version", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const next = "v1.34.7+k3s1";
        const r = run("k3s-server", initArgs.map((a) => (a === VERSION ? next : a)), initFiles());
        ok(r);
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${next} INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true`]);
        // The sandbox's binary is the same file for every release: already pinned, not downloaded again.
        assert.deepEqual(calls("curl").map((l) => l.split(" ").pop()), ["https://raw.githubusercontent.com/k3s-io/k3s/v1.34.7%2Bk3s1/install.sh"]);
        assert.match(r.stdout, /already has the pinned SHA-256: not downloaded again/);
        assert.match(r.stdout, new RegExp(`upgrading k3s from ${VERSION.replace("+", "\\+")} to ${next.replace("+", "\\+")}`));
    });

    it("refuses an installer whose SHA-256 is not the pinned one, naming the file and both hashes; nothing installed", () => {
        state("tampered-installer");
        const actual = sha256(`${fakeText("installer.sh")}# tampered\n`);
        const r = run("k3s-server", joinArgs, joinFiles());
        fails(r, new RegExp(`the downloaded install\\.sh \\(https://raw\\.githubusercontent\\.com/k3s-io/k3s/v1\\.34\\.6%2Bk3s1/install\\.sh\\) has SHA-256 ${actual}, expected ${INSTALLER_SHA256} \\(honeydue:k3sInstallerSha256 for k3s v1\\.34\\.6\\+k3s1\\); nothing was installed or run`));
        assert.deepEqual(calls("installer"), [], "the installer never ran");
        assert.ok(!existsSync(nodeFile("usr/local/bin/k3s")), "no binary installed");
        assert.ok(!existsSync(nodeFile("etc/rancher/k3s")), "checked before any file of the node is written");
    });

    it("refuses a k3s binary whose SHA-256 is not the pinned one, naming the file and both hashes; nothing installed", () => {
        state("tampered-binary");
        const actual = sha256(`${fakeText("k3s")}# tampered\n`);
        fails(run("k3s-server", joinArgs, joinFiles()), new RegExp(`the downloaded k3s \\(https://github\\.com/k3s-io/k3s/releases/download/v1\\.34\\.6%2Bk3s1/k3s\\) has SHA-256 ${actual}, expected ${K3S_SHA256} \\(honeydue:k3sBinarySha256`));
        assert.deepEqual(calls("installer"), [], "the installer never ran");
        assert.ok(!existsSync(nodeFile("usr/local/bin/k3s")), "no binary installed");
        assert.ok(!existsSync(nodeFile("etc/rancher/k3s")), "checked before any file of the node is written");
    });

    // k3s-io/k3s install.sh setup_verify_arch: SUFFIX is empty for amd64/x86_64 and -arm64 for
    // arm64/aarch64; download_binary fetches ${GITHUB_URL}/download/<version>/k3s${SUFFIX}.
    it("downloads the release's asset for the node's architecture: k3s-arm64 on aarch64 (cax), and refuses one it has no asset for", () => {
        state("uname-m", "aarch64");
        ok(run("k3s-server", joinArgs, joinFiles()));
        assert.deepEqual(
            calls("curl").filter((c) => c.includes("/releases/download/")).map((c) => c.split(" ").pop()),
            ["https://github.com/k3s-io/k3s/releases/download/v1.34.6%2Bk3s1/k3s-arm64"],
        );
        box = sandbox();
        state("uname-m", "riscv64");
        fails(run("k3s-server", joinArgs, joinFiles()), /no k3s binary is pinned for this machine's architecture 'riscv64'; expected x86_64 or aarch64/);
        assert.ok(!existsSync(nodeFile("etc/rancher/k3s")), "refused before any file of the node is written");
    });

    it("replaces a binary that is not the pinned one on a managed node of the same version, then restarts k3s", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        writeFileSync(nodeFile("usr/local/bin/k3s"), `${fakeText("k3s")}# another build\n`, { mode: 0o755 });
        resetLog();
        const r = run("k3s-server", joinArgs, joinFiles());
        ok(r);
        assert.match(r.stdout, /its binary is not the one pinned by honeydue:k3sBinarySha256: replacing it/);
        assert.equal(readFileSync(nodeFile("usr/local/bin/k3s"), "utf8"), fakeText("k3s"));
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
        assert.deepEqual(calls("installer"), []);
    });

    it("refuses download hashes that are not 64 lower-case hex digits, naming the key", () => {
        const swap = (flag: string, value: string) => joinArgs.map((a, i) => (joinArgs[i - 1] === flag ? value : a));
        fails(run("k3s-server", swap("--installer-sha256", "abc"), joinFiles()), /--installer-sha256 must be the SHA-256 of the k3s v1\.34\.6\+k3s1 installer \(64 lower-case hex digits, honeydue:k3sInstallerSha256\), got 'abc'/);
        fails(run("k3s-server", swap("--k3s-sha256", K3S_SHA256.toUpperCase()), joinFiles()), /--k3s-sha256 must be the SHA-256 of the k3s v1\.34\.6\+k3s1 binary \(64 lower-case hex digits, honeydue:k3sBinarySha256\)/);
        assert.deepEqual(calls("curl"), []);
    });

    it("joins a server through node 1's private address with the secure token, without probing peers", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config.server, "https://10.0.1.11:6443");
        assert.equal(config["cluster-init"], undefined);
        assert.match(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), /^K10abc::server:/);
        assert.equal(mode("etc/rancher/k3s/token"), "600");
        assert.ok(!calls("curl").some((l) => l.includes("/ping")));
        assert.deepEqual(marker(), { k3s: "managed" }, "a joiner records no bootstrap mode");
    });

    it("rejoins a rebuilt first node through node 2 instead of starting a second cluster", () => {
        state("peer-10.0.1.12");
        state("peer-10.0.1.13");
        const r = run("k3s-server", initArgs, initFiles());
        ok(r);
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config["cluster-init"], undefined);
        assert.equal(config.server, "https://10.0.1.12:6443");
        assert.equal(marker().mode, "rejoin");
        assert.match(r.stdout, /never a second cluster-init/);
        resetLog();
        ok(run("k3s-server", initArgs, initFiles()));
        assert.deepEqual(calls("installer"), [], "and stays a joined server on the next run");
    });

    it("keeps cluster-init for a first server that already holds etcd data, even when peers answer", () => {
        mkdirSync(nodeFile("var/lib/rancher/k3s/server/db/etcd"), { recursive: true });
        state("peer-10.0.1.12");
        ok(run("k3s-server", initArgs, initFiles()));
        assert.equal(parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"))["cluster-init"], true);
    });

    it("refuses to start a cluster when one runs but the server to rejoin through does not answer", () => {
        state("peer-10.0.1.13");
        const r = run("k3s-server", initArgs, initFiles());
        fails(r, /a cluster already runs \(10\.0\.1\.13 answer\) but 10\.0\.1\.12.*does not.*will not start a second cluster/);
        assert.deepEqual(calls("installer"), []);
        assert.ok(!existsSync(nodeFile("etc/rancher/k3s/config.yaml")));
    });

    it("fails with a clear message when the API server never becomes ready", () => {
        state("readyz-fails");
        const started = Date.now();
        const r = run("k3s-server", joinArgs, joinFiles(), { READY_TIMEOUT: "1" });
        fails(r, /API server on this node is not ready after 1s \(last \/readyz answer: '\[-\]etcd failed: reason withheld'\); see 'journalctl -u k3s -n 100'/);
        assert.ok(Date.now() - started < 10_000, "bounded");
    });

    it("stops before installing when the kernel settings protect-kernel-defaults needs are missing", () => {
        writeFileSync(nodeFile("proc/sys/vm/overcommit_memory"), "0\n");
        fails(run("k3s-server", joinArgs, joinFiles()), /protect-kernel-defaults is on but vm\.overcommit_memory=0 \(expected 1\); cloud-init's \/etc\/sysctl\.d\/90-kubelet\.conf/);
        assert.deepEqual(calls("installer"), []);
    });

    it("fails with a clear message when the installer fails", () => {
        state("installer-fails");
        fails(run("k3s-server", joinArgs, joinFiles()), /the k3s installer failed for v1\.34\.6\+k3s1/);
    });

    it("refuses a payload without a token, and bad arguments, naming what is expected", () => {
        const noToken: Record<string, string> = joinFiles();
        delete noToken.token;
        fails(run("k3s-server", joinArgs, noToken), /the payload has no token/);
        fails(run("k3s-server", ["--role", "leader", "--node", "n", "--version", VERSION], joinFiles()), /--role must be init or join, got 'leader'/);
        fails(run("k3s-server", ["--role", "join", "--node", "n", "--version", "stable"], joinFiles()), /--version must be a pinned k3s release such as v1\.34\.6\+k3s1, got 'stable'/);
        fails(run("k3s-server", joinArgs, { ...joinFiles(), "evil.sh": "x" }), /unexpected payload entry 'evil\.sh'/);
    });

    it("never puts a secret in any recorded argv", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        ok(run("k3s-server", joinArgs, joinFiles()));
        const recorded = log();
        assert.ok(recorded.split("\n").length > 20, "the sandbox recorded the run");
        for (const secret of [TOKEN, B2_KEY]) {
            assert.ok(!recorded.includes(secret), "a secret in argv");
            assert.ok(!recorded.includes(Buffer.from(secret).toString("base64").slice(0, 24)), "a base64 secret in argv");
        }
    });
});

// A server built by hand: k3s on `version` running, its own config.yaml, its secure token.
const HAND_CONFIG = "# written by hand\ncluster-init: true\nnode-ip: 10.0.1.11\nflannel-iface: enp7s0\n";
function handBuilt(version = VERSION, passphrase = TOKEN) {
    state("version", version);
    copyFileSync(join(box, "k3s"), nodeFile("usr/local/bin/k3s"));
    state("active");
    mkdirSync(nodeFile("etc/rancher/k3s"), { recursive: true });
    writeFileSync(nodeFile("etc/rancher/k3s/config.yaml"), HAND_CONFIG, { mode: 0o644 });
    mkdirSync(nodeFile("var/lib/rancher/k3s/server/db/etcd"), { recursive: true });
    writeFileSync(nodeFile("var/lib/rancher/k3s/server/token"), `K10handbuiltcahash::server:${passphrase}\n`);
}
const withFlags = (args: string[], ...flags: string[]) => [...args, ...flags];
const NEXT = "v1.34.7+k3s1";
const bumped = (args: string[]) => args.map((a) => (a === VERSION ? NEXT : a));
const OTHER_TOKEN = "rotatedClusterToken9876543210zyxwvuZYXWVU";

describe("k3s-server.sh --adopt (a node built by hand)", () => {
    for (const [role, args, files] of [
        ["node 1", initArgs, initFiles],
        ["a joiner", joinArgs, joinFiles],
    ] as const) {
        it(`leaves ${role} on the pinned version alone, on the first and the second run: no install, no file written, no restart`, () => {
            handBuilt();
            for (const runNo of [1, 2]) {
                resetLog();
                const r = run("k3s-server", withFlags([...args], "--adopt"), files());
                ok(r);
                assert.match(r.stdout, runNo === 1 ? /already runs here \(built by hand\): adopted and left alone/ : /adopted node on k3s v1\.34\.6\+k3s1: left alone/);
                assert.equal(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"), HAND_CONFIG, "the hand-written config.yaml is kept");
                assert.equal(mode("etc/rancher/k3s/config.yaml"), "644", "not even its mode is touched");
                assert.ok(!existsSync(nodeFile("etc/rancher/k3s/token")), "no token file written");
                assert.ok(!existsSync(nodeFile("etc/rancher/k3s/config.yaml.d")), "no credentials drop-in written");
                assert.deepEqual(calls("installer"), [], "the installer is never called");
                assert.deepEqual(calls("curl"), [], "nothing downloaded, no peer probed");
                assert.deepEqual(calls("systemctl restart"), [], "k3s is never restarted");
                assert.deepEqual(calls("systemctl stop"), []);
                assert.deepEqual(calls("mv"), []);
                assert.ok(calls("k3s kubectl --request-timeout=10s get --raw /readyz").length >= 1, "it does check the node is healthy");
                assert.deepEqual(marker(), { k3s: "adopted" }, "the node records that it was adopted");
            }
        });
    }

    it("refuses a node that runs another k3s version than pinned, saying how to adopt it", () => {
        handBuilt("v1.33.5+k3s1");
        const r = run("k3s-server", withFlags(initArgs, "--adopt"), initFiles());
        fails(r, /k3s v1\.33\.5\+k3s1 runs here but honeydue:k3sVersion is v1\.34\.6\+k3s1; to adopt a running node, pin the version it runs first \('pulumi config set honeydue:k3sVersion v1\.33\.5\+k3s1'\), adopt, then upgrade/);
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"), HAND_CONFIG);
        assert.deepEqual(calls("installer"), []);
        assert.deepEqual(marker(), {});
    });

    it("refuses node 1 when the program's token is not the one the cluster runs with, without printing either", () => {
        handBuilt(VERSION, OTHER_TOKEN);
        const r = run("k3s-server", withFlags(initArgs, "--adopt"), initFiles());
        fails(r, /not the one this cluster runs with; set honeydue:k3sToken to the running cluster's token \(the part after '::server:' in \/var\/lib\/rancher\/k3s\/server\/token/);
        assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN) && !`${r.stdout}${r.stderr}`.includes(OTHER_TOKEN));
        assert.deepEqual(calls("k3s token"), [], "adoption never rotates");
        assert.deepEqual(marker(), {});
    });

    it("refuses an adopted node whose k3s is not running, instead of starting it", () => {
        handBuilt();
        rmSync(join(box, "state", "active"));
        fails(run("k3s-server", withFlags(joinArgs, "--adopt"), joinFiles()), /installed but not running; an adopted node is left as it is: start it/);
        assert.deepEqual(calls("systemctl restart"), []);
    });

    it("applies our configuration at the next version bump, as an upgrade; the node is managed from then on", () => {
        handBuilt();
        ok(run("k3s-server", withFlags(initArgs, "--adopt"), initFiles()));
        resetLog();
        const r = run("k3s-server", withFlags(bumped(initArgs), "--adopt"), initFiles());
        ok(r);
        assert.match(r.stdout, /adopted node: applying the program's configuration now, with the upgrade from v1\.34\.6\+k3s1 to v1\.34\.7\+k3s1/);
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${NEXT} INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true`]);
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config["token-file"], "/etc/rancher/k3s/token", "our configuration replaced the hand-written one");
        assert.equal(config["cluster-init"], true, "node 1 with etcd data keeps founding the cluster");
        assert.equal(mode("etc/rancher/k3s/config.yaml"), "600");
        assert.deepEqual(marker(), { k3s: "managed", mode: "cluster-init" });
        resetLog();
        ok(run("k3s-server", withFlags(bumped(initArgs), "--adopt"), initFiles({ ...rendered.configs[0], "tls-san": ["203.0.113.11", "api.example.com"] })));
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"], "a managed node takes configuration changes, --adopt or not");
    });

    it("installs a node without k3s normally, --adopt or not", () => {
        ok(run("k3s-server", withFlags(joinArgs, "--adopt"), joinFiles()));
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${VERSION} INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true`]);
        assert.deepEqual(marker(), { k3s: "managed" });
    });

    it("applies our configuration to an adopted node once --adopt is dropped", () => {
        handBuilt();
        ok(run("k3s-server", withFlags(joinArgs, "--adopt"), joinFiles()));
        resetLog();
        ok(run("k3s-server", joinArgs, joinFiles()));
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
        assert.deepEqual(calls("installer"), []);
        assert.deepEqual(marker(), { k3s: "managed" });
    });
});

describe("k3s-server.sh --restore / --rejoin-restored (etcd from a B2 snapshot)", () => {
    const SNAPSHOT = "etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600";

    it("resets node 1 from the snapshot once, with the etcd-s3 settings from its files, then starts it", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const r = run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles());
        ok(r);
        const recorded = log().split("\n");
        const stop = recorded.indexOf("systemctl stop k3s");
        const reset = recorded.indexOf(`k3s server --cluster-reset --cluster-reset-restore-path=${SNAPSHOT}`);
        const start = recorded.indexOf("systemctl restart --no-block k3s");
        assert.ok(stop >= 0 && reset > stop && start > reset, `stop, reset, start in order:\n${log()}`);
        assert.ok(existsSync(join(box, "state", "reset-read-s3-settings")), "config.yaml (etcd-s3) and the credentials drop-in were in place for the reset");
        assert.ok(!existsSync(nodeFile("var/lib/rancher/k3s/server/db/reset-flag")), "k3s started normally afterwards");
        assert.deepEqual(calls("installer"), []);
        assert.deepEqual(marker(), { mode: "cluster-init", k3s: "managed", restored: SNAPSHOT });
        assert.match(r.stdout, /restored from etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600/);
        for (const secret of [TOKEN, B2_KEY]) assert.ok(!log().includes(secret), "no secret on a command line");

        resetLog();
        const again = run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles());
        ok(again);
        assert.deepEqual(calls("k3s server"), [], "the same snapshot is never restored twice");
        assert.deepEqual(calls("systemctl stop"), []);
        assert.match(again.stdout, /nothing to change/);
    });

    it("restores a rebuilt node 1 that had joined through node 2 as the cluster's founder again", () => {
        state("peer-10.0.1.12");
        ok(run("k3s-server", initArgs, initFiles()));
        assert.equal(marker().mode, "rejoin");
        mkdirSync(nodeFile("var/lib/rancher/k3s/server/db/etcd"), { recursive: true }); // a member now
        ok(run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles()));
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config["cluster-init"], true);
        assert.equal(config.server, undefined);
        assert.equal(marker().mode, "cluster-init");
    });

    it("installs a fresh node 1 without starting it, then restores", () => {
        ok(run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles()));
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${VERSION} INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true`]);
        assert.equal(calls("k3s server --cluster-reset").length, 1);
        assert.equal(marker().restored, SNAPSHOT);
    });

    it("never restores over a running cluster from a rebuilt node 1 (a restore left configured)", () => {
        state("peer-10.0.1.12");
        const r = run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles());
        fails(r, /the restore from etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600 is still configured, but this server has no etcd data and the cluster runs \(10\.0\.1\.12 answers\): a rebuilt first server does not restore over it; remove honeydue:etcdRestore/);
        assert.deepEqual(calls("installer"), []);
        assert.deepEqual(calls("k3s server"), []);
        assert.ok(!existsSync(nodeFile("etc/rancher/k3s/config.yaml")));
    });

    it("stops with k3s's own lines and the snapshot's name when the reset fails; the next run tries again", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        state("reset-fails");
        const r = run("k3s-server", withFlags(initArgs, "--restore", "etcd-snapshot-typo"), initFiles());
        fails(r, /the restore from etcd-snapshot-typo failed or timed out \(its last lines are above\); is the name right/);
        assert.match(r.stderr, /snapshot not found in s3/);
        assert.equal(marker().restored, undefined);
        rmSync(join(box, "state", "reset-fails"));
        resetLog();
        ok(run("k3s-server", withFlags(initArgs, "--restore", "etcd-snapshot-typo"), initFiles()));
        assert.equal(calls("k3s server --cluster-reset").length, 1);
    });

    it("makes a joiner move its old etcd data aside and join the restored cluster, once", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        mkdirSync(nodeFile("var/lib/rancher/k3s/server/db/etcd"), { recursive: true });
        writeFileSync(nodeFile("var/lib/rancher/k3s/server/db/etcd/member"), "old");
        resetLog();
        const r = run("k3s-server", withFlags(joinArgs, "--rejoin-restored", SNAPSHOT), joinFiles());
        ok(r);
        assert.deepEqual(calls("systemctl stop"), ["systemctl stop k3s"]);
        assert.ok(!existsSync(nodeFile("var/lib/rancher/k3s/server/db/etcd")), "no old etcd data when it starts");
        assert.equal(readFileSync(nodeFile(`var/lib/rancher/k3s/server/db-before-restore-${SNAPSHOT}/etcd/member`), "utf8"), "old", "kept aside, not deleted");
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
        assert.deepEqual(calls("k3s server"), [], "only node 1 resets");
        assert.deepEqual(marker(), { k3s: "managed", restored: SNAPSHOT });
        resetLog();
        ok(run("k3s-server", withFlags(joinArgs, "--rejoin-restored", SNAPSHOT), joinFiles()));
        assert.deepEqual(calls("systemctl stop"), [], "a second run leaves the rejoined server alone");
        assert.deepEqual(calls("systemctl restart"), []);
    });

    it("restores an adopted node: a restore is a deliberate change that applies our configuration", () => {
        handBuilt();
        ok(run("k3s-server", withFlags(initArgs, "--adopt"), initFiles()));
        ok(run("k3s-server", withFlags(initArgs, "--adopt", "--restore", SNAPSHOT), initFiles()));
        assert.equal(calls("k3s server --cluster-reset").length, 1);
        assert.equal(parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"))["etcd-s3"], true);
        assert.deepEqual(marker(), { k3s: "managed", restored: SNAPSHOT, mode: "cluster-init" });
    });

    it("refuses a restore flag on the wrong role and a snapshot that is not a file name", () => {
        fails(run("k3s-server", withFlags(joinArgs, "--restore", SNAPSHOT), joinFiles()), /--restore is for the init role \(node 1\); the others take --rejoin-restored/);
        fails(run("k3s-server", withFlags(initArgs, "--rejoin-restored", SNAPSHOT), initFiles()), /--rejoin-restored is for the join role; node 1 takes --restore/);
        fails(run("k3s-server", withFlags(initArgs, "--restore", "../etc/passwd"), initFiles()), /the snapshot must be a file name in the bucket's folder, got '\.\.\/etc\/passwd'/);
    });
});

describe("k3s-server.sh token rotation", () => {
    const rotatedInit = () => ({ ...initFiles(), token: `${OTHER_TOKEN}\n` });

    it("rotates the token on node 1 when the payload's differs, then restarts with the new token file; once", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const r = run("k3s-server", initArgs, rotatedInit());
        ok(r);
        assert.match(r.stdout, /the cluster token changed: rotating it/);
        assert.deepEqual(calls("k3s token"), [`k3s token rotate --new-token=${OTHER_TOKEN}`]);
        // k3s takes the new token only as a flag, and hides its argv as it starts: no other
        // process (a `timeout` wrapper, say, for the whole wait) may carry it.
        assert.deepEqual(log().split("\n").filter((l) => l.includes(OTHER_TOKEN)), [`k3s token rotate --new-token=${OTHER_TOKEN}`], "the new token in another process's argv");
        assert.ok(!log().includes(TOKEN), "the old token is read by k3s from its own file, never passed");
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), `${OTHER_TOKEN}\n`);
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
        assert.ok(log().indexOf("k3s token rotate") < log().indexOf("systemctl restart --no-block k3s"), "rotated while the old token still runs");
        resetLog();
        ok(run("k3s-server", initArgs, rotatedInit()));
        assert.deepEqual(calls("k3s token"), [], "k3s now runs with the new token: nothing more");
        assert.deepEqual(calls("systemctl restart"), []);
    });

    it("restarts a joiner with the new secure token, without rotating again", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        resetLog();
        ok(run("k3s-server", joinArgs, { ...joinFiles(), token: `K10abc::server:${OTHER_TOKEN}\n` }));
        assert.deepEqual(calls("k3s token"), []);
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
    });

    it("refuses to rotate when k3s is not running, before writing the new token", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        rmSync(join(box, "state", "active"));
        fails(run("k3s-server", initArgs, rotatedInit()), /the cluster token changed but k3s is not running here, so it cannot be rotated/);
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), `${TOKEN}\n`);
    });

    it("stops clearly when the rotation fails, leaving the old token in place", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        state("rotate-fails");
        fails(run("k3s-server", initArgs, rotatedInit()), /'k3s token rotate' failed \(exit 1\); k3s still runs with the old token/);
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), `${TOKEN}\n`);
    });

    it("stops a rotation that hangs at its bound (a shell watchdog, no wrapper holding the token), leaving the old token", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        state("rotate-hangs");
        resetLog();
        fails(run("k3s-server", initArgs, rotatedInit(), { ROTATE_TIMEOUT: "1" }), /'k3s token rotate' did not finish within 1s and was stopped; k3s still runs with the old token \(see 'journalctl -u k3s -n 100' on this node\)/);
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), `${TOKEN}\n`);
        assert.deepEqual(log().split("\n").filter((l) => l.includes(OTHER_TOKEN)), [`k3s token rotate --new-token=${OTHER_TOKEN}`]);
    });

    it("kills a hung rotation that ignores TERM, within its grace (the watchdog itself never waits unbounded)", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        state("rotate-ignores-term");
        const started = Date.now();
        fails(run("k3s-server", initArgs, rotatedInit(), { ROTATE_TIMEOUT: "1", ROTATE_KILL_GRACE: "1" }), /'k3s token rotate' did not finish within 1s and was stopped/);
        assert.ok(Date.now() - started < 15_000, "stopped by the watchdog, not by the test's own bound");
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), `${TOKEN}\n`);
    });
});

describe("wait-for-node.sh", () => {
    it("waits for cloud-init", () => {
        const r = run("wait-for-node", ["--node", "node-1"]);
        ok(r);
        assert.deepEqual(calls("cloud-init"), ["cloud-init status --wait"]);
        assert.match(r.stdout, /node-1: cloud-init done/);
    });
    it("accepts exit 2 (degraded)", () => {
        state("cloud-init-rc", "2");
        const r = run("wait-for-node", ["--node", "node-1"]);
        ok(r);
        assert.match(r.stdout, /degraded/);
    });
    it("fails clearly when cloud-init failed", () => {
        state("cloud-init-rc", "1");
        fails(run("wait-for-node", ["--node", "node-1"]), /node-1: cloud-init failed \(exit 1\); see 'cloud-init status --long'/);
    });
    it("checks sshd's effective configuration against the hardening cloud-init wrote", () => {
        const r = run("wait-for-node", ["--node", "node-1", ...sshdExpected.flatMap((kv) => ["--sshd", kv])]);
        ok(r);
        assert.deepEqual(calls("sshd"), ["sshd -T"]);
        assert.match(r.stdout, /node-1: sshd hardening in effect/);
    });
    it("fails clearly when another drop-in won (sshd keeps the first value it reads)", () => {
        state("sshd-T", "port 22\npermitrootlogin yes\npasswordauthentication yes\n");
        fails(
            run("wait-for-node", ["--node", "node-1", ...sshdExpected.flatMap((kv) => ["--sshd", kv])]),
            /node-1: sshd's effective configuration does not carry the hardening: passwordauthentication is 'yes' \(expected no\) permitrootlogin is 'yes' \(expected prohibit-password\); .*00-honeydue\.conf must sort before/,
        );
    });
    it("checks that sshd presents only the pinned host key file (every value of a multi-valued keyword)", () => {
        const args = ["--node", "node-1", "--sshd", sshdHostKeyExpected];
        state("sshd-T", "port 22\nhostkey /etc/ssh/ssh_host_ed25519_key\n");
        ok(run("wait-for-node", args));
        // A second key file (an image's RSA key, a regenerated one) would let a client negotiate an unpinned key.
        state("sshd-T", "port 22\nhostkey /etc/ssh/ssh_host_ed25519_key\nhostkey /etc/ssh/ssh_host_rsa_key\n");
        fails(run("wait-for-node", args), /node-1: .*hostkey is '\/etc\/ssh\/ssh_host_ed25519_key \/etc\/ssh\/ssh_host_rsa_key' \(expected \/etc\/ssh\/ssh_host_ed25519_key\)/);
    });
    it("fails clearly when cloud-init runs too long", () => {
        writeFileSync(join(box, "bin", "cloud-init"), "#!/bin/bash\nsleep 5\n", { mode: 0o755 });
        fails(run("wait-for-node", ["--node", "node-1"], {}, { CLOUD_INIT_TIMEOUT: "1" }), /node-1: cloud-init still running after 1s/);
    });
});

describe("node-ready.sh", () => {
    beforeEach(() => ok(run("k3s-server", joinArgs, joinFiles())));
    it("passes when the Node is Ready on the pinned version", () => {
        const r = run("node-ready", ["--node", "node-2", "--version", VERSION]);
        ok(r);
        assert.match(r.stdout, /node-2: Ready on v1\.34\.6\+k3s1/);
    });
    it("fails clearly when the Node runs another version", () => {
        fails(run("node-ready", ["--node", "node-2", "--version", "v1.35.0+k3s1"], {}, { NODE_READY_TIMEOUT: "1" }), /node-2 is not Ready on v1\.35\.0\+k3s1 after 1s \(last answer: 'True v1\.34\.6\+k3s1'/);
    });
    it("fails clearly when the Node is not Ready", () => {
        state("node-notready");
        fails(run("node-ready", ["--node", "node-2", "--version", VERSION], {}, { NODE_READY_TIMEOUT: "1" }), /node-2 is not Ready/);
    });
});

describe("drain-node.sh (on the departing node, first)", () => {
    it("does nothing on a node where k3s never ran", () => {
        const r = run("drain-node", ["--node", "node-3"]);
        ok(r);
        assert.match(r.stdout, /k3s is not installed; nothing to drain/);
    });
    it("cordons and drains the node, then stops k3s; never deletes the Node from its own API", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        resetLog();
        ok(run("drain-node", ["--node", "node-2"], {}, { DRAIN_TIMEOUT: "60" }));
        assert.deepEqual(calls("k3s kubectl drain"), ["k3s kubectl drain node-2 --ignore-daemonsets --delete-emptydir-data --timeout=60s"]);
        assert.deepEqual(calls("systemctl stop"), ["systemctl stop k3s"]);
        assert.ok(log().indexOf("k3s kubectl drain") < log().indexOf("systemctl stop k3s"), "drained while k3s still runs");
        assert.deepEqual(calls("k3s kubectl delete"), [], "the Node object is deleted from a surviving server (remove-node.sh)");
        resetLog();
        const again = run("drain-node", ["--node", "node-2"]);
        ok(again);
        assert.match(again.stdout, /k3s is not running here; nothing to drain or stop/);
        assert.deepEqual(calls("k3s kubectl drain"), [], "idempotent");
        assert.deepEqual(calls("systemctl stop"), []);
    });
    it("only stops k3s when the Node object is already gone", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("node-gone");
        resetLog();
        const r = run("drain-node", ["--node", "node-2"]);
        ok(r);
        assert.deepEqual(calls("k3s kubectl drain"), []);
        assert.deepEqual(calls("systemctl stop"), ["systemctl stop k3s"]);
        assert.match(r.stdout, /no Node object; nothing to drain/);
    });
    it("fails clearly, before stopping k3s, when the drain cannot finish", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("drain-fails");
        resetLog();
        fails(run("drain-node", ["--node", "node-2"]), /drain-node\[node-2\]: could not drain node-2 within 300s/);
        assert.deepEqual(calls("systemctl stop"), []);
    });
    it("fails within its bound, naming the node, when systemctl never answers", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("systemctl-hangs");
        const started = Date.now();
        fails(run("drain-node", ["--node", "node-2"], {}, { SYSTEMCTL_TIMEOUT: "1" }), /drain-node\[node-2\]: systemctl did not answer within 1s \(is-active k3s\); see 'systemctl status k3s' on node-2/);
        assert.ok(Date.now() - started < 8_000, "bounded");
    });
    it("fails within its bound, naming the node, when k3s never stops after the drain", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("stop-hangs");
        resetLog();
        const started = Date.now();
        fails(
            run("drain-node", ["--node", "node-2"], {}, { SYSTEMCTL_TIMEOUT: "1" }),
            /drain-node\[node-2\]: k3s did not stop within 1s; see 'systemctl status k3s' and 'journalctl -u k3s -n 100' on node-2/,
        );
        assert.ok(Date.now() - started < 8_000, "bounded: the server is not deleted while its k3s may still run");
        assert.equal(calls("k3s kubectl drain").length, 1, "drained first");
    });
});

describe("remove-node.sh (on a surviving server, after the drain)", () => {
    const args = ["--node", "node-3", "--from", "node-1"];
    beforeEach(() => ok(run("k3s-server", initArgs, initFiles())));
    it("deletes the departing node's Node object once its own API is ready, then checks /readyz again", () => {
        resetLog();
        const r = run("remove-node", args, {}, { REMOVE_TIMEOUT: "60" });
        ok(r);
        assert.deepEqual(calls("k3s kubectl delete"), ["k3s kubectl delete node node-3 --timeout=60s"]);
        assert.equal(calls("k3s kubectl --request-timeout=10s get --raw /readyz").length, 2);
        assert.match(r.stdout, /node-3: Node object deleted from node-1; k3s removes its etcd member/);
        resetLog();
        const again = run("remove-node", args);
        ok(again);
        assert.match(again.stdout, /node-3: no Node object; nothing to remove/);
        assert.deepEqual(calls("k3s kubectl delete"), [], "idempotent");
    });
    it("refuses to delete a node from its own API server", () => {
        fails(run("remove-node", ["--node", "node-1", "--from", "node-1"]), /never deleted from its own API server/);
    });
    it("fails within its bound, naming both servers, when the survivor's API is not ready", () => {
        state("readyz-fails");
        fails(run("remove-node", args, {}, { READY_TIMEOUT: "1" }), /remove-node\[node-3 from node-1\]: the API server on node-1 is not ready after 1s before deleting the Node object node-3 .*journalctl -u k3s -n 100' on node-1/);
        assert.deepEqual(calls("k3s kubectl delete"), []);
    });
    it("fails clearly when the Node object cannot be deleted", () => {
        state("delete-fails");
        fails(run("remove-node", args), /the Node object node-3 was not deleted within 120s/);
    });
});

describe("bounded waits: a systemctl that never returns", () => {
    it("fails a fresh install within its bound with the node, what it waited for and where to look", () => {
        state("systemctl-hangs");
        const started = Date.now();
        const r = run("k3s-server", joinArgs, joinFiles(), { SYSTEMCTL_TIMEOUT: "1" });
        fails(r, /k3s-server\[node-2\]: 'systemctl restart --no-block k3s' did not return within 1s; see 'systemctl status k3s'/);
        assert.ok(Date.now() - started < 8_000, "bounded");
    });

    it("never blocks on k3s's own start: installs with INSTALL_K3S_SKIP_START, starts --no-block, then polls /readyz to its deadline", () => {
        state("blocking-start-hangs");
        state("readyz-fails");
        const started = Date.now();
        const r = run("k3s-server", joinArgs, joinFiles(), { READY_TIMEOUT: "1" });
        fails(r, /k3s-server\[node-2\]: the API server on this node is not ready after 1s .*journalctl -u k3s -n 100/);
        assert.ok(Date.now() - started < 8_000, "bounded");
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${VERSION} INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true`]);
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
    });

    it("bounds a restart after a configuration change the same way", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("blocking-start-hangs");
        resetLog();
        ok(run("k3s-server", joinArgs, { ...joinFiles(), "config.yaml": renderServerConfig({ ...rendered.configs[1], "tls-san": ["api.example.com"] }) }));
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart --no-block k3s"]);
    });

    it("fails a restore within its bound when stopping k3s never returns", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        state("systemctl-hangs");
        const started = Date.now();
        fails(run("k3s-server", withFlags(initArgs, "--restore", "etcd-snapshot-x"), initFiles(), { SYSTEMCTL_TIMEOUT: "1" }), /k3s-server\[node-1\]: .*within 1s/);
        assert.ok(Date.now() - started < 8_000, "bounded");
    });

    it("stops any script at the command's own bound (the backstop in runScript), naming the node, with stdin passed through", () => {
        const text = runScript("node-ready", ["--node", "node-9"], "root", 1);
        const started = Date.now();
        const r = spawnSync("sh", ["-c", text], { input: "read -r line; echo \"got $line\"; sleep 30\npayload-line\n", encoding: "utf8", timeout: 20_000, env: { PATH: "/usr/bin:/bin" } });
        assert.equal(r.status, 124, r.stderr);
        assert.match(r.stdout, /got payload-line/, "the script's stdin arrived through timeout");
        assert.match(r.stderr, /node-ready on node-9 did not finish within 1s and was stopped; see 'journalctl -u k3s -n 100' on node-9/);
        assert.ok(Date.now() - started < 10_000);
    });
});

describe("runScript as a non-root SSH user (honeydue:sshUser)", () => {
    it("runs the script, its backstop included, as root through non-interactive sudo, stdin passed through", () => {
        const dir = sandbox();
        // sudo as the node has it: records its argv, drops -n and runs the rest.
        writeFileSync(join(dir, "bin", "sudo"), `#!/bin/bash\nprintf 'sudo %s\\n' "$*" >>"${join(dir, "log")}"\n[ "$1" = -n ] && shift\nexec "$@"\n`, { mode: 0o755 });
        const text = runScript("node-ready", ["--node", "node-9"], "ubuntu", 5);
        const r = spawnSync("sh", ["-c", text], { input: "read -r line; echo \"got $line\"\npayload-line\n", encoding: "utf8", timeout: 20_000, env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin` } });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /got payload-line/);
        assert.deepEqual(readFileSync(join(dir, "log"), "utf8").split("\n").filter((l) => l.startsWith("sudo ")), ["sudo -n timeout -k 30 5 bash -s -- --node node-9"]);
    });
});

describe("the backstop in runScript leaves room for the script's own bounded waits (their message comes first)", () => {
    /** The default of an environment bound, as the script reads it: `${NAME:-default}`. */
    const bound = (script: string, name: string) => Number(readFileSync(join(scriptsDir, `${script}.sh`), "utf8").match(new RegExp(`\\$\\{${name}:-(\\d+)\\}`))?.[1]);
    it("remove-node: /readyz before and after the delete, and the delete itself", () => {
        const waits = 2 * bound("remove-node", "READY_TIMEOUT") + bound("remove-node", "REMOVE_TIMEOUT") + 30;
        assert.ok(waits > 0 && waits < scriptBounds["remove-node"], `remove-node waits up to ${waits}s, its backstop is ${scriptBounds["remove-node"]}s`);
    });
    it("drain-node: the drain, then systemctl twice", () => {
        const waits = bound("drain-node", "DRAIN_TIMEOUT") + 2 * bound("drain-node", "SYSTEMCTL_TIMEOUT") + 30;
        assert.ok(waits > 0 && waits < scriptBounds["drain-node"], `drain-node waits up to ${waits}s, its backstop is ${scriptBounds["drain-node"]}s`);
    });
    it("node-ready and wait-for-node: their one wait", () => {
        assert.ok(bound("node-ready", "NODE_READY_TIMEOUT") < scriptBounds["node-ready"]);
        assert.ok(bound("wait-for-node", "CLOUD_INIT_TIMEOUT") + 30 < scriptBounds["wait-for-node"]);
    });
});

describe("halt-for-restore.sh (the other servers, before node 1 resets)", () => {
    const SNAPSHOT = "etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600";
    const args = ["--node", "node-2", "--snapshot", SNAPSHOT];
    it("stops k3s, once per snapshot name; leaves a server that already rejoined after it alone", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        resetLog();
        const r = run("halt-for-restore", args);
        ok(r);
        assert.deepEqual(calls("systemctl stop"), ["systemctl stop k3s"]);
        resetLog();
        ok(run("halt-for-restore", args));
        assert.deepEqual(calls("systemctl stop"), [], "already stopped");
        ok(run("k3s-server", withFlags(joinArgs, "--rejoin-restored", SNAPSHOT), joinFiles()));
        resetLog();
        const after = run("halt-for-restore", args);
        ok(after);
        assert.match(after.stdout, /already rejoined the cluster restored from/);
        assert.deepEqual(calls("systemctl"), [], "the rejoined server is not stopped again");
    });
    it("does nothing on a server without k3s (a restore onto new servers)", () => {
        ok(run("halt-for-restore", args));
        assert.deepEqual(calls("systemctl"), []);
    });
    it("plays the restore in the documented order across three servers: stop the others, reset node 1, start it, rejoin", () => {
        const boxes = [sandbox(), sandbox(), sandbox()];
        const on = (i: number, fn: () => void) => {
            box = boxes[i];
            fn();
        };
        on(0, () => ok(run("k3s-server", initArgs, initFiles())));
        on(1, () => ok(run("k3s-server", joinArgs, joinFiles())));
        on(2, () => ok(run("k3s-server", ["--role", "join", "--node", "node-3", "--version", VERSION, ...pins], joinFiles())));
        const active = (i: number) => existsSync(join(boxes[i], "state", "active"));
        // The order the program's dependencies give (tests/adopt-k3s.test.ts): halts, node 1, node 2, node 3.
        on(1, () => ok(run("halt-for-restore", args)));
        on(2, () => ok(run("halt-for-restore", ["--node", "node-3", "--snapshot", SNAPSHOT])));
        assert.ok(!active(1) && !active(2), "the others are stopped before node 1 resets");
        on(0, () => ok(run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles())));
        assert.ok(active(0) && !active(1) && !active(2), "node 1 alone runs the restored cluster");
        on(1, () => ok(run("k3s-server", withFlags(joinArgs, "--rejoin-restored", SNAPSHOT), joinFiles())));
        on(2, () => ok(run("k3s-server", ["--role", "join", "--node", "node-3", "--version", VERSION, ...pins, "--rejoin-restored", SNAPSHOT], joinFiles())));
        assert.ok(active(0) && active(1) && active(2));
        for (const i of [0, 1, 2]) assert.match(readFileSync(join(boxes[i], "root", "etc/rancher/k3s/honeydue-bootstrap"), "utf8"), new RegExp(`^restored=${SNAPSHOT}$`, "m"));
    });
    it("fails within its bound, naming the node, when systemctl never answers", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("systemctl-hangs");
        const started = Date.now();
        fails(run("halt-for-restore", args, {}, { SYSTEMCTL_TIMEOUT: "1" }), /halt-for-restore\[node-2\]: systemctl did not answer within 1s \(is-active k3s\); see 'systemctl status k3s' on node-2/);
        assert.ok(Date.now() - started < 8_000, "bounded");
    });
    it("fails within its bound, naming the node and the snapshot, when k3s never stops", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("stop-hangs");
        const started = Date.now();
        fails(
            run("halt-for-restore", args, {}, { SYSTEMCTL_TIMEOUT: "1" }),
            new RegExp(`halt-for-restore\\[node-2\\]: k3s did not stop within 1s before the restore from ${SNAPSHOT}; see 'systemctl status k3s' and 'journalctl -u k3s -n 100' on node-2`),
        );
        assert.ok(Date.now() - started < 8_000, "bounded: node 1 does not reset while this server may still hold quorum");
    });
});

describe("authorized-keys.sh (the operator's keys on a running node)", () => {
    const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHi5bCUoxYiTO+b1mfke81dVeFG83pfBaC1fWT+gGCIG new@operator";
    const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIImnT2WH+mw9TO9I1p7oga/tiLnBgUipoH35qHeOPZct old@operator";
    const file = "root/.ssh/authorized_keys";
    const args = ["--node", "node-1", "--user", "root"];
    const leftovers = () => readdirSync(nodeFile("root/.ssh")).filter((f) => f !== "authorized_keys");

    it("replaces authorized_keys with exactly the configured keys, mode 0600 in a 0700 ~/.ssh, and a second run changes nothing", () => {
        mkdirSync(nodeFile("root/.ssh"), { recursive: true });
        writeFileSync(nodeFile(file), `${KEY_B}\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ hand-added@laptop\n`, { mode: 0o644 });
        const r = run("authorized-keys", args, { authorized_keys: `${KEY_A}\n${KEY_B}\n` });
        ok(r);
        assert.equal(readFileSync(nodeFile(file), "utf8"), `${KEY_A}\n${KEY_B}\n`);
        assert.equal(mode(file), "600");
        assert.equal(mode("root/.ssh"), "700");
        assert.match(r.stdout, /node-1: .*authorized_keys now holds the 2 configured key\(s\)/);
        const again = run("authorized-keys", args, { authorized_keys: `${KEY_A}\n${KEY_B}\n` });
        ok(again);
        assert.match(again.stdout, /unchanged/);
        assert.deepEqual(leftovers(), [], "no temporary file is left beside it");
        // The rotation's second step: only the new key.
        ok(run("authorized-keys", args, { authorized_keys: `${KEY_A}\n` }));
        assert.equal(readFileSync(nodeFile(file), "utf8"), `${KEY_A}\n`);
    });

    it("never leaves a node with an empty authorized_keys: no key in the payload, nothing written", () => {
        mkdirSync(nodeFile("root/.ssh"), { recursive: true });
        writeFileSync(nodeFile(file), `${KEY_B}\n`, { mode: 0o600 });
        fails(run("authorized-keys", args, { authorized_keys: "\n" }), /node-1\]: the payload holds no public key line; .*authorized_keys is left as it is \(never emptied\)/);
        fails(run("authorized-keys", args), /the payload holds no public key line/);
        fails(run("authorized-keys", args, { authorized_keys: `${KEY_A}\nnot a key\n` }), /a line that is not a public key; .* left as it is/);
        assert.equal(readFileSync(nodeFile(file), "utf8"), `${KEY_B}\n`);
        assert.deepEqual(leftovers(), [], "a refused payload leaves no temporary file");
    });
});

describe("shellcheck", () => {
    it("passes on every node script, each strict (set -euo pipefail)", () => {
        const scripts = readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));
        assert.ok(scripts.length >= 4);
        for (const s of scripts) assert.match(readFileSync(join(scriptsDir, s), "utf8"), /^set -euo pipefail$/m, s);
        const r = spawnSync("shellcheck", ["--severity=style", ...scripts.map((s) => join(scriptsDir, s))], { encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed (apt-get install shellcheck; .ci/run does it)");
        assert.equal(r.status, 0, r.stdout);
    });
});
