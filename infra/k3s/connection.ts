// How the command provider reaches a node: its public IPv4 as the operator's SSH user. A new VM
// takes a while to accept SSH, so dialling a server the program builds never gives up by count
// (dialErrorLimit -1); the commands' customTimeouts bound the wait instead. pulumi-command v1.2.1
// provider/pkg/provider/remote/connection.go `dialWithRetry` retries every dial error alike, a
// host key mismatch or a refused login included, and on the context's deadline returns only
// ctx.Err() ("context deadline exceeded"): unbounded by count, a wrong recorded key would wait out
// the step's timeout (20 min) and never say why. A node with a recorded key (adopted) already runs
// sshd, so its dials stop after `recordedKeyDials` failures (about two minutes of refusals: the
// retry delay grows 1.5x from 100 ms to 5 s, sdk/go/common/util/retry/until.go) with the provider's
// own "after N failed attempts: ssh: handshake failed: ssh: host key mismatch". The node's host key is pinned: pulumi-command
// v1.2.1 provider/pkg/provider/remote/connection.go `SSHConfig` parses `hostKey` with
// ssh.ParseAuthorizedKey ("<type> <base64>", authorized_keys format) and checks it with
// ssh.FixedHostKey, so any other key fails the handshake; without it, it uses InsecureIgnoreHostKey.
import type * as command from "@pulumi/command";
import type { EstateConfig } from "../../config";
import type { Node } from "../hetzner";

export type Connection = command.types.input.remote.ConnectionArgs;

/** Dial failures tolerated for a node whose host key was recorded (it already answers SSH). */
export const recordedKeyDials = 30;

export function connection(node: Node, config: EstateConfig): Connection {
    return {
        host: node.publicIpv4,
        user: config.sshUser,
        privateKey: config.secrets.sshPrivateKey,
        hostKey: node.hostKey.publicKey,
        dialErrorLimit: node.hostKey.generated ? -1 : recordedKeyDials,
        perDialTimeout: 30,
    };
}
