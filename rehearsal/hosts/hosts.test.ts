// The three SSH test hosts and their shared fake k3s cluster, driven as the command provider
// drives real nodes: each infra/scripts/*.sh unchanged, over real ssh, as `bash -s -- ARGS` with
// the script and its payload on stdin. Needs root, unshare and openssh-server; not part of
// `npm test` (run: node --import tsx --test rehearsal/hosts/hosts.test.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cloudInit, sshdExpected } from "../../infra/hetzner/cloudInit";
import { runScript, withPayload, type ScriptName } from "../../infra/k3s/scripts";
import { installHostKey } from "../providers/src/hostKey";
import { privateKeyOutputs } from "../providers/src/tls";
import { renderEtcdS3Credentials, renderServerConfig, serverConfigs, type ServerAddress } from "../../infra/k3s/serverConfig";
import { testCluster } from "../../tests/support/k3sCluster";

const here = __dirname;
const state = mkdtempSync(join(tmpdir(), "honeydue-hosts-"));
const hostsDir = join(state, "hosts");
const env = { ...process.env, REHEARSAL_STATE: state };

const VERSION = "v1.34.6+k3s1";
const TOKEN = "rehearsalClusterToken0123456789abcdefABCDEF";
const B2_KEY = "rehearsalB2ApplicationKey0000";
const names = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];
const addresses = ["127.0.1.11", "127.0.1.12", "127.0.1.13"];
const servers: ServerAddress[] = names.map((name, i) => ({ name, privateIp: `10.0.1.1${i + 1}`, publicIpv4: `203.0.113.1${i + 1}` }));
const cluster = testCluster;
const rendered = serverConfigs(cluster, servers);
const credentials = renderEtcdS3Credentials("rehearsalKeyId000", B2_KEY);

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}
const show = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
const ok = (r: Run) => assert.equal(r.code, 0, show(r));

function sh(cmd: string, args: string[], input?: string): Run {
    const r = spawnSync(cmd, args, { env, input, encoding: "utf8", timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** One command on host i over ssh, checked against the host key up.sh published. */
function ssh(i: number, command: string, input?: string): Run {
    const known = join(hostsDir, "known_hosts.test");
    const key = readFileSync(join(hostsDir, `${addresses[i]}.hostkey.pub`), "utf8").split(" ").slice(0, 2).join(" ");
    spawnSync("bash", ["-c", `grep -q '^${addresses[i]} ' '${known}' 2>/dev/null || echo '${addresses[i]} ${key}' >>'${known}'`]);
    return sh(
        "ssh",
        ["-i", join(hostsDir, "id_ed25519"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${known}`, "-o", "LogLevel=ERROR", `root@${addresses[i]}`, command],
        input,
    );
}

// Short waits for the test; the scripts' defaults are minutes.
const waits = "READY_TIMEOUT=20 NODE_READY_TIMEOUT=20 POLL_INTERVAL=0.2 PEER_PROBE_TIMEOUT=1";
const script = (i: number, name: ScriptName, args: string[], files: Record<string, string> = {}, extraEnv = "") =>
    ssh(i, `${waits} ${extraEnv} ${runScript(name, args, "root")}`, withPayload(name, files));

const initFiles = () => ({
    "config.yaml": renderServerConfig(rendered.configs[0]),
    "config-rejoin.yaml": renderServerConfig(rendered.rejoin),
    token: `${TOKEN}\n`,
    "etcd-s3-credentials.yaml": credentials,
});
let secureToken = "";
const joinFiles = (i: number) => ({ "config.yaml": renderServerConfig(rendered.configs[i]), token: `${secureToken}\n`, "etcd-s3-credentials.yaml": credentials });
const initArgs = ["--role", "init", "--node", names[0], "--version", VERSION, "--peers", "10.0.1.12,10.0.1.13"];
const joinArgs = (i: number) => ["--role", "join", "--node", names[i], "--version", VERSION];
const ready = (i: number) => script(i, "node-ready", ["--node", names[i], "--version", VERSION]);

interface Status {
    members: { name: string; node: string; ip: string; host: string; learner: boolean }[];
    nodes: { name: string; ready: boolean; kubeletVersion: string; cordoned: boolean; drained: boolean }[];
    hosts: Record<string, { k3s: string; node: string | null; privateIp: string | null; starts: number; restarts: number; installs: number; error: string }>;
}
const clusterCli = (...args: string[]) => sh(join(here, "cluster.sh"), args);
const status = (): Status => {
    const r = clusterCli("status");
    ok(r);
    return JSON.parse(r.stdout) as Status;
};
const events = (): { at: number; host: string; event: string; fields: Record<string, string> }[] => JSON.parse(clusterCli("events").stdout);
const journal = (i: number) => clusterCli("journal", names[i]).stdout;

before(() => {
    assert.equal(process.getuid?.(), 0, "the test hosts need root (unshare, mount)");
    ok(sh("unshare", ["--mount", "true"]));
    ok(sh(join(here, "up.sh"), []));
});
after(() => {
    sh(join(here, "down.sh"), []);
    rmSync(state, { recursive: true, force: true });
});

describe("the test hosts", () => {
    it("are shell that passes shellcheck (kept out of npm test: about 1.5 s of CPU)", () => {
        const files = [...readdirSync(here).filter((f) => f.endsWith(".sh")), ...readdirSync(join(here, "fakes")).map((f) => join("fakes", f))];
        assert.ok(files.length >= 10, files.join(" "));
        const r = spawnSync("shellcheck", ["-x", "--severity=style", ...files], { cwd: here, encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed (apt-get install shellcheck; .ci/run does it)");
        assert.equal(r.status, 0, r.stdout);
    });

    it("publish their addresses, host keys and the client key", () => {
        assert.deepEqual(JSON.parse(readFileSync(join(hostsDir, "addresses.json"), "utf8")), Object.fromEntries(names.map((n, i) => [n, addresses[i]])));
        for (const a of addresses) assert.match(readFileSync(join(hostsDir, `${a}.hostkey.pub`), "utf8"), /^ssh-ed25519 /);
        assert.equal((statSync(join(hostsDir, "id_ed25519")).mode & 0o777).toString(8), "600");
        for (const [i, n] of names.entries()) assert.equal(ssh(i, "hostname").stdout.trim(), n);
    });

    it("each have their own /etc/rancher, /usr/local/bin and tool path; nothing reaches this machine", () => {
        const onMachine = existsSync("/etc/rancher/k3s/config.yaml");
        ok(ssh(0, "mkdir -p /etc/rancher/k3s && echo host-1 >/etc/rancher/k3s/config.yaml && touch /usr/local/bin/only-on-host-1"));
        assert.equal(ssh(0, "cat /etc/rancher/k3s/config.yaml").stdout, "host-1\n");
        assert.equal(existsSync("/etc/rancher/k3s/config.yaml"), onMachine, "not on the machine");
        assert.ok(!existsSync("/usr/local/bin/only-on-host-1"));
        assert.notEqual(ssh(1, "test -e /etc/rancher/k3s/config.yaml").code, 0, "not on host 2");
        assert.notEqual(ssh(1, "test -e /usr/local/bin/only-on-host-1").code, 0);
        ok(ssh(0, "rm -rf /etc/rancher/k3s /usr/local/bin/only-on-host-1"));
        // The fakes come first on the path; the real curl is never what the scripts call.
        assert.deepEqual(ssh(2, "command -v curl systemctl cloud-init").stdout.trim().split("\n"), ["/usr/local/sbin/curl", "/usr/local/sbin/systemctl", "/usr/local/sbin/cloud-init"]);
        const refused = ssh(2, "curl -s https://10.0.1.11:6443/ping");
        assert.equal(refused.code, 7, "no server runs at 10.0.1.11 yet: refused from the cluster state, never sent");
    });
});

describe("a 3-node bootstrap with the real node scripts", () => {
    it("waits for cloud-init on each host, which applies the server's user data there only", () => {
        const machine = readdirSync("/etc/ssh/sshd_config.d");
        for (const [i, n] of names.entries()) {
            // What the simulated cloud does when it creates the server.
            writeFileSync(join(hostsDir, n, "user-data"), cloudInit());
            const r = script(i, "wait-for-node", ["--node", n, ...sshdExpected.flatMap((kv) => ["--sshd", kv])]);
            ok(r);
            assert.match(r.stdout, new RegExp(`${n}: cloud-init done`));
            assert.match(r.stdout, /sshd hardening in effect/);
            assert.match(ssh(i, "sshd -T").stdout, /^passwordauthentication no$/m, "the hardening drop-in is in effect on the host");
        }
        assert.deepEqual(readdirSync("/etc/ssh/sshd_config.d"), machine, "this machine's sshd configuration is untouched");
    });

    it("starts the cluster on node 1 (cluster-init), which /ping and the secure token then show", () => {
        const r = script(0, "k3s-server", initArgs, initFiles());
        ok(r);
        assert.match(r.stdout, /ready \(init, cluster-init\)/);
        ok(ready(0));
        assert.equal(ssh(1, "curl -sk https://10.0.1.11:6443/ping").stdout, "pong", "node 1's private address answers, from any host");
        secureToken = ssh(0, "cat /var/lib/rancher/k3s/server/token").stdout.trim();
        assert.match(secureToken, new RegExp(`^K10[0-9a-f]{64}::server:${TOKEN}$`));
    });

    it("admits one learner at a time: a second join while the first is a learner fails 'too many learners', and k3s retries", () => {
        ok(clusterCli("set", "learner_promote_ms", "60000"));
        const two = script(1, "k3s-server", joinArgs(1), joinFiles(1), "READY_TIMEOUT=1");
        assert.notEqual(two.code, 0, "a learner's API server is not ready");
        assert.match(two.stderr, /not ready after 1s/);
        const three = script(2, "k3s-server", joinArgs(2), joinFiles(2), "READY_TIMEOUT=1");
        assert.notEqual(three.code, 0);
        assert.match(journal(2), /ETCD join failed: etcdserver: too many learner members in cluster/);
        assert.deepEqual(status().members.map((m) => [m.node, m.learner]).sort(), [[names[0], false], [names[1], true]]);
        ok(clusterCli("set", "learner_promote_ms", "0"));
        ok(script(1, "k3s-server", joinArgs(1), joinFiles(1)));
        ok(ready(1));
        // systemd restarts k3s on node 3 (Restart=always); the re-run finds it joined.
        const again = script(2, "k3s-server", joinArgs(2), joinFiles(2));
        ok(again);
        ok(ready(2));
    });

    it("leaves every node Ready on the pinned version, three voting members, files 0600 on each host", () => {
        const s = status();
        assert.deepEqual(s.members.map((m) => [m.node, m.ip, m.learner]).sort(), servers.map((v) => [v.name, v.privateIp, false]));
        assert.deepEqual(
            s.nodes.map((n) => [n.name, n.ready, n.kubeletVersion, n.cordoned]),
            names.map((n) => [n, true, VERSION, false]),
        );
        for (const [i, n] of names.entries()) {
            assert.equal(s.hosts[n].k3s, "active");
            assert.equal(s.hosts[n].privateIp, servers[i].privateIp);
            const modes = ssh(i, "stat -c '%n %a' /etc/rancher/k3s/config.yaml /etc/rancher/k3s/token /etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml /var/lib/rancher/k3s/server/token");
            ok(modes);
            for (const line of modes.stdout.trim().split("\n")) assert.match(line, / 600$/, `${n}: ${line}`);
            assert.match(ssh(i, "cat /etc/rancher/k3s/config.yaml").stdout, new RegExp(`node-name: ${n}`));
            assert.equal(ssh(i, "k3s --version | head -n 1").stdout, `k3s version ${VERSION} (rehearsal fake)\n`);
        }
    });

    it("changes nothing and restarts nothing on a second run", () => {
        const before = status().hosts;
        const r = script(0, "k3s-server", initArgs, initFiles());
        ok(r);
        assert.match(r.stdout, /nothing to change/);
        for (const i of [1, 2]) ok(script(i, "k3s-server", joinArgs(i), joinFiles(i)));
        const now = status().hosts;
        for (const n of names) assert.deepEqual([now[n].starts, now[n].restarts, now[n].installs], [before[n].starts, before[n].restarts, before[n].installs], n);
    });
});

describe("a departed server and its name", () => {
    it("refuses a rebuilt server whose name is still an etcd member, as k3s does", () => {
        ok(clusterCli("reimage", names[2])); // node 3's server deleted without a drain, rebuilt
        assert.notEqual(ssh(2, "test -e /etc/rancher/k3s/config.yaml").code, 0, "a fresh disk");
        const s = status();
        assert.equal(s.hosts[names[2]].k3s, "inactive");
        assert.ok(s.members.some((m) => m.node === names[2]), "its etcd member is left behind");
        assert.equal(s.nodes.find((n) => n.name === names[2])?.ready, false);
        const r = script(2, "k3s-server", joinArgs(2), joinFiles(2));
        assert.notEqual(r.code, 0, show(r));
        assert.match(journal(2), /ETCD join failed: duplicate node name found, please use a unique name for this node/);
    });

    it("lets it join once the stale Node is deleted from a surviving server, which removes its member", () => {
        const gone = script(2, "drain-node", ["--node", names[2]]);
        ok(gone);
        assert.match(gone.stdout, /not running here; nothing to drain/, "a rebuilt server's k3s is down: nothing to drain");
        ok(script(0, "remove-node", ["--node", names[2], "--from", names[0]], {}, "REMOVE_TIMEOUT=30"));
        const removed = events().find((e) => e.event === "remove-member" && e.fields.node === names[2] && e.host === names[0])?.fields.member;
        assert.ok(removed, "node 1 removed node 3's stale member");
        // k3s on node 3 kept restarting (Restart=always); with the stale member gone it joins, as a
        // new member, and registers the Node again.
        ok(script(2, "k3s-server", joinArgs(2), joinFiles(2)));
        ok(ready(2));
        const s = status();
        assert.deepEqual(s.members.map((m) => m.node).sort(), names);
        assert.ok(!s.members.some((m) => m.name === removed), `${removed} stays removed`);
        assert.ok(s.nodes.every((n) => n.ready && !n.cordoned), JSON.stringify(s.nodes));
        assert.equal(s.hosts[names[0]].restarts, 0, "node 1 never restarted");
        assert.equal(s.hosts[names[1]].restarts, 0, "node 2 never restarted");
    });

    it("drains a leaving node and stops its k3s on it, then deletes its Node from a surviving server", () => {
        const drained = script(2, "drain-node", ["--node", names[2]], {}, "DRAIN_TIMEOUT=30");
        ok(drained);
        assert.match(drained.stdout, /drained and k3s stopped/);
        ok(script(0, "remove-node", ["--node", names[2], "--from", names[0]], {}, "REMOVE_TIMEOUT=30"));
        const since = events().findIndex((e) => e.event === "drain" && e.fields.node === names[2]);
        const order = events()
            .slice(since)
            .filter((e) => (e.fields.node === names[2] && ["drain", "stop", "remove-member", "delete-node"].includes(e.event)))
            .map((e) => `${e.event}@${e.host}`);
        assert.deepEqual(order, [`drain@${names[2]}`, `stop@${names[2]}`, `remove-member@${names[0]}`, `delete-node@${names[0]}`]);
        const s = status();
        assert.deepEqual(s.members.map((m) => m.node).sort(), names.slice(0, 2));
        assert.deepEqual(s.nodes.map((n) => n.name), names.slice(0, 2));
        assert.equal(s.hosts[names[2]].k3s, "inactive");
    });
});

describe("day 2 with the real node scripts", () => {
    it("restores etcd from a snapshot on node 1, then the others rejoin the restored cluster", () => {
        const saved = ssh(0, "k3s etcd-snapshot save");
        ok(saved);
        const snapshot = /Snapshot (\S+) saved/.exec(saved.stdout)?.[1] ?? "";
        assert.match(snapshot, new RegExp(`^on-demand-${names[0]}-\\d+$`));
        const old = status().members;
        for (const i of [1, 2]) ok(script(i, "halt-for-restore", ["--node", names[i], "--snapshot", snapshot]));
        assert.equal(status().hosts[names[1]].k3s, "inactive", "no server keeps the old cluster running");
        ok(script(0, "k3s-server", [...initArgs, "--restore", snapshot], initFiles()));
        let s = status();
        assert.deepEqual(s.members.map((m) => m.node), [names[0]], "node 1 is the only member after the reset");
        assert.ok(!old.some((m) => m.name === s.members[0].name), "under a new member name");
        for (const i of [1, 2]) {
            ok(script(i, "k3s-server", [...joinArgs(i), "--rejoin-restored", snapshot], joinFiles(i)));
            ok(ready(i));
        }
        s = status();
        assert.deepEqual(s.members.map((m) => [m.node, m.learner]).sort(), names.map((n) => [n, false]));
        assert.ok(s.nodes.every((n) => n.ready), JSON.stringify(s.nodes));
        assert.ok(events().some((e) => e.event === "cluster-reset" && e.fields.restore === snapshot && e.host === names[0]));
        assert.equal(ssh(1, `test -d /var/lib/rancher/k3s/server/db-before-restore-${snapshot}/etcd`).code, 0, "the old etcd data kept aside");
    });

    it("rotates the cluster token on node 1; the others restart with the new secure token", () => {
        const next = "rehearsalRotatedToken9876543210zyxwvuZYXWVU";
        const before = status().hosts;
        const r = script(0, "k3s-server", initArgs, { ...initFiles(), token: `${next}\n` });
        ok(r);
        assert.match(r.stdout, /rotating it/);
        secureToken = ssh(0, "cat /var/lib/rancher/k3s/server/token").stdout.trim();
        assert.match(secureToken, new RegExp(`::server:${next}$`));
        for (const i of [1, 2]) {
            ok(script(i, "k3s-server", joinArgs(i), joinFiles(i)));
            ok(ready(i));
        }
        const after = status().hosts;
        for (const n of names) assert.equal(after[n].restarts, before[n].restarts + 1, `${n} restarted once`);
        assert.ok(!readFileSync(join(hostsDir, "cluster", "events.log"), "utf8").includes(next), "no token in the events");
    });
});

describe("down.sh", () => {
    it("stops every host process and leaves no state; a second run is a no-op", () => {
        const pids = names.map((n) => readFileSync(join(hostsDir, n, "sshd.pid"), "utf8").trim());
        ok(sh(join(here, "down.sh"), []));
        // Gone, or a zombie until this machine's init reaps it.
        const alive = (pid: string) => existsSync(`/proc/${pid}/status`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
        for (const pid of pids) assert.ok(!alive(pid), `sshd ${pid} is gone`);
        assert.ok(!existsSync(hostsDir));
        for (const a of addresses) assert.notEqual(sh("bash", ["-c", `exec 3<>/dev/tcp/${a}/22`]).code, 0, `nothing listens on ${a}:22`);
        const mounts = sh("bash", ["-c", `grep -l '${state}' /proc/[0-9]*/mountinfo 2>/dev/null || true`]);
        assert.equal(mounts.stdout, "", "no process (so no mount namespace) holds a host's mounts");
        ok(sh(join(here, "down.sh"), []));
    });
});

describe("a pinned host key", () => {
    it("is what a new server presents from its first answer (the simulated cloud installs the user data's key), and another key is refused", async () => {
        const i = 2;
        process.env.REHEARSAL_STATE = state; // where the simulated cloud finds the hosts
        const before = readFileSync(join(hostsDir, `${addresses[i]}.hostkey.pub`), "utf8").trim();
        const key = privateKeyOutputs({ algorithm: "ED25519" });
        const line = String(key.publicKeyOpenssh).trim();
        assert.ok(installHostKey(names[i], addresses[i], cloudInit({ privateKey: String(key.privateKeyOpenssh), publicKey: line })), "the user data carries ssh_keys");
        assert.equal(readFileSync(join(hostsDir, `${addresses[i]}.hostkey.pub`), "utf8").trim(), line);
        const pinned = (to: string) => {
            const file = join(state, `pinned-${to === line ? "new" : "old"}`);
            writeFileSync(file, `${addresses[i]} ${to}\n`);
            return sh("ssh", ["-i", join(hostsDir, "id_ed25519"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${file}`, "-o", "ConnectTimeout=5", `root@${addresses[i]}`, "hostname"]);
        };
        // sshd re-executes itself on SIGHUP: bounded retry while it comes back.
        let accepted = pinned(line);
        for (let n = 0; n < 50 && accepted.code !== 0; n++) {
            await new Promise((r) => setTimeout(r, 100));
            accepted = pinned(line);
        }
        ok(accepted);
        assert.equal(accepted.stdout.trim(), names[i]);
        const refused = pinned(before);
        assert.equal(refused.code, 255, show(refused));
        assert.match(refused.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
        // A server created without ssh_keys (an adopted one) keeps the key it has.
        assert.equal(installHostKey(names[i], addresses[i], cloudInit()), false);
    });
});
