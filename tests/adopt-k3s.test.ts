// The k3s layer for day 2, under mocks, in ONE configuration run: adopting a cluster built by
// hand (adopt.k3s with the running cluster's token as honeydue:k3sToken) while restoring etcd from
// a B2 snapshot (etcdRestore). What each node's command is told, which token node 1 gets, and that
// the configured token never travels in plain text. The scripts' side is in tests/scripts.test.ts.
// The cluster runs on servers built by hand too: all three adopted, each with the host key the
// operator recorded (pasted from the node's .pub file, comment and newline included), reached as a
// sudo user (honeydue:sshUser), not root.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { evaluate } from "../offline/policies";
import { resourceSections } from "../offline/render";
import { mockClusterToken } from "../offline/mocks-k3s";
import { dependsOn, dependsTransitively, ofType, one, plainText, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { placeholderHashes, placeholderPlain } from "../offline/stack";
import { scriptBounds } from "../infra/k3s/scripts";
import { payloadFiles } from "./support/payload";
import { recordedKeyDials } from "../infra/k3s/connection";
import { recordedHostKey } from "./support/hostKeys";

const C = "command:remote:Command";
const names = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];
/** The running cluster's token (labelled, so a leak is found by its mark). */
const RUNNING_TOKEN = "PLACEHOLDERrunningClusterToken00000000000000";
const SNAPSHOT = "etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600";
/** The hand-built servers' Hetzner ids. */
const SERVERS = { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-2": "202", "ubuntu-8gb-nbg1-3": "203" };
/** Each node's host key as the operator pastes it from /etc/ssh/ssh_host_ed25519_key.pub: "<type> <key> <comment>\n". */
const pasted = (n: string) => `${recordedHostKey(n)} root@${n}\n`;
const USER = "deploy";
/** A second operator's key, authorized beside honeydue:sshPublicKey while keys are rotated (docs/runbook/ssh.md). */
const NEXT_KEY = `${recordedHostKey("next-operator")} next@laptop`;

let estate: Estate;
const cmd = (name: string) => one(estate.resources, C, name);
const create = (name: string) => String(cmd(name).inputs.create);
/** The script's arguments in a command's create text (`... bash -s -- ARGS || { ... }`). */
const args = (name: string) => create(name).match(/bash -s -- (.*?)(?: \|\| \{|$)/)?.[1];

before(async () => {
    estate = await runEstate({
        overrides: {
            "honeydue:adopt": { k3s: true, servers: SERVERS },
            "honeydue:hostKeys": Object.fromEntries(names.map((n) => [n, pasted(n)])),
            "honeydue:sshUser": USER,
            "honeydue:sshAuthorizedKeys": [NEXT_KEY],
            "honeydue:k3sToken": RUNNING_TOKEN,
            "honeydue:etcdRestore": { snapshot: SNAPSHOT },
        },
        secretKeys: ["honeydue:k3sToken"],
    });
});

describe("adopting the running k3s cluster", () => {
    it("tells every node's k3s step that the cluster is adopted, and no other step", () => {
        for (const n of names) assert.match(create(`${n}-k3s`), / --adopt( |$)/, n);
        for (const c of ofType(estate.resources, C).filter((r) => !r.name.endsWith("-k3s"))) {
            assert.ok(!String(c.inputs.create ?? c.inputs.delete).includes("--adopt"), c.name);
        }
        assert.deepEqual(estate.duplicates, []);
    });

    it("starts node 1 with the configured token, and creates no RandomPassword", () => {
        const stdin = cmd(`${names[0]}-k3s`).inputs.stdin;
        assert.ok(stdin && typeof stdin === "object" && "secret" in stdin, "node 1's payload is secret");
        assert.equal(payloadFiles(String(unwrap(stdin))).token, `${RUNNING_TOKEN}\n`);
        // Redis's two passwords are generated in any case (workloads/redisAcl.ts); no token is.
        assert.deepEqual(
            ofType(estate.resources, "random:index/randomPassword:RandomPassword").map((r) => r.name),
            ["honeydue-redis-apps", "honeydue-redis-backup"],
            "no generated token beside the configured one",
        );
        assert.ok(!JSON.stringify(estate.resources.map((r) => unwrap(r.inputs))).includes(mockClusterToken), "the generated token is used nowhere");
    });

    it("reads the join token again whenever the cluster token changes, the token kept secret in the trigger", () => {
        assert.deepEqual(cmd("honeydue-join-token").inputs.triggers, { secret: [RUNNING_TOKEN] }, "the whole trigger list is secret");
    });

    it("never has the configured token in plain text in any input or output, nor in a command's text", () => {
        const decoded = ofType(estate.resources, C)
            .filter((c) => typeof c.inputs.stdin === "string")
            .map((c) => JSON.stringify(payloadFiles(String(c.inputs.stdin))));
        const plain = [...estate.resources.map((r) => plainText(r.inputs)), ...decoded, plainText(estate.outputs)];
        assert.ok(plain.length > 20);
        for (const text of plain) assert.ok(!text.includes(RUNNING_TOKEN), "the configured token in plain text");
        for (const c of ofType(estate.resources, C)) {
            const text = JSON.stringify(unwrap([c.inputs.create, c.inputs.update, c.inputs.delete, c.inputs.environment]));
            assert.ok(!text.includes(RUNNING_TOKEN), `${c.name} carries the token in its command text`);
        }
    });
});

describe("restoring etcd from a B2 snapshot", () => {
    // The offline placeholders for the k3s downloads' hashes (offline/stack.ts).
    const pins = `--installer-sha256 ${placeholderHashes["honeydue:k3sInstallerSha256"]} --k3s-sha256 ${placeholderHashes["honeydue:k3sBinarySha256"]}`;
    it("has node 1 restore the named snapshot, visible in its command (so the plan shows it)", () => {
        assert.equal(args(`${names[0]}-k3s`), `--role init --node ${names[0]} --version v1.34.6+k3s1 ${pins} --peers 10.0.1.12,10.0.1.13 --adopt --restore ${SNAPSHOT}`);
    });

    it("says so in the plan, on node 1's step and on the others'", () => {
        const lines = resourceSections(estate).flatMap((s) => s.lines);
        assert.equal(lines.filter((l) => l.includes(`RESTORE etcd from the B2 snapshot ${SNAPSHOT}`)).length, 1);
        assert.equal(lines.filter((l) => l.includes(`after the restore from ${SNAPSHOT}: move the old etcd data aside and rejoin`)).length, 2);
        assert.equal(lines.filter((l) => l.includes("adopt: a node already on this version is left alone")).length, 3);
    });

    it("has the other servers rejoin after that restore, never restore themselves", () => {
        for (const n of names.slice(1)) {
            assert.equal(args(`${n}-k3s`), `--role join --node ${n} --version v1.34.6+k3s1 ${pins} --adopt --rejoin-restored ${SNAPSHOT}`);
        }
        const restoring = ofType(estate.resources, C).filter((c) => String(c.inputs.create ?? "").includes("--restore "));
        assert.deepEqual(restoring.map((c) => c.name), [`${names[0]}-k3s`]);
    });

    it("rejoins strictly after node 1's restore, one server at a time", () => {
        const [i1, i2, i3] = names.map((n) => cmd(`${n}-k3s`));
        const after = (a: Registration, b: Registration) => dependsTransitively(a, b, estate.resources);
        assert.ok(after(i2, i1) && after(i3, i2), "node 2 after node 1, node 3 after node 2");
        assert.ok(!after(i1, i2) && !after(i2, i3));
    });

    it("stops k3s on every other server before node 1 resets, on that server itself, once per snapshot", () => {
        // k3s docs/cli/etcd-snapshot.md, "Multiple Servers": stop K3s on all servers, then reset the first.
        const reset = cmd(`${names[0]}-k3s`);
        for (const n of names.slice(1)) {
            const halt = cmd(`${n}-halt`);
            assert.equal(args(`${n}-halt`), `--node ${n} --snapshot ${SNAPSHOT}`);
            // Under its own backstop: a stop that hangs ends within minutes, the message naming the script and the server.
            const bound = scriptBounds["halt-for-restore"];
            assert.ok(create(`${n}-halt`).startsWith(`sudo -n timeout -k 30 ${bound} bash -s -- `), create(`${n}-halt`));
            assert.match(create(`${n}-halt`), new RegExp(`halt-for-restore on ${n} did not finish within ${bound}s and was stopped`));
            assert.match(String(halt.inputs.stdin), /systemctl stop k3s/);
            assert.ok(dependsOn(reset, halt, estate.resources), `node 1 resets only after ${n}'s k3s is stopped`);
            assert.ok(dependsOn(halt, cmd(`${n}-wait`), estate.resources));
            assert.ok(!dependsTransitively(halt, reset, estate.resources));
            assert.equal((unwrap(halt.inputs.connection) as { host: string }).host, (unwrap(cmd(`${n}-k3s`).inputs.connection) as { host: string }).host, "runs on that server");
            assert.equal(halt.inputs.addPreviousOutputInEnv, false);
        }
        assert.equal(ofType(estate.resources, C).filter((c) => c.name.endsWith("-halt")).length, 2, "node 1 is not halted: it resets");
        // Then node 1 starts (its own step waits for /readyz), then the others rejoin one by one.
        assert.ok(dependsOn(cmd(`${names[1]}-k3s`), cmd(`${names[0]}-ready`), estate.resources));
        assert.ok(dependsOn(cmd(`${names[2]}-k3s`), cmd(`${names[1]}-ready`), estate.resources));
    });

    it("shows the stops in the plan, before node 1's restore", () => {
        const lines = resourceSections(estate).flatMap((s) => s.lines);
        assert.equal(lines.filter((l) => l.includes(`stop k3s before the first server restores ${SNAPSHOT}`)).length, 2);
    });

    it("sends node 1 the etcd-s3 settings and credentials the reset reads from its files", () => {
        const files = payloadFiles(String(unwrap(cmd(`${names[0]}-k3s`).inputs.stdin)));
        assert.match(files["config.yaml"], /^etcd-s3: true$/m);
        assert.match(files["config.yaml"], /^etcd-s3-folder: etcd-snapshots$/m);
        assert.match(files["etcd-s3-credentials.yaml"], /etcd-s3-secret-key: /);
    });
});

describe("the policy pack over this configuration", () => {
    it("passes every policy, the k3s ones and stack-k3s-identical-server-config included", async () => {
        const report = await evaluate(estate.resources);
        assert.deepEqual(report.mandatory, []);
        // Only the advisory policies the hardening change will satisfy may speak (README, Policy pack).
        assert.deepEqual(report.violations.filter((v) => v.enforcementLevel !== "advisory"), []);
    });
});

describe("the hand-built servers the cluster runs on", () => {
    const S = "hcloud:index/server:Server";
    const nodeAt = (host: string) => names.find((n) => one(estate.resources, S, n).state.ipv4Address === host);
    const connectionOf = (c: Registration) => unwrap(c.inputs.connection) as { host: string; user: string; hostKey?: string; dialErrorLimit?: number };

    // pulumi-command v1.2.1 provider/pkg/provider/remote/connection.go `SSHConfig` parses hostKey with
    // ssh.ParseAuthorizedKey: "<type> <base64>" is what it pins, and known_hosts takes "<host> <type> <base64>".
    it("pins every command to the key the operator recorded, as type and key data alone (the .pub file's comment and newline dropped)", () => {
        const remote = ofType(estate.resources, C);
        assert.ok(remote.length >= names.length * 5);
        for (const c of remote) {
            const node = nodeAt(connectionOf(c).host);
            assert.ok(node, `${c.name} reaches a node`);
            assert.equal(connectionOf(c).hostKey, recordedHostKey(node), `${c.name} pins ${node}'s recorded key`);
            assert.match(connectionOf(c).hostKey!, /^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
            // A node that already runs sshd: a refused key fails the step within minutes, naming the mismatch.
            assert.equal(connectionOf(c).dialErrorLimit, recordedKeyDials, c.name);
        }
        assert.equal(estate.outputs.knownHosts, names.map((n) => `${n} ${recordedHostKey(n)}\n`).join(""), "the operator's known_hosts holds the same keys");
        assert.deepEqual(ofType(estate.resources, "tls:index/privateKey:PrivateKey").filter((k) => k.name.endsWith("-host-key")), [], "no host key generated for a server the program did not build");
    });

    it("checks the sshd hardening on each node first, but not which host key files it has (its own, not one the program wrote)", () => {
        for (const n of names) assert.equal(args(`${n}-wait`), `--node ${n} --sshd passwordauthentication=no --sshd permitrootlogin=prohibit-password`, n);
    });

    it("writes both operator keys, one line each, to every node's authorized_keys for the sudo user, the step bounded to ten minutes", () => {
        const keys = `${String(placeholderPlain["honeydue:sshPublicKey"]).trim()}\n${NEXT_KEY}\n`;
        for (const n of names) {
            const step = cmd(`${n}-authorized-keys`);
            assert.equal(args(`${n}-authorized-keys`), `--node ${n} --user ${USER}`);
            assert.equal(payloadFiles(String(unwrap(step.inputs.stdin))).authorized_keys, keys, n);
            // The step's timeouts are the provider's deadline for dialling a node that does not answer (infra/k3s/connection.ts); the script has its own bound.
            assert.deepEqual([step.customTimeouts?.create, step.customTimeouts?.update], ["10m", "10m"], n);
        }
    });

    it("runs every script and every read of node 1's files as root through non-interactive sudo, so no step can wait on a password prompt", () => {
        const remote = ofType(estate.resources, C);
        for (const c of remote) {
            assert.equal(connectionOf(c).user, USER, c.name);
            const texts = [c.inputs.create, c.inputs.delete].filter((t) => t !== undefined).map((t) => String(unwrap(t)));
            assert.ok(texts.length > 0, c.name);
            for (const text of texts) assert.ok(text.startsWith("sudo -n "), `${c.name}: ${text.slice(0, 60)}`);
        }
        assert.equal(create("honeydue-join-token"), "sudo -n cat /var/lib/rancher/k3s/server/token");
        assert.equal(create("honeydue-kubeconfig"), "sudo -n cat /etc/rancher/k3s/k3s.yaml");
    });
});
