// An ssh_config block for the operator: a Host per node name, plus the book's hetzner1..3 aliases,
// whose order does not follow the node names (that mapping is data in the node list).
import * as pulumi from "@pulumi/pulumi";
import type { Node } from "./hetzner";

export function sshConfig(nodes: Node[], user: string, identityFile = "~/.ssh/honeydue"): pulumi.Output<string> {
    return pulumi.all(nodes.map((n) => n.publicIpv4)).apply((ips) =>
        nodes
            .map((n, i) => {
                const names = [n.spec.name, ...(n.spec.sshAlias ? [n.spec.sshAlias] : [])].join(" ");
                return [`Host ${names}`, `  HostName ${ips[i]}`, `  User ${user}`, `  IdentityFile ${identityFile}`, "  IdentitiesOnly yes", ""].join("\n");
            })
            .join("\n"),
    );
}
