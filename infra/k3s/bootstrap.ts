// The bootstrap chain, one remote command per step, each waiting for the one before:
//   per node: wait for SSH and cloud-init
//   node 1: install with cluster-init -> verify -> read the secure join token
//   node 2: join -> verify; then node 3: join -> verify (never in parallel: etcd admits one learner at a time)
//   per node: a membership command whose delete drains the node and deletes its Node object
// A version change re-runs install and verification node by node in the same order.
// Day 2, each a change of the install steps' inputs, so `pulumi preview` shows it node by node:
//   adopt.k3s: `--adopt` (a node already on the pinned version is left alone, see k3s-server.sh);
//   etcdRestore: node 1 `--restore <snapshot>`, then the others `--rejoin-restored <snapshot>`;
//   a new k3sToken: node 1's token file changes (the script rotates it), the join token is read
//   again (its trigger is the token), and the joiners restart with it one by one.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";
import { connection } from "./connection";
import { runScript, withPayload } from "./scripts";
import { clusterWide, renderEtcdS3Credentials, renderServerConfig, serverConfig, type ServerAddress } from "./serverConfig";

export interface NodeSteps {
    node: Node;
    role: "init" | "join";
    wait: command.remote.Command;
    install: command.remote.Command;
    ready: command.remote.Command;
    membership: command.remote.Command;
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

export function bootstrap(name: string, a: BootstrapArgs, parent: pulumi.Resource): { steps: NodeSteps[]; secureToken: command.remote.Command } {
    const { config, nodes } = a;
    const sudo = config.sshUser !== "root";
    const version = config.k3sVersion;
    const adopt = config.adopt.k3s ? ["--adopt"] : [];
    const snapshot = config.etcdRestore?.snapshot;
    const restore = (role: "init" | "join") => (snapshot ? [role === "init" ? "--restore" : "--rejoin-restored", snapshot] : []);
    const on = (node: Node, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent, deletedWith: node.server, customTimeouts: timeouts, ...extra });

    // A server's files depend only on its own and node 1's public addresses (so replacing node 3
    // does not touch node 1's or node 2's inputs); the shared values come from one function.
    const privateIps = nodes.map((n) => n.privateIp);
    const rendered = (i: number) =>
        pulumi.all([nodes[0].publicIpv4, nodes[i].publicIpv4]).apply(([firstIp, ownIp]) => {
            const shared = clusterWide(config, firstIp, privateIps);
            const self: ServerAddress = { name: nodes[i].spec.name, privateIp: nodes[i].privateIp, publicIpv4: ownIp };
            return { own: serverConfig(shared, nodes, self, i === 0 ? "init" : "join"), rejoin: serverConfig(shared, nodes, self, "rejoin") };
        });
    const credentials = config.secrets.b2ApplicationKey.apply((key) => renderEtcdS3Credentials(config.b2KeyId, key));

    const waits = nodes.map(
        (node) =>
            new command.remote.Command(
                `${node.spec.name}-wait`,
                { connection: connection(node, config), create: runScript(["--node", node.spec.name], config.sshUser), stdin: withPayload("wait-for-node") },
                on(node),
            ),
    );

    const steps: NodeSteps[] = [];
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
        const install = new command.remote.Command(
            `${node.spec.name}-k3s`,
            {
                connection: connection(node, config),
                create: runScript(
                    ["--role", role, "--node", node.spec.name, "--version", version, ...(role === "init" ? ["--peers", peers.join(",")] : []), ...adopt, ...restore(role)],
                    config.sshUser,
                ),
                stdin: pulumi.secret(files.apply((f) => withPayload("k3s-server", f))),
                addPreviousOutputInEnv: false,
            },
            on(node, { dependsOn: previous ? [waits[i], previous.ready] : [waits[i]] }),
        );
        const ready = new command.remote.Command(
            `${node.spec.name}-ready`,
            { connection: connection(node, config), create: runScript(["--node", node.spec.name, "--version", version], config.sshUser), stdin: withPayload("node-ready") },
            on(node, { dependsOn: [install] }),
        );
        // Runs on the node itself, and only on delete: drains it before its server goes. Not
        // deletedWith the server (that would skip the drain exactly when a node is removed), but
        // with the estate's network, so tearing down the whole estate drains nothing.
        const membership = new command.remote.Command(
            `${node.spec.name}-membership`,
            { connection: connection(node, config), delete: runScript(["--node", node.spec.name], config.sshUser), stdin: withPayload("drain-node") },
            { parent, deletedWith: a.estateAnchor, customTimeouts: timeouts, dependsOn: [ready] },
        );
        steps.push({ node, role, wait: waits[i], install, ready, membership });

        if (i === 0) {
            // The secure token (K10<CA hash>::server:<password>) lets joiners verify the cluster CA.
            secureToken = new command.remote.Command(
                `${name}-join-token`,
                {
                    connection: connection(node, config),
                    create: `${sudo ? "sudo -n " : ""}cat ${secureTokenPath}`,
                    logging: "none",
                    addPreviousOutputInEnv: false,
                    // Read again after a rotation (a secret trigger: state holds it encrypted, the plan shows [secret]).
                    triggers: [a.token],
                },
                on(node, { dependsOn: [ready], additionalSecretOutputs: ["stdout"] }),
            );
        }
    });
    return { steps, secureToken: secureToken! };
}
