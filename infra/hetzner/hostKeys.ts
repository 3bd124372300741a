// Each node's SSH host key, which every command pins (infra/k3s/connection.ts) and the operator's
// ssh config trusts (infra/sshConfig.ts). A server the program builds gets an ed25519 key the
// program generates, handed to cloud-init (cloudInit.ts `ssh_keys`), so the pin is known before
// the server first answers. A node in honeydue:hostKeys (adopted, or built before) keeps the key
// it has, as recorded by the operator.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { NodeSpec } from "../../config/infra";

export interface HostKey {
    /** The public key as an authorized_keys line without comment ("ssh-ed25519 AAAA…"): what the connections pin. */
    publicKey: pulumi.Output<string>;
    /** The generated key pair for cloud-init (OpenSSH formats; the private half secret); none for a recorded key. */
    generated?: { privateKey: pulumi.Output<string>; publicKey: pulumi.Output<string> };
}

/**
 * The node's host key. The generated private key is secret in the state: the tls SDK lists
 * privateKeyOpenssh in additionalSecretOutputs (@pulumi/tls privateKey.js), and it is wrapped
 * again because mocks do not honour that option. It lives as long as its resource: a server
 * replaced on its own gets the same key again (the pin stays true); replacing the key alone would
 * leave the running server with the old one, so the connections would refuse it (README, "SSH").
 */
export function hostKey(node: NodeSpec, recorded: string | undefined, opts: pulumi.CustomResourceOptions): HostKey {
    if (recorded !== undefined) return { publicKey: pulumi.output(recorded.trim().split(/\s+/).slice(0, 2).join(" ")) };
    const key = new tls.PrivateKey(`${node.name}-host-key`, { algorithm: "ED25519" }, opts);
    // terraform-provider-tls internal/provider/common_key.go: public_key_openssh is
    // ssh.MarshalAuthorizedKey, "<type> <base64>\n"; the pin and known_hosts take the line without the newline.
    const publicKey = key.publicKeyOpenssh.apply((k) => k.trim());
    return { publicKey, generated: { privateKey: pulumi.secret(key.privateKeyOpenssh), publicKey } };
}
