// What is wrong with the data of an OpenSSH public key line (`<type> <base64 blob> [comment]`):
// the operator's keys (infra.ts) and the nodes' host keys (hostKeys.ts) are both pasted, and a
// paste cut short or taken from the wrong file is caught here, at load, rather than by Hetzner's
// API or by a failed handshake in the middle of `pulumi up`.
import { createPublicKey } from "node:crypto";
import sshpk from "sshpk";

/**
 * The key type an OpenSSH public key's data names: the blob starts with a length-prefixed type
 * string (RFC 4253 §6.6), so `ssh-rsa AAAA` or an ed25519 blob under `ssh-rsa` is caught here.
 */
export function keyBlobType(line: string): string | undefined {
    const blob = Buffer.from(line.split(" ")[1] ?? "", "base64");
    if (blob.length < 4) return undefined;
    const n = blob.readUInt32BE(0);
    return n > 0 && 4 + n <= blob.length ? blob.subarray(4, 4 + n).toString("latin1") : undefined;
}

/**
 * Why the data of `<type> <blob>` is not a whole key of that type, or undefined. The type name is
 * checked first (its own message names the type the line claims); then the key material. sshpk
 * 1.18.0 reads the parts the type has and throws when the data ends first (lib/ssh-buffer.js
 * `readBuffer`: "data truncated?"), but it keeps a key with bytes past its end: lib/formats/ssh.js
 * `read` reads partially when the line has no comment, and falls back to a partial read when the
 * whole read fails. So the blob must also be the key written back, character for character: Node's
 * base64 decoder takes data without its `=` padding or with a stray character past its end, but
 * OpenSSH refuses both (OpenSSH 9.2p1 `ssh-keygen -l`: "is not a public key file"), and so does
 * the command provider's host-key pin (golang.org/x/crypto ssh/keys.go `parseAuthorizedKey`, read
 * at v0.58.0: base64.StdEncoding.Decode, "illegal base64 data"). Every key ssh-keygen and
 * ssh-keyscan write is its data written back. An ed25519 key not 32 octets long (RFC 8709 §4)
 * fails the same way: lib/formats/rfc4253.js `read` zero-pads its part to 32 octets
 * (lib/utils.js `zeroPadToLength`, which throws on a longer part), so it is written back longer.
 */
export function keyDataProblem(type: string, blob: string, whole: string): string | undefined {
    if (keyBlobType(`${type} ${blob}`) !== type) return `the key data is not an ${type} key (a truncated or mixed-up paste); expected ${whole}`;
    const damaged = `the ${type} key data is cut short or damaged (a truncated or mistyped paste); expected ${whole}`;
    let key: sshpk.Key;
    try {
        key = sshpk.parseKey(`${type} ${blob}`, "ssh");
    } catch {
        return damaged;
    }
    if (key.toBuffer("rfc4253").toString("base64") !== blob) return damaged;
    // An ECDSA point off its curve (a character mistyped, say from the console): sshpk does not
    // check the point, but OpenSSH refuses the key and so does the host-key pin (golang.org/x/crypto
    // ssh/keys.go `parseECDSA`: "ssh: invalid curve point"); Node's key import checks it too.
    try {
        createPublicKey(key.toString("pkcs8"));
    } catch {
        return damaged;
    }
    return undefined;
}
