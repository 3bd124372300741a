// Who may log in to the nodes as the operator: honeydue:sshPublicKey plus, while a key is being
// rotated, honeydue:sshAuthorizedKeys. A planned step writes exactly these to every node's
// authorized_keys (infra/k3s/authorizedKeys.ts), so the key the program itself logs in with
// (honeydue:sshPrivateKey) must be among them, or the step would lock the program out.
import sshpk from "sshpk";
import { z } from "zod";
import { json } from "./fields";
import { sshPublicKey } from "./infra";

export const operatorKeyKeys = {
    /** Further public keys to authorize on every node (the old key during a rotation: docs/runbook/ssh.md). */
    sshAuthorizedKeys: json(z.array(sshPublicKey, { error: "expected a JSON list of OpenSSH public key lines" })).default([]),
};

/** The lines every node's authorized_keys holds, in order, each once. */
export const authorizedKeys = (c: { sshPublicKey: string; sshAuthorizedKeys: string[] }) => [...new Set([c.sshPublicKey, ...c.sshAuthorizedKeys].map((k) => k.trim()))];

const fingerprintOf = (parse: () => sshpk.Key | sshpk.PrivateKey): string | undefined => {
    try {
        return parse().fingerprint("sha256").toString();
    } catch {
        return undefined; // not parseable here: its own schema reports a malformed key
    }
};

export function checkOperatorKeys(c: { sshPublicKey: string; sshAuthorizedKeys: string[] }, sshPrivateKey: string, issue: (key: string, message: string) => void): void {
    const own = fingerprintOf(() => sshpk.parsePrivateKey(sshPrivateKey, "auto").toPublic());
    if (own === undefined) return;
    const authorized = authorizedKeys(c).map((k) => fingerprintOf(() => sshpk.parseKey(k, "ssh")));
    if (!authorized.includes(own)) {
        issue(
            "sshPrivateKey",
            `its public half (${own}) is neither honeydue:sshPublicKey nor in honeydue:sshAuthorizedKeys, and every node's authorized_keys is set to exactly those: ` +
                "the next `pulumi up` would lock the program out. Expected the pair of sshPublicKey, or, while rotating, the old public key in sshAuthorizedKeys (docs/runbook/ssh.md)",
        );
    }
}
