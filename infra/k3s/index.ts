// The k3s layer as one component: an HA cluster (embedded etcd on every server) bootstrapped over
// SSH, and the Kubernetes provider the workloads use. A thin class; each piece is in its own file.
import type * as command from "@pulumi/command";
import * as hcloud from "@pulumi/hcloud";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";
import { authorizedKeysStep } from "./authorizedKeys";
import { bootstrap, type NodeSteps } from "./bootstrap";
import { connection } from "./connection";
import { fetchKubeconfig, kubernetesProvider } from "./kubeconfig";
import { clusterToken } from "./token";

export interface ClusterArgs {
    config: EstateConfig;
    nodes: Node[];
    /** The private network: deleted only with the whole estate, so it marks "skip the drains". */
    network: hcloud.Network;
}

export class Cluster extends pulumi.ComponentResource {
    /** Admin kubeconfig pointing at the API endpoint (secret). */
    readonly kubeconfig: pulumi.Output<string>;
    /** The Kubernetes provider for everything applied to the cluster. */
    readonly provider: k8s.Provider;
    /** Where the Kubernetes API is reached: apiHostname, or node 1's public IPv4. */
    readonly endpoint: pulumi.Output<string>;
    readonly steps: NodeSteps[];
    /** Per node: authorized_keys set to the configured operator keys. */
    readonly authorizedKeys: command.remote.Command[];

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("honeydue:cluster:K3s", name, {}, opts);
        const { config, nodes } = args;
        const first = nodes[0];

        // Only the first server uses it directly; joiners get the secure form read back from it.
        const token = clusterToken(name, config, this);
        const { steps } = bootstrap(name, { config, nodes, token, estateAnchor: args.network }, this);
        // The operator's keys on every node, once the node has booted (docs/runbook/ssh.md, rotation).
        this.authorizedKeys = steps.map((s) => authorizedKeysStep(s.node, config, { parent: this, dependsOn: [s.wait] }));

        this.endpoint = config.apiHostname ? pulumi.output(config.apiHostname) : first.publicIpv4;
        const clusterIdentifier = `honeydue-${config.stack}`;
        const { kubeconfig } = fetchKubeconfig(
            `${name}-kubeconfig`,
            { connection: connection(first, config), sudo: config.sshUser !== "root", endpoint: this.endpoint, version: config.k3sVersion, contextName: clusterIdentifier },
            { parent: this, deletedWith: first.server, dependsOn: steps.map((s) => s.ready) },
        );
        this.kubeconfig = kubeconfig;
        this.steps = steps;
        this.provider = kubernetesProvider(`${name}-k8s`, kubeconfig, clusterIdentifier, { parent: this });
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
