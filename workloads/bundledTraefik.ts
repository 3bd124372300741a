// On adoption (adopt.k3s), a check on node 1 before our Traefik's HelmChart: if k3s's bundled
// Traefik is still installed, `pulumi up` stops there with the steps to remove it
// (infra/scripts/bundled-traefik.sh says why the program does not delete it itself).
import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import type { Node } from "../infra/hetzner";
import { connection } from "../infra/k3s/connection";
import { runScript, withPayload } from "../infra/k3s/scripts";

export function bundledTraefikCheck(node: Node, config: EstateConfig, parent: pulumi.Resource): command.remote.Command | undefined {
    if (!config.adopt.k3s) return undefined;
    return new command.remote.Command(
        "honeydue-bundled-traefik",
        {
            connection: connection(node, config),
            create: runScript("bundled-traefik", ["--node", node.spec.name], config.sshUser),
            stdin: withPayload("bundled-traefik"),
            addPreviousOutputInEnv: false,
        },
        { parent, deletedWith: node.server, customTimeouts: { create: "5m", update: "5m" } },
    );
}
