// How the command provider reaches a node: its public IPv4 as the operator's SSH user. A new VM
// takes a while to accept SSH, so dialling never gives up by count (dialErrorLimit -1); the
// commands' customTimeouts bound the wait instead.
import type * as command from "@pulumi/command";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";

export type Connection = command.types.input.remote.ConnectionArgs;

export function connection(node: Node, config: EstateConfig): Connection {
    return {
        host: node.publicIpv4,
        user: config.sshUser,
        privateKey: config.secrets.sshPrivateKey,
        dialErrorLimit: -1,
        perDialTimeout: 30,
    };
}
