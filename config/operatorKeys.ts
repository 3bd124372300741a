// Who may log in to the nodes as the operator: honeydue:sshPublicKey plus, while a key is being
// rotated, honeydue:sshAuthorizedKeys. A planned step writes exactly these to every node's
// authorized_keys (infra/k3s/authorizedKeys.ts), but a server the program creates (a new node, a
// replacement) gets sshPublicKey alone, from Hetzner at creation (infra/hetzner/servers.ts
// `sshKeys`; terraform-provider-hcloud internal/server/resource.go resourceServerCreate). So the key
// the program itself logs in with (honeydue:sshPrivateKey) must be sshPublicKey's pair: being only
// in sshAuthorizedKeys would lock the program out of every server created meanwhile.
import sshpk from "sshpk";
import { z } from "zod";
import { json } from "./fields";
import { sshPublicKey } from "./infra";

export const operatorKeyKeys = {
    /** Further public keys to authorize on every running node (the next key during a rotation: docs/runbook/ssh.md). */
    sshAuthorizedKeys: json(z.array(sshPublicKey, { error: "expected a JSON list of OpenSSH public key lines" })).default([]),
};

/** The lines every node's authorized_keys holds, in order, each once. */
export const authorizedKeys = (c: { sshPublicKey: string; sshAuthorizedKeys: string[] }) => [...new Set([c.sshPublicKey, ...c.sshAuthorizedKeys].map((k) => k.trim()))];

const fingerprintOf = (parse: () => sshpk.Key): string | undefined => {
    try {
        return parse().fingerprint("sha256").toString();
    } catch {
        return undefined; // not a key: its own schema names the problem
    }
};

export function checkOperatorKeys(c: { sshPublicKey: string; sshAuthorizedKeys: string[] }, sshPrivateKey: string, issue: (key: string, message: string) => void): void {
    let own: string;
    try {
        own = sshpk.parsePrivateKey(sshPrivateKey, "auto").toPublic().fingerprint("sha256").toString();
    } catch (e) {
        // A key sealed with a passphrase: sshpk throws KeyEncryptedError without one (lib/formats/ssh-private.js,
        // pem.js), and the command provider is given none (infra/k3s/connection.ts), so every SSH step of `up` would fail.
        if ((e as Error).name === "KeyEncryptedError") {
            issue("sshPrivateKey", "is protected by a passphrase, and the program logs in without one, so every command on the nodes would fail at `pulumi up`. Expected an unencrypted key (the whole PEM block of a key made for the program: docs/runbook/ssh.md)");
        }
        return; // otherwise not parseable (the plan's placeholder, or a body the schema's pattern cannot judge): nothing to compare
    }
    if (fingerprintOf(() => sshpk.parseKey(c.sshPublicKey.trim(), "ssh")) === own) return;
    const onlyExtra = c.sshAuthorizedKeys.some((k) => fingerprintOf(() => sshpk.parseKey(k.trim(), "ssh")) === own);
    issue(
        "sshPrivateKey",
        onlyExtra
            ? `its public half (${own}) is not honeydue:sshPublicKey: a server the program creates (a new or replaced node) gets only sshPublicKey from Hetzner, so the program could not log in to it (only the running nodes list sshAuthorizedKeys). ` +
                  "Expected the pair of sshPublicKey; to rotate, add the new key to honeydue:sshAuthorizedKeys first, then switch sshPublicKey and sshPrivateKey together (docs/runbook/ssh.md)"
            : `its public half (${own}) is not honeydue:sshPublicKey, nor in honeydue:sshAuthorizedKeys, and every node's authorized_keys is set to exactly those: ` +
                  "the next `pulumi up` would lock the program out. Expected the pair of sshPublicKey (docs/runbook/ssh.md)",
    );
}
