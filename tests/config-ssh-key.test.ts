// Key data pasted cut short or padded: the operator's public key (honeydue:sshPublicKey) and an
// adopted node's host key (honeydue:hostKeys) are refused at load, naming the key, instead of by
// Hetzner's API at `pulumi up` (the operator's) or by a handshake that fails mid-`up` (a host key).
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import sshpk from "sshpk";
import { load, rejects } from "./support/config";
import { hostKeysFor } from "./support/hostKeys";

/** A fresh public key line of this kind, as ssh-keygen writes it (`<type> <data> <comment>`). */
function publicLine(kind: "ed25519" | "ec" | "rsa", curve = "P-256"): string {
    const options = kind === "ec" ? { namedCurve: curve } : kind === "rsa" ? { modulusLength: 2048 } : {};
    const { publicKey } = generateKeyPairSync(kind as "ed25519", options as object);
    const key = sshpk.parseKey(String(publicKey.export({ format: "pem", type: "spki" })), "pem");
    key.comment = "me@laptop";
    return key.toString("ssh");
}

/** The line with its key data changed by `edit` (on the decoded bytes), comment kept. */
const withData = (line: string, edit: (data: Buffer) => Buffer) => {
    const [type, data, comment] = line.split(" ");
    return `${type} ${edit(Buffer.from(data, "base64")).toString("base64")} ${comment}`;
};
/** A length-prefixed string of the key format (RFC 4253 §6.6). */
const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);

const cutShort = /: the ssh-ed25519 key data is cut short or damaged \(a truncated or mistyped paste\); expected the whole line of your \.pub file$/;

describe("the operator's public key data (sshPublicKey)", () => {
    const ed25519 = publicLine("ed25519");
    it("takes a whole key of each type Hetzner takes, as ssh-keygen writes it", () => {
        // nistp384 and nistp521 data ends in "==", nistp256 in "=", ed25519 and this RSA in none.
        for (const line of [ed25519, publicLine("ec"), publicLine("ec", "P-384"), publicLine("ec", "P-521"), publicLine("rsa")]) assert.equal(load({ "honeydue:sshPublicKey": line }).sshPublicKey, line);
    });
    it("takes the line as its .pub file holds it: a final newline, a comment of several words or none", () => {
        const [type, data] = ed25519.split(" ");
        for (const line of [`${ed25519}\n`, `${type} ${data}\n`, `${type} ${data} Jane Doe work laptop\n`]) assert.equal(load({ "honeydue:sshPublicKey": line }).sshPublicKey.trim(), line.trim());
    });
    // Node's base64 decoder reads both as the whole key; sshd and Go's ssh.ParseAuthorizedKey do not
    // (config/sshKey.ts): the node would not let the operator in.
    it("refuses key data that lost its base64 padding or gained a stray character", () => {
        const ec = publicLine("ec");
        for (const [line, type] of [[ec.replace(/= /, " "), "ecdsa-sha2-nistp256"], [ed25519.replace(" me@laptop", "A me@laptop"), "ssh-ed25519"]]) {
            rejects({ "honeydue:sshPublicKey": line }, `honeydue:sshPublicKey (got ${type} `, new RegExp(`: the ${type} key data is cut short or damaged \\(a truncated or mistyped paste\\); expected the whole line of your \\.pub file$`));
        }
    });
    // The common paste error: the line copied short. The data still starts with its type name, so
    // the type check alone passes it.
    it("refuses key data cut short after its type name, wherever it is cut", () => {
        for (const keep of [15, 19, 20, 40, 50]) rejects({ "honeydue:sshPublicKey": withData(ed25519, (d) => d.subarray(0, keep)) }, "honeydue:sshPublicKey (got ssh-ed25519 ", cutShort);
    });
    it("refuses key data that is its type name alone, with no key", () =>
        rejects({ "honeydue:sshPublicKey": `ssh-ed25519 ${field(Buffer.from("ssh-ed25519")).toString("base64")} me@laptop` }, "honeydue:sshPublicKey (got ssh-ed25519 ", cutShort));
    it("refuses an ed25519 key that is not 32 bytes long (RFC 8709 §4)", () => {
        for (const size of [31, 33, 5]) {
            const data = Buffer.concat([field(Buffer.from("ssh-ed25519")), field(Buffer.alloc(size, 7))]).toString("base64");
            rejects({ "honeydue:sshPublicKey": `ssh-ed25519 ${data} me@laptop` }, "honeydue:sshPublicKey (got ssh-ed25519 ", cutShort);
        }
    });
    it("refuses key data with bytes after the key (two pastes run together)", () =>
        rejects({ "honeydue:sshPublicKey": withData(ed25519, (d) => Buffer.concat([d, d.subarray(0, 6)])) }, "honeydue:sshPublicKey (got ssh-ed25519 ", cutShort));
    it("refuses a cut-short key without a comment too (sshpk reads such data partially)", () => {
        const bare = withData(ed25519, (d) => d.subarray(0, 40)).split(" ").slice(0, 2).join(" ");
        rejects({ "honeydue:sshPublicKey": bare }, "honeydue:sshPublicKey (got ssh-ed25519 ", cutShort);
    });
    it("names the type the line claims for a cut-short ECDSA or RSA key", () => {
        for (const [line, type] of [[publicLine("ec"), "ecdsa-sha2-nistp256"], [publicLine("rsa"), "ssh-rsa"]]) {
            rejects({ "honeydue:sshPublicKey": withData(line, (d) => d.subarray(0, d.length - 9)) }, `honeydue:sshPublicKey (got ${type} `, new RegExp(`: the ${type} key data is cut short or damaged \\(a truncated or mistyped paste\\); expected the whole line of your \\.pub file$`));
        }
    });
    it("refuses a cut-short extra key during a rotation, naming its place", () =>
        rejects({ "honeydue:sshAuthorizedKeys": [withData(ed25519, (d) => d.subarray(0, 40))] }, "honeydue:sshAuthorizedKeys.0 (got ssh-ed25519 ", cutShort));
});

describe("an adopted node's host key data (hostKeys)", () => {
    const servers = { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-2": "202", "ubuntu-8gb-nbg1-3": "203" };
    const keys = hostKeysFor(servers);
    const withKey = (line: string) => ({ "honeydue:adopt": { servers }, "honeydue:hostKeys": { ...keys, "ubuntu-8gb-nbg1-1": line } });
    const hostCutShort = /: the ssh-ed25519 key data is cut short or damaged \(a truncated or mistyped paste\); expected the whole key as ssh-keyscan prints it$/;
    it("refuses a host key cut short after its type name, or padded past its end", () => {
        const whole = `${keys["ubuntu-8gb-nbg1-1"]} root@node`;
        for (const line of [withData(whole, (d) => d.subarray(0, 30)), withData(whole, (d) => Buffer.concat([d, Buffer.alloc(3)]))]) {
            rejects(withKey(line), "honeydue:hostKeys.ubuntu-8gb-nbg1-1 (got ssh-ed25519 ", hostCutShort);
        }
    });
    it("takes an ECDSA host key whole (ssh-keyscan -t ecdsa)", () => {
        const ec = publicLine("ec");
        assert.equal(load(withKey(ec)).hostKeys["ubuntu-8gb-nbg1-1"], ec);
    });
    // A host key read off the Hetzner console and typed in: one character wrong moves an ECDSA point
    // off its curve, which the provider's ssh.ParseAuthorizedKey refuses ("invalid curve point").
    it("refuses an ECDSA host key with a character mistyped inside its point", () => {
        const [type, data] = publicLine("ec").split(" ");
        const at = data.length - 20; // inside the point's coordinates, past the type and curve names
        const typo = `${type} ${data.slice(0, at)}${data[at] === "A" ? "B" : "A"}${data.slice(at + 1)}`;
        rejects(withKey(typo), "honeydue:hostKeys.ubuntu-8gb-nbg1-1 (got ecdsa-sha2-nistp256 ", /: the ecdsa-sha2-nistp256 key data is cut short or damaged \(a truncated or mistyped paste\); expected the whole key as ssh-keyscan prints it$/);
    });
    // pulumi-command parses the pin with Go's ssh.ParseAuthorizedKey (infra/k3s/connection.ts),
    // whose base64.StdEncoding refuses data without its padding: the handshake would fail mid-`up`.
    it("refuses an ECDSA host key that lost its base64 padding", () => {
        const [type, data] = publicLine("ec").split(" ");
        rejects(withKey(`${type} ${data.replace(/=$/, "")}`), "honeydue:hostKeys.ubuntu-8gb-nbg1-1 (got ecdsa-sha2-nistp256 ", /: the ecdsa-sha2-nistp256 key data is cut short or damaged \(a truncated or mistyped paste\); expected the whole key as ssh-keyscan prints it$/);
    });
});
