// The cluster's servers: one per configured node, spread across hosts, on the private network,
// behind the firewall. A server is never recreated by accident: the inputs Hetzner can only change
// by rebuilding (image, userData, sshKeys) are ignored after creation; a node is replaced on purpose,
// one at a time (README, "Replacing a node").
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import type { NodeSpec } from "../../config/infra";
import { cloudInit } from "./cloudInit";
import type { HostKey } from "./hostKeys";

export interface ServerArgs {
    config: EstateConfig;
    sshKey: hcloud.SshKey;
    placementGroup: hcloud.PlacementGroup;
    network: hcloud.Network;
    subnet: hcloud.NetworkSubnet;
    firewall: hcloud.Firewall;
    /** The node's host key: a generated one goes into cloud-init. */
    hostKey: HostKey;
    labels: Record<string, string>;
    /** The Hetzner id of the server that already runs this node: imported, not created. */
    adoptId?: string;
}

/** Inputs that force a new server in the provider; changing them must not silently rebuild a node. */
export const replacementInputs = ["image", "userData", "sshKeys"];

/**
 * What an adopted (hand-built, imported) server is left alone in as well. The provider does not read
 * `publicNets` back on import, so it would always show a change, and applying one powers the server
 * off and may give it new addresses; joining a placement group needs the server powered off too.
 * Both are done by hand, one node at a time, if ever (README, "Adopting the running estate").
 */
export const adoptedServerInputs = ["publicNets", "placementGroupId"];

/**
 * The cloud-config, secret when it carries a generated private key. Pulumi keeps a secret input
 * encrypted in the state and marks the provider's output of the same name secret too (pulumi/pulumi
 * pkg/resource/plugin/provider_plugin.go `Create` -> `annotateSecrets`); the provider itself keeps
 * only a SHA-1 of user_data (terraform-provider-hcloud internal/server/resource.go, `user_data`
 * StateFunc userDataHashSum), and Hetzner's API never returns it.
 */
function userData(hostKey: HostKey): pulumi.Input<string> {
    const g = hostKey.generated;
    if (!g) return cloudInit();
    return pulumi.secret(pulumi.all([g.privateKey, g.publicKey]).apply(([privateKey, publicKey]) => cloudInit({ privateKey, publicKey })));
}

export function createServer(node: NodeSpec, index: number, a: ServerArgs, opts: pulumi.CustomResourceOptions): hcloud.Server {
    const protect = a.config.protect;
    return new hcloud.Server(
        node.name,
        {
            name: node.name,
            serverType: a.config.serverType,
            image: a.config.image,
            location: a.config.location,
            sshKeys: [a.sshKey.id],
            placementGroupId: a.placementGroup.id.apply(Number),
            firewallIds: [a.firewall.id.apply(Number)],
            networks: [{ networkId: a.network.id.apply(Number), ip: node.privateIp }],
            publicNets: [{ ipv4Enabled: true, ipv6Enabled: a.config.ipv6 }],
            userData: userData(a.hostKey),
            labels: { ...a.labels, node: node.name, role: index === 0 ? "server-init" : "server" },
            deleteProtection: protect,
            rebuildProtection: protect,
            shutdownBeforeDeletion: true,
        },
        // Delete first on a deliberate replacement: the name and private IP are taken until the old
        // server is gone, and the k3s layer drains the old node and deletes its Node object first.
        {
            ...opts,
            protect,
            ignoreChanges: a.adoptId === undefined ? replacementInputs : [...replacementInputs, ...adoptedServerInputs],
            dependsOn: [a.subnet],
            deleteBeforeReplace: true,
            import: a.adoptId,
        },
    );
}
