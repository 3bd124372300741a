// How the command provider reaches a node: its public IPv4 as the operator's SSH user. A new VM
// takes a while to accept SSH, so dialling never gives up by count (dialErrorLimit -1); the
// commands' customTimeouts bound the wait instead. The node's host key is pinned: pulumi-command
// v1.2.1 provider/pkg/provider/remote/connection.go `SSHConfig` parses `hostKey` with
// ssh.ParseAuthorizedKey ("<type> <base64>", authorized_keys format) and checks it with
// ssh.FixedHostKey, so any other key fails the handshake; without it, it uses InsecureIgnoreHostKey.
import type * as command from "@pulumi/command";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";

export type Connection = command.types.input.remote.ConnectionArgs;

export function connection(node: Node, config: EstateConfig): Connection {
    return {
        host: node.publicIpv4,
        user: config.sshUser,
        privateKey: config.secrets.sshPrivateKey,
        hostKey: node.hostKey.publicKey,
        dialErrorLimit: -1,
        perDialTimeout: 30,
    };
}
