// The node scripts but the k3s server's (tests/scripts.test.ts), run for real under bash in the
// sandbox of tests/support/sandbox.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, it } from "node:test";
import { sshdExpected, sshdHostKeyExpected } from "../infra/hetzner/cloudInit";
import { runScript, scriptBounds, scriptsDir } from "../infra/k3s/scripts";
import { renderServerConfig } from "../infra/k3s/serverConfig";
import { calls, enter, fails, initArgs, initFiles, joinArgs, joinFiles, log, mode, nodeFile, ok, pins, recordTools, rendered, resetLog, run, sandbox, sandboxDir, state, useSandbox, VERSION } from "./support/sandbox";

useSandbox();

const withFlags = (args: string[], ...flags: string[]) => [...args, ...flags];

// ---- the tests ---------------------------------------------------------------------------------

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
        writeFileSync(join(sandboxDir(), "bin", "cloud-init"), "#!/bin/bash\nsleep 5\n", { mode: 0o755 });
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
        recordTools();
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
            enter(boxes[i]);
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
