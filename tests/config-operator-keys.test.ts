// The operator's keys: every node's authorized_keys is set to honeydue:sshPublicKey plus
// sshAuthorizedKeys, so the key the program logs in with must be one of them (or it locks itself out).
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import sshpk from "sshpk";
import { authorizedKeys } from "../config/operatorKeys";
import { load, rejects } from "./support/config";

function pair(comment: string) {
    const key = sshpk.parsePrivateKey(String(generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" })), "pem");
    key.comment = comment;
    return { privateKey: key.toString("ssh"), publicKey: key.toPublic().toString("ssh") };
}
const oldKey = pair("old@operator");
const newKey = pair("new@operator");
const S = ["honeydue:sshPrivateKey"];

describe("operator keys (sshPublicKey, sshAuthorizedKeys, sshPrivateKey)", () => {
    it("authorizes sshPublicKey alone by default", () => {
        const c = load({ "honeydue:sshPublicKey": oldKey.publicKey, "honeydue:sshPrivateKey": oldKey.privateKey }, S);
        assert.deepEqual(authorizedKeys(c), [oldKey.publicKey]);
    });
    it("authorizes the old key beside the new one during a rotation, while the program still logs in with the old", () => {
        const c = load({ "honeydue:sshPublicKey": newKey.publicKey, "honeydue:sshAuthorizedKeys": [oldKey.publicKey], "honeydue:sshPrivateKey": oldKey.privateKey }, S);
        assert.deepEqual(authorizedKeys(c), [newKey.publicKey, oldKey.publicKey]);
    });
    it("refuses a private key whose public half would not be authorized (the step would lock the program out)", () =>
        rejects(
            { "honeydue:sshPublicKey": newKey.publicKey, "honeydue:sshPrivateKey": oldKey.privateKey },
            "honeydue:sshPrivateKey",
            /its public half \(SHA256:\S+\) is neither honeydue:sshPublicKey nor in honeydue:sshAuthorizedKeys.*lock the program out/,
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
    it("refuses a malformed extra key, naming its place", () =>
        rejects({ "honeydue:sshAuthorizedKeys": ["ssh-ed25519 not-base64!"] }, "honeydue:sshAuthorizedKeys.0", /expected one OpenSSH public key line/));
});
