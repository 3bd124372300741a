// An ssh_config block for the operator: a Host per node name, plus the book's hetzner1..3 aliases,
// whose order does not follow the node names (that mapping is data in the node list). Each block
// verifies the node's host key against the estate's own known_hosts file (the `knownHosts` output),
// looked up by the node's name (HostKeyAlias), so a replaced node's new address needs no new entry
// and an unknown or changed key is refused, never accepted on first use.
import * as pulumi from "@pulumi/pulumi";
import type { Node } from "./hetzner";

/** Where the runbook writes the `knownHosts` output (docs/runbook/ssh.md). */
export const knownHostsFile = "~/.ssh/known_hosts.d/honeydue";

export function sshConfig(nodes: Node[], user: string, identityFile = "~/.ssh/honeydue"): pulumi.Output<string> {
    return pulumi.all(nodes.map((n) => n.publicIpv4)).apply((ips) =>
        nodes
            .map((n, i) => {
                const names = [n.spec.name, ...(n.spec.sshAlias ? [n.spec.sshAlias] : [])].join(" ");
                return [
                    `Host ${names}`,
                    `  HostName ${ips[i]}`,
                    `  User ${user}`,
                    `  IdentityFile ${identityFile}`,
                    "  IdentitiesOnly yes",
                    `  HostKeyAlias ${n.spec.name}`,
                    `  UserKnownHostsFile ${knownHostsFile}`,
                    "  StrictHostKeyChecking yes",
                    "",
                ].join("\n");
            })
            .join("\n"),
    );
}

/** known_hosts lines, one per node, keyed by the node's name (the HostKeyAlias above): the keys every command pins. */
export function knownHosts(nodes: Node[]): pulumi.Output<string> {
    return pulumi.all(nodes.map((n) => n.hostKey.publicKey)).apply((keys) => nodes.map((n, i) => `${n.spec.name} ${keys[i]}\n`).join(""));
}
