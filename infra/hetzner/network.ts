// The private network the nodes talk k3s over (etcd, kubelet, flannel), with a fixed IP per node.
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateNetwork {
    network: hcloud.Network;
    subnet: hcloud.NetworkSubnet;
}

export function createNetwork(
    name: string,
    args: {
        networkCidr: string;
        subnetCidr: string;
        networkZone: string;
        labels: Record<string, string>;
        protect: boolean;
        /** Ids of the network and subnet that already exist (adoption): imported, not created. */
        adopt: { network?: string; subnet?: string };
    },
    opts: pulumi.CustomResourceOptions,
): PrivateNetwork {
    const network = new hcloud.Network(
        name,
        { name, ipRange: args.networkCidr, labels: args.labels, deleteProtection: args.protect },
        { ...opts, protect: args.protect, import: args.adopt.network },
    );
    const subnet = new hcloud.NetworkSubnet(
        `${name}-nodes`,
        { networkId: network.id.apply(Number), type: "cloud", networkZone: args.networkZone, ipRange: args.subnetCidr },
        { ...opts, import: args.adopt.subnet },
    );
    return { network, subnet };
}
