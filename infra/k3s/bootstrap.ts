// The bootstrap chain, one remote command per step, each waiting for the one before:
//   per node: wait for SSH and cloud-init
//   node 1: install with cluster-init -> verify -> read the secure join token
//   node 2: join -> verify; then node 3: join -> verify (never in parallel: etcd admits one learner at a time)
//   per node, run only when the node leaves (its server replaced or removed), in this order:
//     <node>-drain on the node itself: cordon, drain, stop k3s;
//     <node>-membership on a surviving server: delete the Node object (k3s drops the etcd member);
//     then the server is deleted.
// A version change re-runs install and verification node by node in the same order.
// Day 2, each a change of the install steps' inputs, so `pulumi preview` shows it node by node:
//   adopt.k3s: `--adopt` (a node already on the pinned version is left alone, see k3s-server.sh);
//   etcdRestore: the others' k3s stopped first (<node>-halt), then node 1 `--restore <snapshot>`,
//   then the others `--rejoin-restored <snapshot>` one by one;
//   a new k3sToken: node 1's token file changes (the script rotates it), the join token is read
//   again (its trigger is the token), and the joiners restart with it one by one.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";
import { connection } from "./connection";
import { sshdExpected, sshdHostKeyExpected } from "../hetzner/cloudInit";
import { runScript, withPayload } from "./scripts";
import { b2KeyFor } from "../../config/b2Keys";
import { clusterWide, renderEtcdS3Credentials, renderServerConfig, serverConfig, type ServerAddress } from "./serverConfig";

export interface NodeSteps {
    node: Node;
    role: "init" | "join";
    wait: command.remote.Command;
    install: command.remote.Command;
    ready: command.remote.Command;
    /** Deleted when the node leaves: drains it and stops k3s, on the node itself. */
    drain: command.remote.Command;
    /** Deleted when the node leaves, after the drain: deletes its Node object from a surviving server. */
    membership: command.remote.Command;
    /** With honeydue:etcdRestore, on the joiners: stops k3s before node 1 resets. */
    halt?: command.remote.Command;
}

export interface BootstrapArgs {
    config: EstateConfig;
    nodes: Node[];
    /** The cluster token for the first server (configured k3sToken or a RandomPassword; secret). */
    token: pulumi.Output<string>;
    /** Deleted only when the whole estate goes: drains are skipped then. */
    estateAnchor: pulumi.Resource;
}

const timeouts = { create: "20m", update: "20m", delete: "15m" };
const secureTokenPath = "/var/lib/rancher/k3s/server/token";

/**
 * The inputs that tie a step to one server's life. On `pulumi up --replace <server>` (delete-first,
 * see servers.ts) the engine deletes a dependent before the server only when the dependent's own
 * diff, with every input that depends on the server made unknown, says "replace" (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go `calculateDependentReplacements`). For a command that is
 * `triggers` alone: pulumi-command 1.2.1 provider/pkg/provider/common/inputs.go marks only
 * `triggers` replaceOnChanges, and pulumi-go-provider 1.3.0 infer/resource.go `diff` turns a change
 * of that key (there: the whole value unknown) into a replace; a change of one element is made a
 * replace by the engine, from the `replaceOnChanges: ["triggers[*]"]` the SDK adds
 * (@pulumi/command remote/command.js). Anything else is an update, and an update without
 * `update`/`create` text runs nothing (provider/pkg/provider/remote/commandController.go `Update`).
 * A delete runs with the state's inputs (`Delete` reads `req.State`): the departing server's
 * address and script. So the server's
 * own id in `triggers` makes exactly that server's replacement (or removal) delete the step first,
 * and nothing else does.
 */
const lifeOf = (node: Node) => [node.server.id];

/** What the wait step checks in `sshd -T`: a server built with a generated host key presents only that one. */
const sshdChecks = (node: Node) => [...sshdExpected, ...(node.hostKey.generated ? [sshdHostKeyExpected] : [])];

/** The surviving server a departing node's Node object is deleted from: node 1, or node 2 for node 1. */
export const survivorOf = (i: number) => (i === 0 ? 1 : 0);

export function bootstrap(name: string, a: BootstrapArgs, parent: pulumi.Resource): { steps: NodeSteps[]; secureToken: command.remote.Command } {
    const { config, nodes } = a;
    const sudo = config.sshUser !== "root";
    const user = config.sshUser;
    const version = config.k3sVersion;
    // Not secrets: in the command's text, so the plan shows them and a new hash re-runs the step.
    const pins = ["--installer-sha256", config.k3sInstallerSha256, "--k3s-sha256", config.k3sBinarySha256];
    const adopt = config.adopt.k3s ? ["--adopt"] : [];
    const snapshot = config.etcdRestore?.snapshot;
    const restore = (role: "init" | "join") => (snapshot ? [role === "init" ? "--restore" : "--rejoin-restored", snapshot] : []);
    const on = (node: Node, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent, deletedWith: node.server, customTimeouts: timeouts, ...extra });
    // Every remote command: the provider would otherwise Setenv PULUMI_COMMAND_STDOUT/STDERR on
    // each update, which sshd refuses without AcceptEnv (a warning each time; commandOutputs.go `run()`).
    const remote = (node: Node) => ({ connection: connection(node, config), addPreviousOutputInEnv: false });

    // A server's files depend only on its own and node 1's public addresses (so replacing node 3
    // does not touch node 1's or node 2's inputs); the shared values come from one function.
    const privateIps = nodes.map((n) => n.privateIp);
    const rendered = (i: number) =>
        pulumi.all([nodes[0].publicIpv4, nodes[i].publicIpv4]).apply(([firstIp, ownIp]) => {
            const shared = clusterWide(config, firstIp, privateIps);
            const self: ServerAddress = { name: nodes[i].spec.name, privateIp: nodes[i].privateIp, publicIpv4: ownIp };
            return { own: serverConfig(shared, nodes, self, i === 0 ? "init" : "join"), rejoin: serverConfig(shared, nodes, self, "rejoin") };
        });
    // The etcd snapshots' own key (prefix etcdSnapshotFolder/) when configured, else the shared one.
    const etcdKey = b2KeyFor(config, "etcd");
    const credentials = etcdKey.applicationKey.apply((key) => renderEtcdS3Credentials(etcdKey.keyId, key));

    const waits = nodes.map(
        (node) =>
            new command.remote.Command(
                `${node.spec.name}-wait`,
                {
                    ...remote(node),
                    create: runScript("wait-for-node", ["--node", node.spec.name, ...sshdChecks(node).flatMap((kv) => ["--sshd", kv])], user),
                    stdin: withPayload("wait-for-node"),
                    triggers: lifeOf(node),
                },
                on(node),
            ),
    );

    // etcd restore with several servers: k3s stopped on all the others before node 1 resets
    // (k3s-io/docs docs/cli/etcd-snapshot.md, "Multiple Servers": stop K3s on all servers, reset
    // S1, start it, then the others rejoin), or they keep quorum on the old cluster meanwhile.
    const halts = nodes.map((node, i) =>
        snapshot && i > 0
            ? new command.remote.Command(
                  `${node.spec.name}-halt`,
                  { ...remote(node), create: runScript("halt-for-restore", ["--node", node.spec.name, "--snapshot", snapshot], user), stdin: withPayload("halt-for-restore") },
                  on(node, { dependsOn: [waits[i]] }),
              )
            : undefined,
    );

    const steps: Omit<NodeSteps, "drain" | "membership">[] = [];
    let secureToken: command.remote.Command | undefined;
    nodes.forEach((node, i) => {
        const role = i === 0 ? "init" : "join";
        const peers = nodes.slice(1).map((n) => n.privateIp);
        const files =
            role === "init"
                ? pulumi.all([rendered(i), a.token, credentials]).apply(([r, token, creds]) => ({
                      "config.yaml": renderServerConfig(r.own),
                      "config-rejoin.yaml": renderServerConfig(r.rejoin),
                      token: `${token}\n`,
                      "etcd-s3-credentials.yaml": creds,
                  }))
                : pulumi.all([rendered(i), secureToken!.stdout, credentials]).apply(([r, token, creds]) => ({
                      "config.yaml": renderServerConfig(r.own),
                      token: `${token.trim()}\n`,
                      "etcd-s3-credentials.yaml": creds,
                  }));
        const previous = steps[i - 1];
        const after = role === "init" ? [waits[i], ...halts.filter((h) => h !== undefined)] : [waits[i], previous.ready];
        const install = new command.remote.Command(
            `${node.spec.name}-k3s`,
            {
                ...remote(node),
                create: runScript(
                    "k3s-server",
                    ["--role", role, "--node", node.spec.name, "--version", version, ...pins, ...(role === "init" ? ["--peers", peers.join(",")] : []), ...adopt, ...restore(role)],
                    user,
                ),
                stdin: pulumi.secret(files.apply((f) => withPayload("k3s-server", f))),
                triggers: lifeOf(node),
            },
            on(node, { dependsOn: after }),
        );
        const ready = new command.remote.Command(
            `${node.spec.name}-ready`,
            { ...remote(node), create: runScript("node-ready", ["--node", node.spec.name, "--version", version], user), stdin: withPayload("node-ready"), triggers: lifeOf(node) },
            on(node, { dependsOn: [install] }),
        );
        steps.push({ node, role, wait: waits[i], install, ready, halt: halts[i] });
        if (i === 0) {
            // The secure token (K10<CA hash>::server:<password>) lets joiners verify the cluster CA.
            secureToken = new command.remote.Command(
                `${name}-join-token`,
                {
                    ...remote(node),
                    create: `${sudo ? "sudo -n " : ""}cat ${secureTokenPath}`,
                    logging: "none",
                    // Read again after a rotation (a secret trigger: state holds it encrypted, the plan shows [secret]).
                    triggers: [a.token],
                },
                on(node, { dependsOn: [ready], additionalSecretOutputs: ["stdout"] }),
            );
        }
    });

    // Leaving the cluster, once every server is up (a survivor's steps must exist first). Neither
    // step is deletedWith its server: pulumi/pulumi step.go `DeleteStep.Apply` skips the delete of a
    // resource whose deletedWith target is deleted too, and since pulumi/pulumi#23818 (v3.260)
    // `calculateDependentReplacements` replaces it with that target as well, so the drain would be
    // skipped exactly when it is needed. Both are deletedWith the estate's network instead, which
    // goes only when the whole estate does: then nothing is drained.
    const all = steps.map((step, i): NodeSteps => {
        const node = step.node;
        const survivor = nodes[survivorOf(i)];
        const estate = { parent, deletedWith: a.estateAnchor, customTimeouts: timeouts };
        // On a surviving server: deleting the Node object makes k3s remove the node's etcd member
        // (k3s pkg/etcd/member_controller.go `onRemove` -> RemovePeer) and garbage-collect its node
        // password (pkg/nodepassword/controller.go: the secret is owned by the Node). A rebuilt
        // server of the same name is otherwise refused ("duplicate node name found", pkg/etcd/etcd.go
        // join). Never from the departing node's own API while k3s runs there: a removed member that
        // keeps running rejoins or, for node 1, starts a cluster of its own (k3s-io/k3s#13623,
        // #13498), and its kubelet could register the Node again (k3s-io/k3s#2770).
        const membership = new command.remote.Command(
            `${node.spec.name}-membership`,
            {
                ...remote(survivor),
                delete: runScript("remove-node", ["--node", node.spec.name, "--from", survivor.spec.name], user),
                stdin: withPayload("remove-node"),
                triggers: lifeOf(node),
            },
            { ...estate, dependsOn: [steps[i].ready, steps[survivorOf(i)].ready] },
        );
        // On the node itself, deleted first (it depends on the membership step): cordon, drain and
        // stop k3s, so the Node object is deleted only once nothing runs there.
        const drain = new command.remote.Command(
            `${node.spec.name}-drain`,
            { ...remote(node), delete: runScript("drain-node", ["--node", node.spec.name], user), stdin: withPayload("drain-node"), triggers: lifeOf(node) },
            { ...estate, dependsOn: [steps[i].ready, membership] },
        );
        return { ...step, drain, membership };
    });
    return { steps: all, secureToken: secureToken! };
}
