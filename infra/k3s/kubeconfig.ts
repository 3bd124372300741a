// The operator's and the program's kubeconfig: node 1's /etc/rancher/k3s/k3s.yaml, read over SSH
// (never logged, stdout secret), re-pointed from 127.0.0.1 to the API endpoint, and the
// Kubernetes provider built from it with a fixed clusterIdentifier, so a re-fetched kubeconfig
// (rotated client certificate, new address) updates the provider instead of replacing every
// Kubernetes resource.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";

interface Kubeconfig {
    clusters?: { name: string; cluster: { server: string } & Record<string, unknown> }[];
    users?: { name: string; user: Record<string, unknown> }[];
    contexts?: { name: string; context: { cluster: string; user: string } & Record<string, unknown> }[];
    "current-context"?: string;
}

/** k3s.yaml with its server set to `https://<endpoint>:6443` and its names set to `name`. */
export function rewriteKubeconfig(k3sYaml: string, endpoint: string, name: string): string {
    const doc = parse(k3sYaml) as Kubeconfig;
    if (!doc?.clusters?.length || !doc.users?.length || !doc.contexts?.length) {
        throw new Error("the kubeconfig read from the first server has no cluster, user or context (is /etc/rancher/k3s/k3s.yaml complete?)");
    }
    doc.clusters = doc.clusters.map((c) => ({ ...c, name, cluster: { ...c.cluster, server: `https://${endpoint}:6443` } }));
    doc.users = doc.users.map((u) => ({ ...u, name }));
    doc.contexts = doc.contexts.map((c) => ({ ...c, name, context: { ...c.context, cluster: name, user: name } }));
    doc["current-context"] = name;
    return stringify(doc);
}

export interface KubeconfigArgs {
    connection: command.types.input.remote.ConnectionArgs;
    sudo: boolean;
    endpoint: pulumi.Input<string>;
    /** Re-read after an upgrade: k3s renews certificates on restart. */
    version: string;
    contextName: string;
}

export function fetchKubeconfig(name: string, a: KubeconfigArgs, opts: pulumi.CustomResourceOptions): { kubeconfig: pulumi.Output<string>; read: command.remote.Command } {
    const read = new command.remote.Command(
        name,
        {
            connection: a.connection,
            create: `${a.sudo ? "sudo -n " : ""}cat /etc/rancher/k3s/k3s.yaml`,
            logging: "none",
            addPreviousOutputInEnv: false,
            triggers: [a.version],
        },
        { ...opts, additionalSecretOutputs: ["stdout"] },
    );
    // additionalSecretOutputs protects the state; the explicit secret also holds where it is not honoured (mocks).
    const kubeconfig = pulumi.secret(pulumi.all([read.stdout, a.endpoint]).apply(([text, endpoint]) => rewriteKubeconfig(text, endpoint, a.contextName)));
    return { kubeconfig, read };
}

export function kubernetesProvider(name: string, kubeconfig: pulumi.Output<string>, clusterIdentifier: string, opts: pulumi.CustomResourceOptions): k8s.Provider {
    return new k8s.Provider(name, { kubeconfig, clusterIdentifier }, opts);
}
