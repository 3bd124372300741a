// The bootstrap chain, one remote command per step, each waiting for the one before:
//   per node: wait for SSH and cloud-init
//   node 1: install with cluster-init -> verify -> read the secure join token
//   node 2: join -> verify; then node 3: join -> verify (never in parallel: etcd admits one learner at a time)
//   per node: a membership command whose delete drains the node and deletes its Node object
// A version change re-runs install and verification node by node in the same order.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";
import { connection } from "./connection";
import { runScript, withPayload } from "./scripts";
import { clusterWide, renderEtcdS3Credentials, renderServerConfig, serverConfigs, type ServerAddress } from "./serverConfig";

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
    /** The cluster token for the first server (a RandomPassword's result, secret). */
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
    const on = (node: Node, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent, deletedWith: node.server, customTimeouts: timeouts, ...extra });

    // Resolved addresses -> every server's rendered files (config is plain; the token and B2 key are secrets).
    const addresses = pulumi.all(nodes.map((n) => n.publicIpv4)).apply((ips) => nodes.map<ServerAddress>((n, i) => ({ name: n.spec.name, privateIp: n.privateIp, publicIpv4: ips[i] })));
    const rendered = addresses.apply((servers) => serverConfigs(clusterWide(config, servers), servers));
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
                ? pulumi.all([rendered, a.token, credentials]).apply(([r, token, creds]) => ({
                      "config.yaml": renderServerConfig(r.configs[0]),
                      "config-rejoin.yaml": renderServerConfig(r.rejoin),
                      token: `${token}\n`,
                      "etcd-s3-credentials.yaml": creds,
                  }))
                : pulumi.all([rendered, secureToken!.stdout, credentials]).apply(([r, token, creds]) => ({
                      "config.yaml": renderServerConfig(r.configs[i]),
                      token: `${token.trim()}\n`,
                      "etcd-s3-credentials.yaml": creds,
                  }));
        const previous = steps[i - 1];
        const install = new command.remote.Command(
            `${node.spec.name}-k3s`,
            {
                connection: connection(node, config),
                create: runScript(["--role", role, "--node", node.spec.name, "--version", version, ...(role === "init" ? ["--peers", peers.join(",")] : [])], config.sshUser),
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
                { connection: connection(node, config), create: `${sudo ? "sudo -n " : ""}cat ${secureTokenPath}`, logging: "none", addPreviousOutputInEnv: false },
                on(node, { dependsOn: [ready], additionalSecretOutputs: ["stdout"] }),
            );
        }
    });
    return { steps, secureToken: secureToken! };
}
