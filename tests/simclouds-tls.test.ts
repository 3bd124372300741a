// The rehearsal's simulated tls provider (rehearsal/providers/src/tls.ts), called in process as
// the engine calls it: check → create, diff. Real keys: each is read back by OpenSSH's own tools.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { privateKeyOutputs, provider as tls } from "../rehearsal/providers/src/tls";

const state = mkdtempSync(join(tmpdir(), "simclouds-tls-"));
const T = "tls:index/privateKey:PrivateKey";
const urn = (name: string) => `urn:pulumi:rehearsal::honeydue::honeydue:infra:Nodes$${T}::${name}`;

async function make(name: string, news: Record<string, unknown>) {
    const { inputs, failures } = await tls.check!(urn(name), {}, news);
    assert.deepEqual(failures, []);
    return { inputs, ...(await tls.create!(urn(name), inputs)) };
}

/** What ssh-keygen derives from a private key file: OpenSSH itself reads the simulated key. */
function sshPublicOf(privateKey: string): string {
    const file = join(state, "key");
    writeFileSync(file, privateKey, { mode: 0o600 });
    return execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
}

before(() => {
    process.env.REHEARSAL_STATE = state;
    mkdirSync(join(state, "clouds"), { recursive: true });
});
after(() => rmSync(state, { recursive: true, force: true }));

describe("simulated tls PrivateKey", () => {
    it("makes an ED25519 key in the real provider's formats and output names", async () => {
        const { id, outs } = await make("node-1-host-key", { algorithm: "ED25519" });
        assert.match(String(outs.publicKeyOpenssh), /^ssh-ed25519 [A-Za-z0-9+/]+=*\n$/, "ssh.MarshalAuthorizedKey: type, base64, newline, no comment");
        assert.equal(sshPublicOf(String(outs.privateKeyOpenssh)), String(outs.publicKeyOpenssh).trim());
        // pem.EncodeToMemory: 64 base64 characters a line.
        assert.ok(String(outs.privateKeyOpenssh).split("\n").slice(1, -2).every((l) => l.length <= 64), String(outs.privateKeyOpenssh));
        assert.match(String(outs.privateKeyPem), /^-----BEGIN PRIVATE KEY-----\n/, "ED25519's private_key_pem is PKCS#8");
        assert.equal(outs.privateKeyPemPkcs8, outs.privateKeyPem);
        assert.match(String(outs.publicKeyPem), /^-----BEGIN PUBLIC KEY-----\n/);
        const fingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", "-"], { input: String(outs.publicKeyOpenssh), encoding: "utf8" }).split(" ")[1];
        assert.equal(outs.publicKeyFingerprintSha256, fingerprint);
        const md5 = execFileSync("ssh-keygen", ["-l", "-E", "md5", "-f", "-"], { input: String(outs.publicKeyOpenssh), encoding: "utf8" }).split(" ")[1];
        assert.equal(`MD5:${String(outs.publicKeyFingerprintMd5)}`, md5);
        assert.match(id, /^[0-9a-f]{40}$/, "hashForState: hex SHA-1 of the public key");
        // The state keeps what the provider computed, and the table keys by the id.
        const cloud = JSON.parse(readFileSync(join(state, "clouds", "tls.json"), "utf8"));
        assert.equal(cloud.tables.privateKeys[id].publicKeyOpenssh, outs.publicKeyOpenssh);
    });

    it("makes RSA keys of the asked size (PKCS#1 PEM) and ECDSA keys; P224 has no OpenSSH form", async () => {
        // 1024 bits: another size than the default, and quick to generate (3072 took a second).
        const rsa = (await make("rsa", { algorithm: "RSA", rsaBits: 1024 })).outs;
        assert.match(String(rsa.privateKeyPem), /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.equal(createPrivateKey(String(rsa.privateKeyPem)).asymmetricKeyDetails?.modulusLength, 1024);
        assert.equal(sshPublicOf(String(rsa.privateKeyOpenssh)), String(rsa.publicKeyOpenssh).trim());
        const ec = (await make("ec", { algorithm: "ECDSA", ecdsaCurve: "P384" })).outs;
        assert.match(String(ec.privateKeyPem), /^-----BEGIN EC PRIVATE KEY-----\n/);
        assert.match(String(ec.publicKeyOpenssh), /^ecdsa-sha2-nistp384 /);
        const p224 = (await make("p224", { algorithm: "ECDSA" })).outs;
        assert.equal(p224.ecdsaCurve, "P224", "ecdsa_curve defaults to P224");
        assert.equal(p224.publicKeyOpenssh, "");
        assert.equal(p224.privateKeyOpenssh, "");
        assert.equal(createPublicKey(String(p224.publicKeyPem)).asymmetricKeyDetails?.namedCurve, "secp224r1");
        const defaults = (await make("rsa-default", { algorithm: "RSA" })).outs;
        assert.equal(createPrivateKey(String(defaults.privateKeyPem)).asymmetricKeyDetails?.modulusLength, 2048, "rsa_bits defaults to 2048");
    });

    it("gives every key its own material; a seed (the offline mocks) gives the same bytes every time", async () => {
        const a = (await make("a", { algorithm: "ED25519" })).outs;
        const b = (await make("b", { algorithm: "ED25519" })).outs;
        assert.notEqual(a.publicKeyOpenssh, b.publicKeyOpenssh);
        const seed = Buffer.alloc(32, 7);
        const [x, y] = [privateKeyOutputs({ algorithm: "ED25519" }, seed), privateKeyOutputs({ algorithm: "ED25519" }, seed)];
        assert.equal(x.privateKeyOpenssh, y.privateKeyOpenssh, "the OpenSSH format's random check integer is drawn from the seed");
        assert.equal(sshPublicOf(String(x.privateKeyOpenssh)), String(x.publicKeyOpenssh).trim());
    });

    it("refuses an unknown algorithm at check, and replaces on any argument change (RequiresReplace)", async () => {
        const { failures } = await tls.check!(urn("x"), {}, { algorithm: "DSA" });
        assert.equal(failures?.[0]?.property, "algorithm");
        const { inputs, id, outs } = await make("y", { algorithm: "ED25519" });
        const same = await tls.diff!(id, urn("y"), outs, inputs);
        assert.equal(same.changes, false);
        const next = (await tls.check!(urn("y"), inputs, { algorithm: "RSA" })).inputs;
        assert.deepEqual((await tls.diff!(id, urn("y"), outs, next)).replaces, ["algorithm"]);
    });
});
