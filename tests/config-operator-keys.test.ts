// The operator's keys: every node's authorized_keys is set to honeydue:sshPublicKey plus
// sshAuthorizedKeys, and a server the program creates gets sshPublicKey alone (Hetzner's ssh_keys),
// so the key the program logs in with must be sshPublicKey's pair (or it locks itself out).
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import sshpk from "sshpk";
import { authorizedKeys } from "../config/operatorKeys";
import { load, problems, rejects } from "./support/config";

function pair(comment: string) {
    const key = sshpk.parsePrivateKey(String(generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" })), "pem");
    key.comment = comment;
    return { privateKey: key.toString("ssh"), publicKey: key.toPublic().toString("ssh") };
}
const oldKey = pair("old@operator");
const newKey = pair("new@operator");
const otherKey = pair("colleague@laptop");
const S = ["honeydue:sshPrivateKey"];

describe("operator keys (sshPublicKey, sshAuthorizedKeys, sshPrivateKey)", () => {
    it("authorizes sshPublicKey alone by default", () => {
        const c = load({ "honeydue:sshPublicKey": oldKey.publicKey, "honeydue:sshPrivateKey": oldKey.privateKey }, S);
        assert.deepEqual(authorizedKeys(c), [oldKey.publicKey]);
    });
    it("authorizes the next key beside sshPublicKey during a rotation (run 1), while the program still logs in with sshPublicKey's pair", () => {
        const c = load({ "honeydue:sshPublicKey": oldKey.publicKey, "honeydue:sshAuthorizedKeys": [newKey.publicKey], "honeydue:sshPrivateKey": oldKey.privateKey }, S);
        assert.deepEqual(authorizedKeys(c), [oldKey.publicKey, newKey.publicKey]);
    });
    it("authorizes each key once, as one trimmed line, however often it is listed", () => {
        const c = load({ "honeydue:sshPublicKey": `${oldKey.publicKey}\n`, "honeydue:sshAuthorizedKeys": [oldKey.publicKey, `${newKey.publicKey}\n`, newKey.publicKey], "honeydue:sshPrivateKey": oldKey.privateKey }, S);
        assert.deepEqual(authorizedKeys(c), [oldKey.publicKey, newKey.publicKey]);
    });
    it("refuses sshAuthorizedKeys that is not a list, saying the form", () =>
        rejects({ "honeydue:sshAuthorizedKeys": newKey.publicKey }, "honeydue:sshAuthorizedKeys (got ", /: expected a JSON list of OpenSSH public key lines$/));
    it("refuses a private key whose public half would not be authorized (the step would lock the program out)", () =>
        rejects(
            { "honeydue:sshPublicKey": newKey.publicKey, "honeydue:sshPrivateKey": oldKey.privateKey },
            "honeydue:sshPrivateKey",
            /its public half \(SHA256:\S+\) is not honeydue:sshPublicKey.*lock the program out/,
            S,
        ));
    // The two refusals give different advice (rotate in order, or set the right pair): an unrelated
    // key in sshAuthorizedKeys must not turn "authorized nowhere" into "only in sshAuthorizedKeys".
    it("says a private key is authorized nowhere when sshAuthorizedKeys holds only other keys, naming the key by its fingerprint", () => {
        const own = sshpk.parsePrivateKey(oldKey.privateKey, "ssh").toPublic().fingerprint("sha256").toString();
        const found = problems({ "honeydue:sshPublicKey": newKey.publicKey, "honeydue:sshAuthorizedKeys": [otherKey.publicKey], "honeydue:sshPrivateKey": oldKey.privateKey }, S);
        assert.deepEqual(found, [
            `honeydue:sshPrivateKey: its public half (${own}) is not honeydue:sshPublicKey, nor in honeydue:sshAuthorizedKeys, and every node's authorized_keys is set to exactly those: ` +
                "the next `pulumi up` would lock the program out. Expected the pair of sshPublicKey (docs/runbook/ssh.md)",
        ]);
    });
    // secrets.ts's pattern takes any OpenSSH PEM block, and a passphrase-protected one is such a block.
    it("refuses a private key protected by a passphrase (the program cannot enter it), even with its own public half", () => {
        const sealed = sshpk.parsePrivateKey(oldKey.privateKey, "ssh").toString("ssh", { passphrase: "operator-passphrase" } as never);
        assert.match(sealed, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
        assert.deepEqual(problems({ "honeydue:sshPublicKey": oldKey.publicKey, "honeydue:sshPrivateKey": sealed }, S), [
            "honeydue:sshPrivateKey: is protected by a passphrase, and the program logs in without one, so every command on the nodes would fail at `pulumi up`. Expected an unencrypted key (the whole PEM block of a key made for the program: docs/runbook/ssh.md)",
        ]);
    });
    // A server created in that state (a replacement, a new node) gets only sshPublicKey from
    // Hetzner (infra/hetzner/servers.ts sshKeys), so the program could never log in to it.
    it("refuses a private key that is only in sshAuthorizedKeys (a server created now would not accept it)", () =>
        rejects(
            { "honeydue:sshPublicKey": newKey.publicKey, "honeydue:sshAuthorizedKeys": [oldKey.publicKey], "honeydue:sshPrivateKey": oldKey.privateKey },
            "honeydue:sshPrivateKey",
            /is not honeydue:sshPublicKey: a server the program creates \(a new or replaced node\) gets only sshPublicKey.*add the new key to honeydue:sshAuthorizedKeys first/,
            S,
        ));
    it("never prints the private key in that message", () => {
        try {
            load({ "honeydue:sshPublicKey": newKey.publicKey, "honeydue:sshPrivateKey": oldKey.privateKey }, S);
            assert.fail("expected a ConfigError");
        } catch (e) {
            assert.ok(!String(e).includes(oldKey.privateKey.split("\n")[1]), "no line of the private key");
        }
    });
    // Hetzner's API would refuse the key only at `pulumi up`; the blob names its own type (RFC 4253 §6.6).
    it("refuses a public key whose data is another type than its line says, naming the type the line claims", () =>
        rejects({ "honeydue:sshPublicKey": oldKey.publicKey.replace(/^ssh-ed25519/, "ssh-rsa") }, "honeydue:sshPublicKey (got ssh-rsa", /: the key data is not an ssh-rsa key \(a truncated or mixed-up paste\); expected the whole line of your \.pub file$/));
    it("refuses key data cut short inside its type name, or whose type length runs past its end, as a truncated paste", () => {
        // The blob opens with a uint32 length and that many bytes of type name (RFC 4253 §6.6).
        const blob = (length: number, type: string) => Buffer.concat([Buffer.from([0, 0, 0, length]), Buffer.from(type, "latin1")]).toString("base64");
        for (const data of ["AAA=", blob(12, "ssh-ed25519")]) {
            rejects({ "honeydue:sshPublicKey": `ssh-ed25519 ${data} me@laptop` }, "honeydue:sshPublicKey (got ssh-ed25519 ", /: the key data is not an ssh-ed25519 key \(a truncated or mixed-up paste\); expected the whole line of your \.pub file$/);
        }
    });
    it("takes a public key line without a comment (ssh-keygen -C ''), as the program gets it", () => {
        const bare = oldKey.publicKey.split(" ").slice(0, 2).join(" ");
        assert.equal(load({ "honeydue:sshPublicKey": bare, "honeydue:sshPrivateKey": oldKey.privateKey }, S).sshPublicKey, bare);
    });
    it("refuses a public key line with anything before its type", () =>
        rejects({ "honeydue:sshPublicKey": `laptop: ${oldKey.publicKey}` }, "honeydue:sshPublicKey (got laptop: ", /: expected one OpenSSH public key line such as 'ssh-ed25519 AAAA… you@host'$/));
    it("refuses a malformed extra key, naming its place", () =>
        rejects({ "honeydue:sshAuthorizedKeys": ["ssh-ed25519 not-base64!"] }, "honeydue:sshAuthorizedKeys.0", /expected one OpenSSH public key line/));
});
