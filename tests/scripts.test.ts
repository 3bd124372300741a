// The k3s server script (k3s-server.sh), run for real under bash in the sandbox of
// tests/support/sandbox.ts; tests/scripts-nodes.test.ts has the other node scripts.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { B2_KEY, calls, enter, fails, fakeText, initArgs, initFiles, INSTALLER_SHA256, joinArgs, joinFiles, K3S_SHA256, log, marker, mode, nodeFile, ok, realPaths, recordTools, rendered, resetLog, run, sandbox, sandboxDir, sha256, shimmed, state, TOKEN, useSandbox, VERSION } from "./support/sandbox";

useSandbox();

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
        assert.deepEqual(readdirSync(join(sandboxDir(), "tmp")), [], "the decoded payload is removed");
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
        writeFileSync(join(sandboxDir(), "bin", "cp"), `#!/bin/bash\nprintf '%s\\n' "cp $*" >>"$FAKE/log"\n${realPaths[shimmed.indexOf("cp")]} "$@" || exit\nprintf '%s %s\\n' "$(stat -c %a "\${*: -1}")" "\${*: -1}" >>"$FAKE/modes"\n`, { mode: 0o755 });
        ok(run("k3s-server", initArgs, initFiles()));
        const created = readFileSync(join(sandboxDir(), "modes"), "utf8").trim().split("\n");
        assert.ok(created.some((l) => l.endsWith("/etc/rancher/k3s/token.new")), created.join("\n"));
        for (const line of created) assert.match(line, /^[0-7]00 /, "a file readable by others for a moment");
        assert.equal(mode("etc/rancher/k3s/honeydue-bootstrap"), "600", "the marker too");
    });

    it("changes nothing on a second run with the same version and files", () => {
        recordTools();
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
        enter(sandbox());
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
        recordTools();
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
    copyFileSync(join(sandboxDir(), "k3s"), nodeFile("usr/local/bin/k3s"));
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
            recordTools();
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
        rmSync(join(sandboxDir(), "state", "active"));
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
        recordTools();
        ok(run("k3s-server", initArgs, initFiles()));
        resetLog();
        const r = run("k3s-server", withFlags(initArgs, "--restore", SNAPSHOT), initFiles());
        ok(r);
        const recorded = log().split("\n");
        const stop = recorded.indexOf("systemctl stop k3s");
        const reset = recorded.indexOf(`k3s server --cluster-reset --cluster-reset-restore-path=${SNAPSHOT}`);
        const start = recorded.indexOf("systemctl restart --no-block k3s");
        assert.ok(stop >= 0 && reset > stop && start > reset, `stop, reset, start in order:\n${log()}`);
        assert.ok(existsSync(join(sandboxDir(), "state", "reset-read-s3-settings")), "config.yaml (etcd-s3) and the credentials drop-in were in place for the reset");
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
        rmSync(join(sandboxDir(), "state", "reset-fails"));
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
        recordTools();
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
        rmSync(join(sandboxDir(), "state", "active"));
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
        recordTools();
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

