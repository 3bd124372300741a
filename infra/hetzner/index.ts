// The Hetzner layer as one component: SSH key, spread placement group, private network, firewall
// and the servers. A thin class; each piece is built by the function in its own file.
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import type { NodeSpec } from "../../config/infra";
import type { EdgeRanges } from "../cloudflare/ipRanges";
import { estateLabels } from "../labels";
import { createFirewall, firewallRules } from "./firewall";
import { createNetwork } from "./network";
import { hostKey, type HostKey } from "./hostKeys";
import { createServer } from "./servers";

/** One cluster node as the rest of the estate sees it. */
export interface Node {
    spec: NodeSpec;
    server: hcloud.Server;
    publicIpv4: pulumi.Output<string>;
    publicIpv6: pulumi.Output<string>;
    privateIp: string;
    /** The SSH host key the node presents: every connection pins it. */
    hostKey: HostKey;
}

export class Nodes extends pulumi.ComponentResource {
    readonly nodes: Node[];
    readonly network: hcloud.Network;
    readonly firewall: hcloud.Firewall;

    constructor(name: string, config: EstateConfig, edge: pulumi.Output<EdgeRanges>, opts?: pulumi.ComponentResourceOptions) {
        super("honeydue:infra:Nodes", name, {}, opts);
        const child = { parent: this };
        const labels = estateLabels(config);
        // What already exists (README, "Adopting the running estate") is imported by its Hetzner id, not created.
        const adopt = config.adopt;

        // A new sshPublicKey replaces the key (terraform-provider-hcloud internal/sshkey/resource.go:
        // `public_key` has RequiresReplace, `name` does not), and its name must be unique in the
        // project: create-first would collide on it, so the old key goes first. Nothing else is
        // replaced with it: the engine deletes a dependent first only when its own diff says replace
        // (pulumi/pulumi step_generator.go `calculateDependentReplacements`), and the servers ignore
        // `sshKeys` (servers.ts), which that diff honours.
        const sshKey = new hcloud.SshKey(
            `${name}-operator`,
            { name: `${name}-operator`, publicKey: config.sshPublicKey, labels },
            { ...child, import: adopt.sshKey, deleteBeforeReplace: true },
        );
        const placementGroup = new hcloud.PlacementGroup(
            `${name}-spread`,
            { name: `${name}-spread`, type: "spread", labels },
            { ...child, import: adopt.placementGroup },
        );
        const { network, subnet } = createNetwork(
            `${name}-private`,
            {
                networkCidr: config.networkCidr,
                subnetCidr: config.subnetCidr,
                networkZone: config.networkZone,
                labels,
                protect: config.protect,
                adopt: { network: adopt.network, subnet: adopt.subnet },
            },
            child,
        );
        const firewall = createFirewall(`${name}-firewall`, edge.apply((e) => firewallRules(e, config.adminCidrs)), labels, { ...child, import: adopt.firewall });

        this.network = network;
        this.firewall = firewall;
        this.nodes = config.nodes.map((spec, i) => {
            const key = hostKey(spec, config.hostKeys[spec.name], child);
            const server = createServer(spec, i, { config, sshKey, placementGroup, network, subnet, firewall, hostKey: key, labels, adoptId: adopt.servers[spec.name] }, child);
            return { spec, server, publicIpv4: server.ipv4Address, publicIpv6: server.ipv6Address, privateIp: spec.privateIp, hostKey: key };
        });
        this.registerOutputs({});
    }
}
