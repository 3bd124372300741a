// The SSH host key each node presents, for the nodes whose key the program did not generate:
// adopted servers (and any server built before the program generated host keys). Every command
// pins the node's key (infra/k3s/connection.ts); a node absent here gets a generated key through
// cloud-init (infra/hetzner/hostKeys.ts). README, "SSH": fetch it with ssh-keyscan, check it on
// the Hetzner console.
import { z } from "zod";
import { json, nodeName } from "./fields";
import { keyDataProblem } from "./sshKey";

/**
 * The types a pin can be: the command provider offers the server only the pinned key's own type
 * as host-key algorithm (pulumi-command v1.2.1 provider/pkg/provider/remote/connection.go
 * `SSHConfig`: `HostKeyAlgorithms = []string{publicKey.Type()}`), and for an RSA key that is
 * `ssh-rsa`, the SHA-1 signature OpenSSH 8.8+ no longer offers (Ubuntu 24.04 ships 9.6): the
 * handshake would fail. Ubuntu generates an ed25519 and an ecdsa host key too: pin one of those.
 */
export const pinnableTypes = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];

const line = /^(\S+) ([A-Za-z0-9+/]+={0,3})(?: \S.*)?\n?$/;

/** What is wrong with a host key line, or undefined. */
export function hostKeyProblem(v: string): string | undefined {
    const fields = v.trim().split(/\s+/);
    if (fields.length > 1 && [...pinnableTypes, "ssh-rsa"].includes(fields[1])) return "starts with a host name (an ssh-keyscan or known_hosts line); expected the key alone, 'ssh-ed25519 AAAA…'";
    const m = line.exec(v);
    if (!m) return "expected one public key line such as 'ssh-ed25519 AAAA…' (the second and third fields of an ssh-keyscan line)";
    const [, type, blob] = m;
    if (!pinnableTypes.includes(type)) {
        if (type === "ssh-rsa") return "is an RSA key, which the command provider can only verify with SHA-1 signatures that the node's sshd refuses; expected the node's ssh-ed25519 key (ssh-keyscan -t ed25519)";
        return `is a ${type} key; expected one of ${pinnableTypes.join(", ")} (ssh-keyscan -t ed25519)`;
    }
    return keyDataProblem(type, blob, "the whole key as ssh-keyscan prints it");
}

export const hostKeyKeys = {
    /** node name → the public host key it presents ("ssh-ed25519 AAAA…"): adopted nodes must have one. */
    hostKeys: json(
        z.record(
            nodeName,
            z.string({ error: "expected a public key line such as 'ssh-ed25519 AAAA…'" }).superRefine((v, ctx) => {
                const problem = hostKeyProblem(v);
                if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
            }),
            { error: "expected a JSON object of node name → public host key ('ssh-ed25519 AAAA…')" },
        ),
    ).default({}),
};

type HostKeys = { hostKeys: Record<string, string>; nodes: { name: string }[]; adopt: { servers: Record<string, string> } };

export function checkHostKeys(c: HostKeys, issue: (key: string, message: string) => void): void {
    const names = c.nodes.map((n) => n.name);
    for (const node of Object.keys(c.hostKeys)) {
        if (!names.includes(node)) issue("hostKeys", `${node} is not one of the nodes (${names.join(", ")}); expected node names from honeydue:nodes`);
    }
    const missing = Object.keys(c.adopt.servers).filter((n) => names.includes(n) && c.hostKeys[n] === undefined);
    if (missing.length > 0) {
        issue(
            "hostKeys",
            `has no host key for the adopted server${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: the program did not build ${missing.length > 1 ? "them" : "it"}, so it cannot know the key, and an unpinned connection would trust whoever answers. ` +
                `Expected the key each presents, fetched and checked as the README says ("SSH"), e.g. \`pulumi config set --path 'honeydue:hostKeys.${missing[0]}' 'ssh-ed25519 AAAA…'\``,
        );
    }
}
