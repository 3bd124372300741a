// The smoke checks' triggers (workloads/smoke.ts) against configuration changes, and
// infra/scripts/smoke-node.sh run for real under bash in a sandbox with a fake `curl` that answers
// per Host header (or per https hostname through the "edge"), as the command provider sends it.
// The program-level wiring (dependencies, triggers from the servers and Traefik) is asserted on
// the estate's one run in tests/workloads.test.ts and tests/workloads-config.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { withPayload } from "../infra/k3s/scripts";
import { plainTriggers, smokeChecks } from "../workloads/smoke";
import { load } from "./support/config";

const gitea = "gitea.treytartt.com/treytartt";

describe("the smoke checks' plain triggers", () => {
    const base = plainTriggers(load());

    it("change with the image of each routed app and with the routes", () => {
        const changed = {
            "API image": { "honeydue:api": { image: `${gitea}/honeydue-api:v2` } },
            "admin image": { "honeydue:admin": { image: `${gitea}/honeydue-admin:v2` } },
            "a route": { "honeydue:routes": { "api.myhoneydue.com": "api", "panel.myhoneydue.com": "admin" } },
            "a route's app": { "honeydue:routes": { "api.myhoneydue.com": "api", "admin.myhoneydue.com": "admin", "myhoneydue.com": "admin" } },
        };
        for (const [what, overrides] of Object.entries(changed)) assert.notDeepEqual(plainTriggers(load(overrides)), base, what);
    });

    it("do not change with anything else: the worker's or migrations' image, replicas, memory, Redis, the Traefik chart (its generation is a trigger of its own)", () => {
        const unchanged = {
            "worker image": { "honeydue:worker": { image: `${gitea}/honeydue-worker:v2` } },
            "migrations image": { "honeydue:migrations": { image: `${gitea}/honeydue-migrate:v2` } },
            "API replicas and memory": { "honeydue:api": { replicas: 3, memory: "300Mi", memoryLimit: "600Mi" } },
            Redis: { "honeydue:redis": { storage: "10Gi" } },
            "the same routes in another order": { "honeydue:routes": { "myhoneydue.com": "api", "admin.myhoneydue.com": "admin", "api.myhoneydue.com": "api" } },
            "Traefik chart": { "honeydue:traefik": { chartVersion: "37.4.0" } },
            "the edge check": { "honeydue:smokeThroughEdge": false },
        };
        for (const [what, overrides] of Object.entries(unchanged)) assert.deepEqual(plainTriggers(load(overrides)), base, what);
    });

    it("take the health paths from the apps' settings", () => {
        assert.deepEqual(smokeChecks(load({ "honeydue:api": { healthPath: "/livez" }, "honeydue:routes": { "api.myhoneydue.com": "api", "admin.myhoneydue.com": "admin" } })), [
            ...["--check", "api.myhoneydue.com", "api", "/livez", "application/json"],
            ...["--check", "admin.myhoneydue.com", "admin", "/", "text/html"],
        ]);
    });
});

// Each answer is a file $FAKE/answers/<hostname>: "STATUS CONTENT-TYPE" then the body. A missing
// file is a refused connection; $FAKE/refuse holds how many requests are refused first.
const curl = `
out="" host="" url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    -w|--max-time) shift 2 ;;
    -H) host="\${2#Host: }"; shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "curl host=$host url=$url" >>"$FAKE/log"
[ -n "$host" ] || { host="\${url#https://}"; host="\${host%%/*}"; }
left="$(cat "$FAKE/refuse" 2>/dev/null || echo 0)"
if [ "$left" -gt 0 ] || [ ! -f "$FAKE/answers/$host" ]; then
  echo $((left - 1)) >"$FAKE/refuse"
  printf '000 '; echo "curl: (7) Failed to connect to 127.0.0.1 port 80" >&2; exit 7
fi
head -n 1 "$FAKE/answers/$host" | tr -d '\\n'
tail -n +2 "$FAKE/answers/$host" >"$out"`;

const checks = ["--check", "api.myhoneydue.com", "api", "/api/health", "application/json", "--check", "admin.myhoneydue.com", "admin", "/", "text/html", "--check", "myhoneydue.com", "api", "/api/health", "application/json"];
const json = '200 application/json; charset=utf-8\n{"status":"ok"}\n';
const html = "200 text/html; charset=utf-8\n<!DOCTYPE html><html><head><title>honeyDue admin</title></head><body>Sign in</body></html>\n";

const base = mkdtempSync(join(tmpdir(), "smoke-node-"));
let box = "";
let n = 0;
const answer = (host: string, text: string) => writeFileSync(join(box, "answers", host), text);

beforeEach(() => {
    box = join(base, String(n++));
    mkdirSync(join(box, "bin"), { recursive: true });
    mkdirSync(join(box, "answers"));
    writeFileSync(join(box, "bin", "curl"), `#!/usr/bin/env bash\n${curl}\n`);
    chmodSync(join(box, "bin", "curl"), 0o755);
    writeFileSync(join(box, "log"), "");
    // A healthy node: the API hostnames reach the API, admin reaches the admin.
    answer("api.myhoneydue.com", json);
    answer("myhoneydue.com", json);
    answer("admin.myhoneydue.com", html);
});
after(() => rmSync(base, { recursive: true, force: true }));

/** SMOKE_TIMEOUT 0: one look per hostname, then the failure. */
function run(argv: string[], timeout = "0") {
    const started = Date.now();
    const r = spawnSync("bash", ["-s", "--", ...argv], {
        input: withPayload("smoke-node"),
        encoding: "utf8",
        timeout: 20_000,
        env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, FAKE: box, SMOKE_TIMEOUT: timeout, POLL_INTERVAL: "0.1" },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}
const onNode = (node = "node-2") => ["--node", node, "--namespace", "honeydue", "--traefik", "honeydue-traefik", ...checks];
const log = () => readFileSync(join(box, "log"), "utf8").trim().split("\n");

describe("smoke-node.sh", () => {
    it("passes when the node's own Traefik answers every hostname from its app, asking only, twice alike", () => {
        for (let i = 0; i < 2; i++) {
            const r = run(onNode());
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^node-2: api\.myhoneydue\.com reaches api \(HTTP 200 application\/json; charset=utf-8 on \/api\/health\)$/m);
            assert.match(r.stdout, /^node-2: admin\.myhoneydue\.com reaches admin \(HTTP 200 text\/html; charset=utf-8 on \/\)$/m);
            assert.match(r.stdout, /^node-2: myhoneydue\.com reaches api /m);
        }
        assert.deepEqual(log().slice(0, 3), [
            "curl host=api.myhoneydue.com url=http://127.0.0.1:80/api/health",
            "curl host=admin.myhoneydue.com url=http://127.0.0.1:80/",
            "curl host=myhoneydue.com url=http://127.0.0.1:80/api/health",
        ]);
    });

    it("fails naming the node and the hostname when the node's Traefik answers the wrong app (the admin's page on the API hostname)", () => {
        answer("myhoneydue.com", html);
        const r = run(onNode("node-3"), "1");
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /^smoke-node: node-3: myhoneydue\.com does not reach api: asked http:\/\/127\.0\.0\.1:80\/api\/health with Host myhoneydue\.com for 1s, expected HTTP 2xx application\/json, last answer: '200 text\/html; charset=utf-8', body: '<!DOCTYPE html><html><head><title>honeyDue admin/);
        assert.match(r.stderr, /see 'k3s kubectl -n honeydue get ingress,endpoints -o wide', 'k3s kubectl -n honeydue get pods -l app\.kubernetes\.io\/name=api -o wide' and 'k3s kubectl -n kube-system logs daemonset\/honeydue-traefik --tail 50' on node-3$/m);
        assert.ok(r.seconds < 8, `bounded: took ${r.seconds}s`);
    });

    it("fails on Traefik's own 404 (no route for the hostname) with its body", () => {
        answer("admin.myhoneydue.com", "404 text/plain; charset=utf-8\n404 page not found\n");
        const r = run(onNode());
        assert.match(r.stderr, /^smoke-node: node-2: admin\.myhoneydue\.com does not reach admin: .*last answer: '404 text\/plain; charset=utf-8', body: '404 page not found/);
    });

    it("fails, with curl's error, when nothing answers on port 80", () => {
        rmSync(join(box, "answers", "api.myhoneydue.com"));
        const r = run(onNode());
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /node-2: api\.myhoneydue\.com does not reach api: .*last answer: '.*(000|Failed to connect)/);
    });

    it("retries within its bound: a Traefik that answers after a few refused connections passes", () => {
        writeFileSync(join(box, "refuse"), "4");
        const r = run(onNode(), "30");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(log().length, 7, "4 refused, then one request per hostname");
    });

    it("asks https://HOSTNAME through the edge with --edge, and names Cloudflare when it fails", () => {
        assert.equal(run(["--node", "cloudflare", "--edge", ...checks]).code, 0);
        assert.equal(log()[0], "curl host= url=https://api.myhoneydue.com/api/health");
        answer("admin.myhoneydue.com", json);
        const r = run(["--node", "cloudflare", "--edge", ...checks]);
        assert.match(r.stderr, /^smoke-node: cloudflare: admin\.myhoneydue\.com does not reach admin: asked https:\/\/admin\.myhoneydue\.com\/ for 0s, expected HTTP 2xx text\/html, .*see the Cloudflare dashboard/);
    });

    it("refuses missing arguments", () => {
        assert.match(run(["--node", "node-2"]).stderr, /usage: --node NAME \[--edge\]/);
        assert.match(run(["--node", "node-2", "--check", "a.example.com", "api"]).stderr, /--check needs HOSTNAME APP PATH CONTENT-TYPE/);
    });
});
