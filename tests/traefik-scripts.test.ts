// infra/scripts/traefik-ready.sh and bundled-traefik.sh, run for real under bash in a sandbox: a
// fake `k3s kubectl` that answers the scripts' `get` calls from files, and a fake `curl` for the
// node's own port 80. A script arrives on stdin exactly as the command provider sends it
// (`bash -s -- ARGS`).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { withPayload, type ScriptName } from "../infra/k3s/scripts";

const GEN = "0123456789abcdef";
const OLD = "fedcba9876543210";
const args = ["--node", "node-2", "--chart", "honeydue-traefik", "--generation", GEN, "--host", "myhoneydue.com"];

// Each answer is a file under $FAKE; a missing file is the API's NotFound.
const fakes: Record<string, string> = {
    k3s: `
echo "k3s $*" >>"$FAKE/log"
answer() { if [ -f "$FAKE/$1" ]; then cat "$FAKE/$1"; else echo "Error from server (NotFound): $1 not found" >&2; exit 1; fi; }
case "$*" in
  "kubectl -n kube-system get job helm-install-honeydue-traefik -o "*) answer job ;;
  "kubectl -n kube-system get daemonset honeydue-traefik -o jsonpath={.spec.template."*) answer template ;;
  "kubectl -n kube-system get daemonset honeydue-traefik -o jsonpath={.metadata.generation}"*) answer rollout ;;
  "kubectl -n kube-system get pods --field-selector spec.nodeName=node-2 "*) answer pods ;;
  *" --ignore-not-found -o name") [ -f "$FAKE/api-down" ] && { echo "The connection to the server 127.0.0.1:6443 was refused" >&2; exit 1; }
    case "$*" in *helmchart*) cat "$FAKE/helmcharts" 2>/dev/null ;; *deployment*) cat "$FAKE/deployment" 2>/dev/null ;; esac; true ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`,
    curl: `
echo "curl $*" >>"$FAKE/log"
# https: origin-ready's client without a certificate; $FAKE/tls-rc is curl's exit (35, 56: refused).
case "$*" in *https://*) rc=$(cat "$FAKE/tls-rc" 2>/dev/null || echo 7); [ "$rc" = 0 ] && { printf 404; exit 0; }
  echo "curl: ($rc) OpenSSL SSL_read: tlsv13 alert certificate required" >&2; printf 000; exit "$rc" ;; esac
if [ -f "$FAKE/http" ]; then cat "$FAKE/http"; else printf 000; echo "curl: (7) Failed to connect to 127.0.0.1 port 80" >&2; exit 7; fi`,
    // s_client prints what $FAKE/served holds (a stand-in for the PEM); x509 turns it into openssl's fingerprint line.
    openssl: `
echo "openssl $*" >>"$FAKE/log"
case "$1" in
  s_client) [ -f "$FAKE/served" ] || { echo "connect:errno=111" >&2; exit 1; }; cat "$FAKE/served" ;;
  x509) pem=$(cat); [ -n "$pem" ] || { echo "Could not find certificate from <stdin>" >&2; exit 1; }; echo "sha256 Fingerprint=$pem" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`,
};

const base = mkdtempSync(join(tmpdir(), "traefik-ready-"));
let box = "";
let n = 0;
const put = (file: string, content: string) => writeFileSync(join(box, file), content);
const drop = (file: string) => rmSync(join(box, file), { force: true });

beforeEach(() => {
    box = join(base, String(n++));
    mkdirSync(join(box, "bin"), { recursive: true });
    for (const [name, body] of Object.entries(fakes)) {
        writeFileSync(join(box, "bin", name), `#!/usr/bin/env bash\n${body}\n`);
        chmodSync(join(box, "bin", name), 0o755);
    }
    writeFileSync(join(box, "log"), "");
    mkdirSync(join(box, "root", "var/lib/rancher/k3s/server/manifests"), { recursive: true });
    // A healthy cluster: the install Job of this generation completed, the rollout is done on 3
    // nodes, this node's pod runs this generation and is Ready, and port 80 answers (a 404 is fine).
    put("job", "True/");
    put("template", GEN);
    put("rollout", "4 4 3 3 3");
    put("pods", `${OLD}=False\n${GEN}=True\n`);
    put("http", "404");
});
after(() => rmSync(base, { recursive: true, force: true }));

/** TRAEFIK_READY_TIMEOUT 0: one look, then the timeout message (one case waits its full bound). */
function run(timeout = "0") {
    const started = Date.now();
    const r = spawnSync("bash", ["-s", "--", ...args], {
        input: withPayload("traefik-ready"),
        encoding: "utf8",
        timeout: 20_000,
        env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, FAKE: box, TRAEFIK_READY_TIMEOUT: timeout, POLL_INTERVAL: "0.1" },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}

const failsWithin = (r: ReturnType<typeof run>, message: RegExp) => {
    assert.notEqual(r.code, 0, `expected a failure\nstdout: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^traefik-ready: node-2: /, "the message names the node");
    assert.ok(r.seconds < 8, `bounded: took ${r.seconds}s`);
};

describe("traefik-ready.sh", () => {
    it("succeeds once the Job, the rollout, this node's pod and its port 80 are all there, and only reads", () => {
        for (let i = 0; i < 2; i++) {
            const r = run();
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^node-2: Traefik generation 0123456789abcdef serves on port 80 \(HTTP 404\)$/m);
        }
        const calls = readFileSync(join(box, "log"), "utf8").trim().split("\n");
        for (const c of calls.filter((l) => l.startsWith("k3s "))) assert.match(c, /^k3s kubectl -n kube-system get /, c);
        assert.ok(calls.some((c) => c.startsWith("curl ") && c.includes("-H Host: myhoneydue.com") && c.endsWith("http://127.0.0.1:80/")), "asks the node's own port 80");
    });

    it("fails at once, naming the Job and its logs, when helm-controller's install Job failed", () => {
        put("job", "/True");
        put("template", OLD);
        failsWithin(run("30"), /Job kube-system\/helm-install-honeydue-traefik failed to install Traefik generation 0123456789abcdef .*see 'k3s kubectl -n kube-system logs job\/helm-install-honeydue-traefik'/);
    });

    it("does not take the previous generation's completed Job for this one", () => {
        put("template", OLD);
        failsWithin(run("1"), /gave up after 1s waiting for the Job kube-system\/helm-install-honeydue-traefik to complete for generation 0123456789abcdef .*logs job\/helm-install-honeydue-traefik/);
    });

    it("waits for the DaemonSet's rollout on every node", () => {
        put("rollout", "4 4 3 2 3");
        failsWithin(run(), /waiting for the DaemonSet kube-system\/honeydue-traefik to roll out .*last answer: '4 4 3 2 3'.*rollout status daemonset\/honeydue-traefik/);
        put("rollout", "5 4 3 3 3");
        failsWithin(run(), /to roll out/);
    });

    it("waits for this node's pod of this generation to be Ready", () => {
        put("pods", `${GEN}=False\n`);
        failsWithin(run(), /waiting for this node's Traefik pod of generation 0123456789abcdef to be Ready .*spec\.nodeName=node-2/);
    });

    it("waits for Traefik to answer on the node's own port 80", () => {
        drop("http");
        failsWithin(run(), /waiting for Traefik to answer HTTP on 127\.0\.0\.1:80 \(last answer: '000/);
    });

    it("refuses missing arguments", () => {
        const r = spawnSync("bash", ["-s", "--", "--node", "node-2"], { input: withPayload("traefik-ready"), encoding: "utf8", env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, FAKE: box } });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /usage: --node NAME --chart HELMCHART --generation HASH --host HOSTNAME/);
    });
});

describe("origin-ready.sh", () => {
    const FP = "ab".repeat(32);
    /** openssl's spelling of FP: upper case, colon-separated. */
    const shown = (fp: string) => fp.toUpperCase().match(/../g)!.join(":");
    const originArgs = ["--node", "node-2", "--host", "api.myhoneydue.com", "--fingerprint", FP];
    function origin(timeout = "0") {
        const started = Date.now();
        const r = spawnSync("bash", ["-s", "--", ...originArgs], {
            input: withPayload("origin-ready"),
            encoding: "utf8",
            timeout: 20_000,
            env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, FAKE: box, ORIGIN_READY_TIMEOUT: timeout, POLL_INTERVAL: "0.1" },
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
    }
    const refused = (r: ReturnType<typeof origin>, message: RegExp) => {
        assert.notEqual(r.code, 0, `expected a failure\nstdout: ${r.stdout}`);
        assert.match(r.stderr, /^origin-ready: node-2: gave up after 0s waiting for /);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /see 'k3s kubectl -n honeydue get tlsstore,tlsoption'/);
        assert.ok(r.seconds < 8, `bounded: took ${r.seconds}s`);
    };

    it("succeeds once 443 serves the Origin CA certificate and refuses a client without one (TLS 1.3 alert, closed connection or 1.2 handshake failure), and only reads", () => {
        put("served", shown(FP));
        // Seen against a Go TLS server requiring a client certificate: 56 and 55 alternate under TLS 1.3, 35 under TLS 1.2.
        for (const rc of ["56", "55", "52", "35"]) {
            put("tls-rc", rc);
            const r = origin();
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^node-2: Traefik serves the Origin CA certificate on 443 and requires the origin-pull client certificate$/m);
        }
        const calls = readFileSync(join(box, "log"), "utf8").trim().split("\n");
        assert.ok(calls.includes("openssl s_client -connect 127.0.0.1:443 -servername api.myhoneydue.com"), "asks the node's own 443 for the hostname");
        assert.ok(calls.some((c) => c.startsWith("curl ") && c.includes("--resolve api.myhoneydue.com:443:127.0.0.1") && !c.includes("--cert")), "as a client without a certificate");
    });

    it("waits while Traefik serves another certificate (its default, before it loaded the TLSStore)", () => {
        put("served", shown("cd".repeat(32)));
        put("tls-rc", "56");
        refused(origin(), new RegExp(`Traefik to serve the Origin CA certificate \\(${FP}\\) for api\\.myhoneydue\\.com on 127\\.0\\.0\\.1:443 \\(last answer: '${"cd".repeat(32)}'\\)`));
    });

    it("does not take a closed port or a timeout for a refusal", () => {
        put("served", shown(FP));
        for (const rc of ["7", "28"]) {
            put("tls-rc", rc);
            refused(origin(), new RegExp(`Traefik to refuse a client without .* \\(last answer: 'curl exit ${rc}: `));
        }
    });

    it("waits while nothing answers on 443", () => {
        refused(origin(), /Traefik to serve the Origin CA certificate .*\(last answer: ''\)/);
    });

    it("waits while a client without a certificate gets through (the TLSOption is not in force)", () => {
        put("served", shown(FP));
        put("tls-rc", "0");
        refused(origin(), /Traefik to refuse a client without Cloudflare's origin-pull certificate on 127\.0\.0\.1:443 \(last answer: 'curl exit 0: 404'\)/);
    });

    it("refuses missing arguments", () => {
        const r = spawnSync("bash", ["-s", "--", "--node", "node-2"], { input: withPayload("origin-ready"), encoding: "utf8", env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, FAKE: box } });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /usage: --node NAME --host HOSTNAME --fingerprint SHA256-HEX/);
    });
});

function check(script: ScriptName, argv: string[]) {
    const r = spawnSync("bash", ["-s", "--", ...argv], {
        input: withPayload(script),
        encoding: "utf8",
        timeout: 20_000,
        env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, FAKE: box, K3S_ROOT: join(box, "root") },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("bundled-traefik.sh", () => {
    const manifest = () => join(box, "root", "var/lib/rancher/k3s/server/manifests/traefik.yaml");

    it("passes, and only reads, when k3s's bundled Traefik is gone", () => {
        for (let i = 0; i < 2; i++) {
            const r = check("bundled-traefik", ["--node", "node-1"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^node-1: no bundled Traefik/);
        }
        for (const c of readFileSync(join(box, "log"), "utf8").trim().split("\n")) assert.match(c, /^k3s kubectl -n kube-system get /, c);
    });

    it("stops with the removal steps when the bundled chart, its Deployment or its manifest is there", () => {
        put("helmcharts", "helmchart.helm.cattle.io/traefik\nhelmchart.helm.cattle.io/traefik-crd\n");
        put("deployment", "deployment.apps/traefik\n");
        writeFileSync(manifest(), "apiVersion: helm.cattle.io/v1\n");
        const r = check("bundled-traefik", ["--node", "node-1"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /^bundled-traefik: node-1: k3s's bundled Traefik is still installed \(helmchart\.helm\.cattle\.io\/traefik helmchart\.helm\.cattle\.io\/traefik-crd deployment\.apps\/traefik \S+\/var\/lib\/rancher\/k3s\/server\/manifests\/traefik\.yaml\)/);
        assert.match(r.stderr, /disable:\n {4}- traefik\n {4}- servicelb\nto \/etc\/rancher\/k3s\/config\.yaml, run 'systemctl restart k3s'/);
        assert.match(r.stderr, /run 'pulumi up' again/);
    });

    it("counts a manifest that k3s skips (traefik.yaml.skip) as gone", () => {
        writeFileSync(manifest(), "apiVersion: helm.cattle.io/v1\n");
        writeFileSync(`${manifest()}.skip`, "");
        assert.equal(check("bundled-traefik", ["--node", "node-1"]).code, 0);
        rmSync(`${manifest()}.skip`);
        assert.match(check("bundled-traefik", ["--node", "node-1"]).stderr, /still installed \(\S+traefik\.yaml\)/);
    });

    it("says so, naming the node, when the API cannot be asked", () => {
        put("api-down", "");
        const r = check("bundled-traefik", ["--node", "node-1"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /^bundled-traefik: node-1: cannot list HelmCharts in kube-system \(answer: 'The connection to the server 127\.0\.0\.1:6443 was refused'\); see 'journalctl -u k3s -n 100'/);
    });
});
