// The k3s layer under mocks: the bootstrap chain and its order, what every server is configured
// with, the secret kubeconfig and the provider, and that no secret travels in plain text.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import type { Registration } from "../offline/capture";
import { mockClusterToken, mockSecureToken } from "../offline/mocks-k3s";
import { dependsOn, dependsTransitively, ofType, one, plainText, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { placeholderPlain, placeholderSecrets, SECRET_MARK } from "../offline/stack";
import { script, scriptBounds, type ScriptName } from "../infra/k3s/scripts";
import { payloadFiles } from "./support/payload";

const C = "command:remote:Command";
const S = "hcloud:index/server:Server";
const names = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];
const privateIps = ["10.0.1.11", "10.0.1.12", "10.0.1.13"];

let estate: Estate;
let commands: Registration[];
const cmd = (name: string) => one(estate.resources, C, name);
const server = (name: string) => one(estate.resources, S, name);
/** What a server's install step sends on stdin: the script and its payload files. */
const files = (node: string) => {
    const stdin = cmd(`${node}-k3s`).inputs.stdin;
    assert.ok(stdin && typeof stdin === "object" && "secret" in stdin, `${node}: the install stdin must be secret`);
    return payloadFiles(String(unwrap(stdin)));
};
const config = (node: string) => parse(files(node)["config.yaml"]) as Record<string, unknown>;
/** The script's arguments in a command's create/delete text (`... bash -s -- ARGS || { ... }`). */
const argsOf = (text: unknown) => String(text).match(/bash -s -- (.*?)(?: \|\| \{|$)/)?.[1];

before(async () => {
    estate = await runEstate();
    commands = ofType(estate.resources, C).filter((c) => !/-(traefik-ready|smoke)$/.test(c.name)); // the workloads' Traefik waits and smoke checks: tests/workloads.test.ts, tests/smoke.test.ts
});

describe("k3s bootstrap chain", () => {
    it("builds the cluster as one honeydue:cluster:K3s component whose commands are its children", () => {
        const component = one(estate.resources, "honeydue:cluster:K3s", "honeydue");
        assert.ok(commands.length >= 3 * 4 + 2);
        for (const c of commands) assert.equal(c.parent, component.urn, c.name);
        assert.deepEqual(estate.duplicates, []);
    });

    it("waits for SSH and cloud-init on every node, retrying the dial without a count limit", () => {
        for (const n of names) {
            const wait = cmd(`${n}-wait`);
            assert.equal(argsOf(wait.inputs.create), `--node ${n} --sshd passwordauthentication=no --sshd permitrootlogin=prohibit-password --sshd hostkey=/etc/ssh/ssh_host_ed25519_key`);
            assert.match(String(wait.inputs.stdin), /cloud-init status --wait/);
            assert.equal((unwrap(wait.inputs.connection) as { dialErrorLimit: number }).dialErrorLimit, -1);
            assert.ok(wait.customTimeouts?.create, "a bounded create timeout replaces the dial count");
            assert.ok(dependsOn(wait, server(n), estate.resources));
        }
    });

    // A generated-key node is dialled until the step's deadline (dialErrorLimit -1): these timeouts are
    // that deadline (infra/k3s/connection.ts), so a node that never answers fails the `up` in minutes.
    it("bounds every bootstrap step: 20 minutes to create or update, 15 to delete (the drains)", () => {
        const steps = commands.filter((c) => /-(wait|k3s|ready|drain|membership)$/.test(c.name) || c.name === "honeydue-join-token");
        assert.equal(steps.length, names.length * 5 + 1);
        for (const c of steps) assert.deepEqual(c.customTimeouts, { create: "20m", update: "20m", delete: "15m" }, c.name);
    });

    it("runs each node script under its own backstop (infra/k3s/scripts.ts scriptBounds), which names that script and the server when it fires", () => {
        const scripts = Object.keys(scriptBounds) as ScriptName[];
        let checked = 0;
        for (const c of commands) {
            const stdin = String(unwrap(c.inputs.stdin ?? ""));
            const name = scripts.find((n) => stdin.startsWith(script(n)));
            if (!name) continue;
            const text = String(unwrap(c.inputs.create ?? c.inputs.delete));
            const bound = scriptBounds[name];
            assert.ok(text.startsWith(`timeout -k 30 ${bound} bash -s -- `), `${c.name}: ${text.slice(0, 50)}`);
            assert.match(text, new RegExp(`echo '${name} on ubuntu-8gb-nbg1-[123] did not finish within ${bound}s and was stopped; `), c.name);
            checked++;
        }
        assert.equal(checked, names.length * 6, "wait, install, ready, authorized keys, drain and membership on every node");
    });

    it("installs node 1 first, then joins node 2, then node 3, each after the previous server is verified", () => {
        const [i1, i2, i3] = names.map((n) => cmd(`${n}-k3s`));
        const [r1, r2, r3] = names.map((n) => cmd(`${n}-ready`));
        assert.ok(dependsOn(i1, cmd(`${names[0]}-wait`), estate.resources));
        assert.ok(dependsOn(r1, i1, estate.resources) && dependsOn(r2, i2, estate.resources) && dependsOn(r3, i3, estate.resources));
        assert.ok(dependsOn(i2, r1, estate.resources), "node 2 joins after node 1 is verified");
        assert.ok(dependsOn(i3, r2, estate.resources), "node 3 joins after node 2 is verified");
        assert.ok(dependsTransitively(i3, i2, estate.resources), "the node-3 join waits for the node-2 join: never in parallel");
        assert.ok(!dependsTransitively(i2, i3, estate.resources));
        assert.ok(!dependsTransitively(i1, i2, estate.resources), "node 1 does not wait for a joiner");
    });

    it("makes a server's install depend on its own and node 1's server only (replacing node 3 leaves 1 and 2 alone)", () => {
        const direct = (c: Registration, s: Registration) => [...c.dependencies, ...Object.values(c.propertyDependencies).flat()].includes(s.urn);
        assert.ok(!direct(cmd(`${names[0]}-k3s`), server(names[1])) && !direct(cmd(`${names[0]}-k3s`), server(names[2])));
        assert.ok(!direct(cmd(`${names[1]}-k3s`), server(names[2])));
        assert.ok(direct(cmd(`${names[2]}-k3s`), server(names[0])) && direct(cmd(`${names[2]}-k3s`), server(names[2])));
    });

    it("joins with the secure token read back from node 1 after it is verified", () => {
        const token = cmd("honeydue-join-token");
        assert.equal(token.inputs.create, "cat /var/lib/rancher/k3s/server/token");
        assert.equal(token.inputs.logging, "none");
        assert.ok(token.additionalSecretOutputs.includes("stdout"));
        assert.ok(dependsOn(token, cmd(`${names[0]}-ready`), estate.resources));
        for (const n of names.slice(1)) {
            assert.ok(dependsOn(cmd(`${n}-k3s`), token, estate.resources));
            assert.equal(files(n).token, `${mockSecureToken}\n`);
        }
        assert.equal(files(names[0]).token, `${mockClusterToken}\n`, "node 1 starts the cluster with the RandomPassword token");
        assert.match(files(names[0]).token, /^[A-Za-z0-9]{32,}\n$/, "a generated cluster token is at least 32 letters and digits");
        // Redis's two passwords are RandomPasswords too (workloads/redisAcl.ts).
        assert.equal(ofType(estate.resources, "random:index/randomPassword:RandomPassword").filter((r) => !/-redis-/.test(r.name)).length, 1, "generated when honeydue:k3sToken is unset");
        assert.deepEqual(token.inputs.triggers, { secret: [mockClusterToken] }, "read again when the token changes (rotation), the trigger secret");
    });

    // @pulumi/random randomPassword.d.ts: `special` defaults to true, adding !@#$%&*()-_=+[]{}<>:? (the mock
    // answers a fixed placeholder whatever it is asked, so the request itself is what shows).
    it("asks for a cluster token of 48 letters and digits only: a token with symbols could not be set back as honeydue:k3sToken", () => {
        const [generated] = ofType(estate.resources, "random:index/randomPassword:RandomPassword").filter((r) => !/-redis-/.test(r.name));
        assert.equal(generated.inputs.length, 48);
        assert.equal(generated.inputs.special, false);
        for (const k of ["upper", "lower", "numeric"]) assert.notEqual(generated.inputs[k], false, `${k} characters stay in`);
        assert.equal(generated.parent, one(estate.resources, "honeydue:cluster:K3s", "honeydue").urn);
    });

    it("pins the configured k3s version in every install and verification", () => {
        for (const n of names) {
            assert.match(String(cmd(`${n}-k3s`).inputs.create), / --version v1\.34\.6\+k3s1( |$)/);
            assert.equal(argsOf(cmd(`${n}-ready`).inputs.create), `--node ${n} --version v1.34.6+k3s1`);
        }
    });

    // The offline plan's placeholders (offline/stack.ts placeholderPlain): the stack's recorded hashes in a real run.
    const pins = `--installer-sha256 ${"0".repeat(64)} --k3s-sha256 ${"0".repeat(64)}`;
    it("gives node 1 the init role with its peers, the others the join role; each checks the downloads against the configured hashes", () => {
        assert.equal(argsOf(cmd(`${names[0]}-k3s`).inputs.create), `--role init --node ${names[0]} --version v1.34.6+k3s1 ${pins} --peers 10.0.1.12,10.0.1.13`);
        for (const n of names.slice(1)) assert.equal(argsOf(cmd(`${n}-k3s`).inputs.create), `--role join --node ${n} --version v1.34.6+k3s1 ${pins}`);
    });

    it("ties every command to its server with deletedWith, and the drains to the estate's network", () => {
        const network = one(estate.resources, "hcloud:index/network:Network", "honeydue-private");
        for (const c of commands) {
            if (c.name.endsWith("-membership") || c.name.endsWith("-drain")) {
                assert.equal(c.deletedWith, network.urn, `${c.name}: a node's removal must run its drain`);
                continue;
            }
            const node = names.find((n) => c.name.startsWith(n)) ?? names[0];
            assert.equal(c.deletedWith, server(node).urn, c.name);
        }
    });

    it("replaces a server delete-first, so the old node is drained before its name and IP are reused", () => {
        for (const n of names) assert.equal(server(n).deleteBeforeReplace, true, n);
    });

    it("sets addPreviousOutputInEnv false on every remote command (sshd refuses the Setenv otherwise)", () => {
        assert.ok(commands.length >= 3 * 5 + 2);
        for (const c of commands) assert.equal(c.inputs.addPreviousOutputInEnv, false, c.name);
    });

    it("bounds every script on the node with timeout, reporting the node when the bound fires", () => {
        for (const c of commands.filter((x) => argsOf(x.inputs.create ?? x.inputs.delete))) {
            const text = String(c.inputs.create ?? c.inputs.delete);
            assert.match(text, /^timeout -k 30 \d+ bash -s -- .* \|\| \{ rc=\$\?; \[ "\$rc" -ne 124 \] \|\| echo '.* on ubuntu-8gb-nbg1-\d did not finish within \d+s and was stopped; see .*' >&2; exit "\$rc"; \}$/, c.name);
        }
    });
});

/**
 * What the engine does on `pulumi up --replace <server>` (servers are deleteBeforeReplace), as
 * pulumi/pulumi pkg/resource/deploy/step_generator.go `calculateDependentReplacements` decides it:
 * it walks the server's dependents in dependency order; in each, every input whose
 * propertyDependencies name a resource already in the replace set is made unknown, and the
 * dependent's provider diffs that. pulumi-command answers "replace" only for `triggers` (1.2.1
 * provider/pkg/provider/common/inputs.go; pulumi-go-provider 1.3.0 infer/resource.go `diff` forces
 * a replace for a replaceOnChanges key); a change of `connection` or `stdin` is an update, which
 * runs nothing without `update`/`create` text. From v3.260 (pulumi/pulumi#23818) a dependent
 * deletedWith a resource in the set is replaced too (its delete is then skipped, step.go
 * `isDeletedWith`). The replaced dependents are deleted before the server, last-registered first.
 */
function deletedFirst(server: Registration, all: Registration[], engine: "3.220" | "3.260"): Registration[] {
    const set = new Set([server.urn]);
    const replaced: Registration[] = [];
    for (const r of all.slice(all.indexOf(server) + 1).filter((x) => x.type === C)) {
        const byTrigger = (r.propertyDependencies.triggers ?? []).some((u) => set.has(u));
        const byDeletedWith = engine === "3.260" && set.has(r.deletedWith);
        if (byTrigger || byDeletedWith) {
            set.add(r.urn);
            replaced.push(r);
        }
    }
    return replaced.reverse();
}
/** Whether a delete actually runs its command: skipped when its deletedWith target goes too. */
const runsOnDelete = (r: Registration, deleting: Set<string>) => r.inputs.delete !== undefined && !deleting.has(r.deletedWith);
const host = (r: Registration) => (unwrap(r.inputs.connection) as { host: string }).host;

describe("a node leaving: pulumi up --replace <server>, or the node removed", () => {
    for (const engine of ["3.220", "3.260"] as const) {
        it(`drains and stops the departing node, then deletes its Node from a survivor, then the server (engine ${engine})`, () => {
            names.forEach((n, i) => {
                const order = deletedFirst(server(n), estate.resources, engine);
                const deleting = new Set([server(n).urn, ...order.map((r) => r.urn)]);
                const running = order.filter((r) => runsOnDelete(r, deleting)).map((r) => r.name);
                assert.deepEqual(running, [`${n}-drain`, `${n}-membership`], `${n}: what runs before its server is deleted, in order`);
                assert.equal(host(cmd(`${n}-drain`)), `203.0.113.${11 + i}`, "the drain runs on the departing node");
                const survivor = i === 0 ? 1 : 0;
                assert.equal(host(cmd(`${n}-membership`)), `203.0.113.${11 + survivor}`, "the Node is deleted from a surviving server");
                assert.equal(argsOf(cmd(`${n}-membership`).inputs.delete), `--node ${n} --from ${names[survivor]}`);
                assert.equal(argsOf(cmd(`${n}-drain`).inputs.delete), `--node ${n}`);
                // When a backstop fires, it names the server the script ran on: the survivor for the membership step.
                assert.match(String(cmd(`${n}-membership`).inputs.delete), new RegExp(`remove-node on ${names[survivor]} did not finish .* on ${names[survivor]}'`));
                assert.match(String(cmd(`${n}-drain`).inputs.delete), new RegExp(`drain-node on ${n} did not finish .* on ${n}'`));
                assert.match(String(cmd(`${n}-drain`).inputs.stdin), /systemctl stop k3s/);
                assert.match(String(cmd(`${n}-membership`).inputs.stdin), /kubectl delete node "\$NODE"/);
                // The new server's steps are created again (not merely updated), whatever its address.
                for (const step of ["wait", "k3s", "ready"]) assert.ok(order.some((r) => r.name === `${n}-${step}`), `${n}-${step} is replaced with the server`);
            });
        });

        it(`never drains or removes another node when a server is replaced (engine ${engine})`, () => {
            for (const n of names) {
                // Its own steps, and on 3.260 node 1's token and kubeconfig reads (deletedWith its server; nothing runs on their delete).
                const others = deletedFirst(server(n), estate.resources, engine).filter((r) => !r.name.startsWith(`${n}-`) && r.deletedWith !== server(n).urn);
                assert.deepEqual(others.map((r) => r.name), [], `replacing ${n} replaces only its own steps`);
            }
        });
    }

    it("creates nothing on the node when the steps are created; both wait until the node and its survivor are verified", () => {
        names.forEach((n, i) => {
            for (const step of ["drain", "membership"]) assert.equal(cmd(`${n}-${step}`).inputs.create, undefined, `${n}-${step}`);
            assert.ok(dependsOn(cmd(`${n}-drain`), cmd(`${n}-membership`), estate.resources), "drain depends on the membership step, so it is deleted first");
            assert.ok(dependsOn(cmd(`${n}-membership`), cmd(`${n}-ready`), estate.resources));
            assert.ok(dependsOn(cmd(`${n}-membership`), cmd(`${names[i === 0 ? 1 : 0]}-ready`), estate.resources));
            assert.deepEqual(cmd(`${n}-drain`).propertyDependencies.triggers, [server(n).urn], "the trigger is this server's id, and only it");
            assert.deepEqual(cmd(`${n}-membership`).propertyDependencies.triggers, [server(n).urn]);
            assert.deepEqual(cmd(`${n}-drain`).inputs.triggers, [server(n).id]);
        });
    });

    it("skips every drain when the whole estate is destroyed (deletedWith the network)", () => {
        const network = one(estate.resources, "hcloud:index/network:Network", "honeydue-private");
        const deleting = new Set(estate.resources.map((r) => r.urn));
        assert.ok(deleting.has(network.urn));
        for (const c of commands) assert.ok(!runsOnDelete(c, deleting), `${c.name} runs nothing on a whole-estate destroy`);
    });

    it("starts no etcd restore steps when honeydue:etcdRestore is unset", () => {
        assert.deepEqual(commands.filter((c) => c.name.endsWith("-halt")), []);
    });
});

describe("k3s server configuration", () => {
    it("starts the cluster on node 1 only; the others join node 1's private address", () => {
        assert.equal(config(names[0])["cluster-init"], true);
        assert.equal(config(names[0]).server, undefined);
        for (const n of names.slice(1)) {
            assert.equal(config(n)["cluster-init"], undefined, `${n} must never run cluster-init`);
            assert.equal(config(n).server, "https://10.0.1.11:6443");
        }
    });

    it("gives a rebuilt node 1 a join configuration through node 2 instead of a second cluster-init", () => {
        const rejoin = parse(files(names[0])["config-rejoin.yaml"]) as Record<string, unknown>;
        assert.equal(rejoin["cluster-init"], undefined);
        assert.equal(rejoin.server, "https://10.0.1.12:6443");
        assert.equal(rejoin["node-ip"], "10.0.1.11");
        for (const n of names.slice(1)) assert.equal(files(n)["config-rejoin.yaml"], undefined);
    });

    it("renders the values k3s requires to match identically on every server", () => {
        const critical = ["cluster-cidr", "service-cidr", "flannel-backend", "flannel-iface", "secrets-encryption", "disable", "tls-san", "token-file", "etcd-snapshot-schedule-cron", "etcd-snapshot-retention", "etcd-s3", "etcd-s3-endpoint", "etcd-s3-bucket", "etcd-s3-region", "etcd-s3-folder", "write-kubeconfig-mode", "protect-kernel-defaults"];
        const first = config(names[0]);
        for (const k of critical) assert.notEqual(first[k], undefined, `${k} is set`);
        for (const n of names.slice(1)) for (const k of critical) assert.deepEqual(config(n)[k], first[k], `${n}: ${k}`);
        assert.equal(first["cluster-cidr"], "10.42.0.0/16");
        assert.equal(first["service-cidr"], "10.43.0.0/16");
        assert.deepEqual(first.disable, ["traefik", "servicelb"]);
        assert.equal(first["secrets-encryption"], true);
        assert.equal(first["write-kubeconfig-mode"], "0600");
        assert.match(files(names[0])["config.yaml"], /write-kubeconfig-mode: "0600"/, "quoted, or YAML reads the number 600");
        assert.equal(first["protect-kernel-defaults"], true);
        assert.equal(first["flannel-iface"], "enp7s0");
        assert.equal(first["etcd-s3-endpoint"], "s3.us-east-005.backblazeb2.com");
        assert.equal(first["etcd-s3-bucket"], "honeyDueProd");
        assert.equal(first["etcd-snapshot-schedule-cron"], "0 */6 * * *");
    });

    it("says at the top of every server's config.yaml that edits made on the node are overwritten", () => {
        for (const n of names) assert.ok(files(n)["config.yaml"].startsWith("# Managed by Pulumi (honeydue estate): edits on the node are overwritten.\n"), n);
        assert.ok(files(names[0])["config-rejoin.yaml"].startsWith("# Managed by Pulumi (honeydue estate): edits on the node are overwritten.\n"));
    });

    it("uses private addresses inside the cluster and the public one as external IP", () => {
        names.forEach((n, i) => {
            const c = config(n);
            assert.equal(c["node-name"], n);
            assert.equal(c["node-ip"], privateIps[i]);
            assert.equal(c["advertise-address"], privateIps[i]);
            assert.equal(c["node-external-ip"], `203.0.113.${11 + i}`);
        });
    });

    it("covers every address the kubeconfig may use in tls-san", () => {
        assert.deepEqual(config(names[0])["tls-san"], ["203.0.113.11", ...privateIps]);
    });

    it("keeps the B2 credentials out of config.yaml, in their own drop-in delivered on stdin", () => {
        for (const n of names) {
            const f = files(n);
            assert.ok(!f["config.yaml"].includes("etcd-s3-secret-key"));
            assert.deepEqual(parse(f["etcd-s3-credentials.yaml"]), { "etcd-s3-access-key": "PLACEHOLDERb2KeyId0000000", "etcd-s3-secret-key": "PLACEHOLDERb2ApplicationKey000" });
        }
    });
});

describe("kubeconfig and Kubernetes provider", () => {
    it("reads node 1's k3s.yaml without logging it, its stdout secret, after every server is verified", () => {
        const read = cmd("honeydue-kubeconfig");
        assert.equal(read.inputs.create, "cat /etc/rancher/k3s/k3s.yaml");
        assert.equal(read.inputs.logging, "none");
        assert.equal(read.inputs.addPreviousOutputInEnv, false);
        assert.ok(read.additionalSecretOutputs.includes("stdout"));
        for (const n of names) assert.ok(dependsOn(read, cmd(`${n}-ready`), estate.resources));
        assert.deepEqual(read.inputs.triggers, ["v1.34.6+k3s1"], "re-read after an upgrade");
    });

    it("exports the kubeconfig as a secret pointing at node 1's public IPv4", () => {
        const out = estate.outputs.kubeconfig;
        assert.ok(out && typeof out === "object" && "secret" in out, "kubeconfig output must be secret");
        const doc = parse(String(unwrap(out))) as { clusters: { cluster: { server: string } }[]; "current-context": string; users: { user: Record<string, string> }[] };
        assert.equal(doc.clusters[0].cluster.server, "https://203.0.113.11:6443");
        assert.equal(doc["current-context"], "honeydue-prod");
        assert.ok(doc.users[0].user["client-key-data"].startsWith(SECRET_MARK), "the fixture's key came through");
        assert.equal(estate.outputs.apiEndpoint, "203.0.113.11");
    });

    it("records the API endpoint as the cluster component's output in the state", () => {
        assert.deepEqual(one(estate.resources, "honeydue:cluster:K3s", "honeydue").outputs, { endpoint: "203.0.113.11" });
    });

    it("builds the provider from that kubeconfig with a fixed clusterIdentifier", () => {
        const [provider] = ofType(estate.resources, "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.clusterIdentifier, "honeydue-prod");
        // Its URN (name and parent) stays put too: a provider of another URN is a new provider, and every workload would move to it.
        assert.equal(provider.name, "honeydue-k8s");
        assert.equal(provider.parent, one(estate.resources, "honeydue:cluster:K3s", "honeydue").urn);
        const kubeconfig = provider.inputs.kubeconfig;
        assert.ok(kubeconfig && typeof kubeconfig === "object" && "secret" in kubeconfig, "provider kubeconfig must be secret");
        assert.match(String(unwrap(kubeconfig)), /server: https:\/\/203\.0\.113\.11:6443/);
        assert.ok(dependsOn(provider, cmd("honeydue-kubeconfig"), estate.resources));
    });
});

describe("k3s secrets", () => {
    it("never has a placeholder secret in plain text in any resource input or output", () => {
        // Plain per-operator placeholders (public key, B2 key id…) may show; nothing else marked PLACEHOLDER may.
        const marked = (text: string) => text.match(new RegExp(`${SECRET_MARK}[\\w-]*`, "g")) ?? [];
        const allowed = new Set(Object.values(placeholderPlain).flatMap(marked));
        // A payload is base64 on stdin: decode plain stdin too, or a leak there would hide.
        const decoded = commands.filter((c) => typeof c.inputs.stdin === "string").map((c): [string, string] => [`${c.name} payload`, JSON.stringify(payloadFiles(String(c.inputs.stdin)))]);
        const scanned: [string, string][] = [...estate.resources.map((r): [string, string] => [r.name, String(plainText(r.inputs))]), ...decoded, ["outputs", String(plainText(estate.outputs))]];
        const leaks = scanned.flatMap(([name, text]) =>
            marked(text).filter((m) => !allowed.has(m)).map((m) => `${name}: ${m}`),
        );
        assert.deepEqual(leaks, []);
        assert.ok(marked(mockClusterToken).length === 1 && !allowed.has(marked(mockClusterToken)[0] ?? ""), "the mock token is detectable");
    });

    it("never puts the cluster token, secure token or B2 key in a command's create, update, delete or environment", () => {
        for (const c of commands) {
            const text = JSON.stringify(unwrap([c.inputs.create, c.inputs.update, c.inputs.delete, c.inputs.environment]));
            for (const s of [mockClusterToken, mockSecureToken.split("::")[0], "PLACEHOLDERb2ApplicationKey000", SECRET_MARK]) assert.ok(!text.includes(s), `${c.name} carries a secret in its command text`);
            assert.equal(c.inputs.environment, undefined, `${c.name}: environment needs AcceptEnv and travels in the clear`);
        }
    });

    // The command SDK makes `connection` secret itself, whatever the program passes
    // (@pulumi/command remote/command.js, Command constructor: `resourceInputs["connection"] =
    // pulumi.secret(...)`), so its secretness alone says nothing about the program. What the
    // program decides: every command logs in with the configured key, as the configured user,
    // and the key appears nowhere else in the command's inputs.
    it("connects every command with the configured private key, which travels only in the secret connection", () => {
        const key = placeholderSecrets["honeydue:sshPrivateKey"];
        for (const c of commands) {
            assert.ok(c.inputs.connection && typeof c.inputs.connection === "object" && "secret" in c.inputs.connection, c.name);
            const connection = unwrap(c.inputs.connection) as { privateKey?: string; user?: string };
            assert.equal(connection.privateKey, key, `${c.name} logs in with the configured key`);
            assert.equal(connection.user, "root", c.name);
            const rest = JSON.stringify(unwrap({ ...c.inputs, connection: undefined }));
            assert.ok(!rest.includes("PLACEHOLDER-ssh-private-key"), `${c.name} carries the private key outside its connection`);
        }
    });

    it("writes the configured operator keys to every node's authorized_keys after it booted, again for a replaced server", () => {
        const configured = String(placeholderPlain["honeydue:sshPublicKey"]).trim();
        for (const n of names) {
            const step = cmd(`${n}-authorized-keys`);
            assert.equal(argsOf(step.inputs.create), `--node ${n} --user root`);
            assert.equal(payloadFiles(String(unwrap(step.inputs.stdin))).authorized_keys, `${configured}\n`);
            assert.ok(dependsOn(step, cmd(`${n}-wait`), estate.resources), `${n}: after cloud-init`);
            assert.deepEqual(unwrap(step.inputs.triggers), [server(n).id]);
            assert.equal(step.inputs.addPreviousOutputInEnv, false);
        }
    });

    // pulumi-command v1.2.1 connection.go `SSHConfig`: without hostKey, InsecureIgnoreHostKey.
    it("pins every command's connection to the host key of the node it reaches (generated for built servers), and checks sshd presents only it", () => {
        const all = ofType(estate.resources, C); // the workloads' Traefik waits and smoke checks too
        const keyOf = new Map(names.map((n) => [one(estate.resources, S, n).state.ipv4Address, String(one(estate.resources, "tls:index/privateKey:PrivateKey", `${n}-host-key`).state.publicKeyOpenssh).trim()]));
        assert.equal(new Set(keyOf.values()).size, 3);
        for (const c of all) {
            const connection = unwrap(c.inputs.connection) as { host: string; hostKey?: string };
            assert.ok(keyOf.has(connection.host), `${c.name} reaches a node`);
            assert.equal(connection.hostKey, keyOf.get(connection.host), `${c.name} pins the key of the node at ${connection.host}`);
        }
        for (const n of names) assert.match(argsOf(cmd(`${n}-wait`).inputs.create)!, /--sshd hostkey=\/etc\/ssh\/ssh_host_ed25519_key/, n);
    });
});
