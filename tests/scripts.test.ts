// The node scripts, run for real under bash in a sandbox: a temporary directory as the node's
// root (K3S_ROOT), and fake installer, k3s, systemctl, curl, cloud-init on PATH that record their
// argv (as do shims around the real tools the scripts use). Each script arrives on stdin exactly
// as the command provider sends it: `bash -s -- ARGS` with the payload after the script.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { parse } from "yaml";
import type { EstateConfig } from "../config";
import { kernelDefaults } from "../infra/hetzner/cloudInit";
import { scriptsDir, withPayload, type ScriptName } from "../infra/k3s/scripts";
import { renderEtcdS3Credentials, renderServerConfig, serverConfigs, type ServerAddress } from "../infra/k3s/serverConfig";

const VERSION = "v1.34.6+k3s1";
const TOKEN = "sandboxClusterToken0123456789abcdefABCDEF";
const B2_KEY = "sandboxB2ApplicationKey0000";
const servers: ServerAddress[] = [1, 2, 3].map((i) => ({ name: `node-${i}`, privateIp: `10.0.1.1${i}`, publicIpv4: `203.0.113.1${i}` }));
const cluster = {
    clusterCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    flannelBackend: "vxlan",
    privateInterface: "enp7s0",
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 28,
    b2Endpoint: "s3.us-east-005.backblazeb2.com",
    b2Bucket: "honeyDueProd",
    b2Region: "us-east-005",
    etcdSnapshotFolder: "etcd-snapshots",
} as unknown as EstateConfig;
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
  *) [ -n "$out" ] && cp "$FAKE/installer.sh" "$out" ;;
esac`,
    // The installer as `sh install.sh` runs it: records its environment, installs k3s, starts it.
    "installer.sh": `
echo "installer INSTALL_K3S_VERSION=$INSTALL_K3S_VERSION INSTALL_K3S_EXEC=$INSTALL_K3S_EXEC" >>"$FAKE/log"
[ -f "$FAKE/state/installer-fails" ] && exit 1
printf '%s' "$INSTALL_K3S_VERSION" >"$FAKE/state/version"
cp "$FAKE/k3s" "$FAKE/installed/k3s"; chmod +x "$FAKE/installed/k3s"
touch "$FAKE/state/active"`,
    k3s: `
case "$*" in
  --version) echo "k3s version $(cat "$FAKE/state/version") (fake)"; echo "go version go1.24" ;;
  "kubectl get --raw /readyz") if [ -f "$FAKE/state/readyz-fails" ]; then echo "[-]etcd failed: reason withheld"; exit 1; fi; echo ok ;;
  "kubectl get node "*" -o name") if [ -f "$FAKE/state/node-gone" ]; then echo "Error from server (NotFound): nodes \\"$4\\" not found" >&2; exit 1; fi; echo "node/$4" ;;
  "kubectl get node "*) if [ -f "$FAKE/state/node-notready" ]; then echo "False $(cat "$FAKE/state/version")"; else echo "True $(cat "$FAKE/state/version")"; fi ;;
  "kubectl drain "*) [ -f "$FAKE/state/drain-fails" ] && exit 1; echo drained ;;
  "kubectl delete node "*) echo deleted ;;
esac`,
    systemctl: `
case "$*" in
  "is-active --quiet k3s") [ -f "$FAKE/state/active" ] ;;
  "restart k3s") touch "$FAKE/state/active" ;;
esac`,
    "cloud-init": `exit "$(cat "$FAKE/state/cloud-init-rc" 2>/dev/null || echo 0)"`,
};
/** Real tools the scripts use, wrapped so their argv is recorded too. */
const shimmed = ["base64", "cp", "mv", "chmod", "cmp", "stat", "mkdir", "mktemp", "awk", "rm", "cat", "sh", "timeout", "sleep", "dirname", "id"];
const realPaths = spawnSync("bash", ["-c", shimmed.map((t) => `command -v ${t}`).join(" && ")], { encoding: "utf8" }).stdout.trim().split("\n");

const base = mkdtempSync(join(tmpdir(), "honeydue-scripts-"));
let box: string;
let n = 0;

function sandbox(): string {
    const dir = join(base, String(n++));
    for (const d of ["bin", "installed", "state", "root", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
    for (const [name, body] of Object.entries(fakes)) {
        const isBin = name !== "installer.sh" && name !== "k3s";
        const path = isBin ? join(dir, "bin", name) : join(dir, name);
        const record = name === "installer.sh" ? "" : `printf '%s\\n' "${name} $*" >>"$FAKE/log"\n`;
        writeFileSync(path, `#!/bin/bash\n${record}${body}\n`, { mode: 0o755 });
    }
    for (const [i, tool] of shimmed.entries()) {
        const real = realPaths[i];
        writeFileSync(join(dir, "bin", tool), `#!/bin/bash\nprintf '%s\\n' "${tool} $*" >>"$FAKE/log"\nexec ${real} "$@"\n`, { mode: 0o755 });
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
            PATH: `${join(box, "bin")}:${join(box, "installed")}:/usr/bin:/bin`,
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
const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
const fails = (r: Run, message: RegExp) => {
    assert.notEqual(r.code, 0, `expected a failure\nstdout: ${r.stdout}`);
    assert.match(r.stderr, message);
};

const initArgs = ["--role", "init", "--node", "node-1", "--version", VERSION, "--peers", "10.0.1.12,10.0.1.13"];
const joinArgs = ["--role", "join", "--node", "node-2", "--version", VERSION];

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
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${VERSION} INSTALL_K3S_EXEC=server`]);
        assert.ok(calls("curl").some((l) => l.endsWith("https://get.k3s.io")), "the official installer");
        assert.ok(calls("curl").some((l) => l.endsWith("https://10.0.1.12:6443/ping")), "peers probed before cluster-init");
        assert.ok(calls("k3s kubectl get --raw /readyz").length >= 1);
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/honeydue-bootstrap"), "utf8").trim(), "cluster-init");
        assert.deepEqual(readdirSync(join(box, "tmp")), [], "the decoded payload is removed");
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
        assert.deepEqual(calls("systemctl restart"), ["systemctl restart k3s"]);
        assert.deepEqual(calls("installer"), []);
        assert.match(r.stdout, /configuration changed \(\/etc\/rancher\/k3s\/config\.yaml\)/);
    });

    it("upgrades with the installer pinned to the new version", () => {
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const next = "v1.34.7+k3s1";
        const r = run("k3s-server", initArgs.map((a) => (a === VERSION ? next : a)), initFiles());
        ok(r);
        assert.deepEqual(calls("installer"), [`installer INSTALL_K3S_VERSION=${next} INSTALL_K3S_EXEC=server`]);
        assert.match(r.stdout, new RegExp(`upgrading k3s from ${VERSION.replace("+", "\\+")} to ${next.replace("+", "\\+")}`));
    });

    it("joins a server through node 1's private address with the secure token, without probing peers", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config.server, "https://10.0.1.11:6443");
        assert.equal(config["cluster-init"], undefined);
        assert.match(readFileSync(nodeFile("etc/rancher/k3s/token"), "utf8"), /^K10abc::server:/);
        assert.equal(mode("etc/rancher/k3s/token"), "600");
        assert.ok(!calls("curl").some((l) => l.includes("/ping")));
        assert.ok(!existsSync(nodeFile("etc/rancher/k3s/honeydue-bootstrap")));
    });

    it("rejoins a rebuilt first node through node 2 instead of starting a second cluster", () => {
        state("peer-10.0.1.12");
        state("peer-10.0.1.13");
        const r = run("k3s-server", initArgs, initFiles());
        ok(r);
        const config = parse(readFileSync(nodeFile("etc/rancher/k3s/config.yaml"), "utf8"));
        assert.equal(config["cluster-init"], undefined);
        assert.equal(config.server, "https://10.0.1.12:6443");
        assert.equal(readFileSync(nodeFile("etc/rancher/k3s/honeydue-bootstrap"), "utf8").trim(), "rejoin");
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

describe("drain-node.sh", () => {
    it("does nothing on a node where k3s never ran", () => {
        const r = run("drain-node", ["--node", "node-3"]);
        ok(r);
        assert.match(r.stdout, /k3s is not installed; nothing to drain/);
    });
    it("drains the node and deletes its Node object", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        resetLog();
        ok(run("drain-node", ["--node", "node-2"], {}, { DRAIN_TIMEOUT: "60" }));
        assert.deepEqual(calls("k3s kubectl drain"), ["k3s kubectl drain node-2 --ignore-daemonsets --delete-emptydir-data --timeout=60s"]);
        assert.deepEqual(calls("k3s kubectl delete"), ["k3s kubectl delete node node-2 --timeout=60s"]);
    });
    it("is a no-op when the Node object is already gone", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("node-gone");
        resetLog();
        const r = run("drain-node", ["--node", "node-2"]);
        ok(r);
        assert.deepEqual(calls("k3s kubectl drain"), []);
        assert.match(r.stdout, /no Node object; nothing to drain/);
    });
    it("fails clearly when the drain cannot finish", () => {
        ok(run("k3s-server", joinArgs, joinFiles()));
        state("drain-fails");
        fails(run("drain-node", ["--node", "node-2"]), /could not drain node-2 within 300s/);
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
