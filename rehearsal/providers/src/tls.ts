// Simulated tls (pulumi-tls 5.6.1, bridging hashicorp/terraform-provider-tls): PrivateKey, with
// real keys from node:crypto, in the formats and under the output names the real provider gives
// (internal/provider/resource_private_key.go `Create`, common_key.go `setPublicKeyAttributes`).
// Every argument carries RequiresReplace (privateKeyResourceSchemaV1: algorithm, rsa_bits,
// ecdsa_curve), so any change replaces the key; there is nothing to update. Each resource type
// has its own Kind and function, so certificate types slot in beside PrivateKey.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import sshpk from "sshpk";
import { type Kind, tableProvider } from "./table";
import { CloudError, type Props } from "./values";

export const version = "5.6.1";

const src = (attr: string) => `terraform-provider-tls internal/provider/resource_private_key.go privateKeyResourceSchemaV1: ${attr} RequiresReplace`;

/** internal/provider/types.go: the algorithms and curves the provider accepts. */
const algorithms = ["RSA", "ECDSA", "ED25519"];
const curves: Record<string, string> = { P224: "secp224r1", P256: "prime256v1", P384: "secp384r1", P521: "secp521r1" };

/** DER prefix of a PKCS#8 ed25519 private key (RFC 8410): a fixed 32-byte seed gives a fixed key (the offline mocks). */
const ed25519Pkcs8Prefix = Buffer.from("302e020100300506032b657004220420", "hex");

function generate(p: Props, seed?: Buffer): KeyObject {
    switch (p.algorithm) {
        case "RSA":
            return generateKeyPairSync("rsa", { modulusLength: Number(p.rsaBits) }).privateKey;
        case "ECDSA":
            return generateKeyPairSync("ec", { namedCurve: curves[String(p.ecdsaCurve)] }).privateKey;
        default:
            return seed
                ? createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, seed.subarray(0, 32)]), format: "der", type: "pkcs8" })
                : generateKeyPairSync("ed25519").privateKey;
    }
}

/** hashForState (internal/provider/common.go): hex SHA-1 of the value with surrounding white space trimmed. */
function hashForState(value: Buffer): string {
    let [start, end] = [0, value.length];
    const space = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
    while (start < end && space(value[start])) start++;
    while (end > start && space(value[end - 1])) end--;
    return createHash("sha1").update(value.subarray(start, end)).digest("hex");
}

/**
 * The OpenSSH private key as the real provider writes it: pem.EncodeToMemory of
 * ssh.MarshalPrivateKey's block, 64 base64 characters a line (sshpk writes 70). The format starts
 * its private section with a random "check" integer written twice (OpenSSH PROTOCOL.key;
 * MarshalPrivateKey and sshpk both draw it at random); with a seed (the offline mocks) it is drawn
 * from the seed, so two runs are byte-identical.
 */
function opensshPem(pem: string, seed?: Buffer): string {
    const body = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    if (seed) setCheck(body, seed);
    const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
    return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

function setCheck(body: Buffer, seed: Buffer): void {
    let at = "openssh-key-v1\0".length;
    const skipString = () => (at += 4 + body.readUInt32BE(at));
    skipString(); // cipher name ("none")
    skipString(); // kdf name
    skipString(); // kdf options
    at += 4; // number of keys (1)
    skipString(); // public key
    at += 4; // length of the private section
    const check = createHash("sha256").update(seed).update("check").digest().subarray(0, 4);
    check.copy(body, at);
    check.copy(body, at + 4);
}

/**
 * A PrivateKey's outputs. private_key_pem: PKCS#1 for RSA, SEC 1 for ECDSA, PKCS#8 for ED25519;
 * private_key_openssh: ssh.MarshalPrivateKey with an empty comment, empty for P224 (x/crypto/ssh
 * has no P-224: prvKeySupportsOpenSSHMarshalling), as are the OpenSSH public key and fingerprints;
 * public_key_openssh: ssh.MarshalAuthorizedKey, "<type> <base64>\n"; fingerprints:
 * ssh.FingerprintLegacyMD5 ("aa:bb:…") and ssh.FingerprintSHA256 ("SHA256:…", unpadded); the id
 * is hashForState of the PKIX DER public key.
 */
export function privateKeyOutputs(p: Props, seed?: Buffer): Props {
    const key = generate(p, seed);
    const pub = createPublicKey(key);
    const pem = (k: KeyObject, type: "pkcs1" | "sec1" | "pkcs8") => String(k.export({ format: "pem", type } as never));
    const privateKeyPem = pem(key, p.algorithm === "RSA" ? "pkcs1" : p.algorithm === "ECDSA" ? "sec1" : "pkcs8");
    const privateKeyPemPkcs8 = pem(key, "pkcs8");
    const der = pub.export({ format: "der", type: "spki" });
    const openssh = !(p.algorithm === "ECDSA" && p.ecdsaCurve === "P224");
    let ssh = { privateKeyOpenssh: "", publicKeyOpenssh: "", publicKeyFingerprintMd5: "", publicKeyFingerprintSha256: "" };
    if (openssh) {
        const k = sshpk.parsePrivateKey(privateKeyPemPkcs8, "pem");
        k.comment = "";
        const publicKey = k.toPublic();
        const line = publicKey.toString("ssh").trim().split(" ").slice(0, 2).join(" ");
        ssh = {
            privateKeyOpenssh: opensshPem(k.toString("ssh"), seed),
            publicKeyOpenssh: `${line}\n`,
            publicKeyFingerprintMd5: publicKey.fingerprint("md5").toString("hex"),
            publicKeyFingerprintSha256: publicKey.fingerprint("sha256").toString("base64"),
        };
    }
    return {
        ...p,
        privateKeyPem,
        privateKeyPemPkcs8,
        publicKeyPem: String(pub.export({ format: "pem", type: "spki" })),
        ...ssh,
        id: hashForState(der),
    };
}

const privateKeyArgs = ["algorithm", "rsaBits", "ecdsaCurve"];

const privateKey: Kind = {
    table: "privateKeys",
    inputs: privateKeyArgs,
    replaces: { algorithm: src("algorithm"), rsaBits: src("rsa_bits"), ecdsaCurve: src("ecdsa_curve") },
    readable: privateKeyArgs,
    // rsa_bits defaults to 2048 and ecdsa_curve to P224 whatever the algorithm (int64default / stringdefault).
    defaults: { rsaBits: 2048, ecdsaCurve: "P224" },
    check: (p) => [
        ...(algorithms.includes(String(p.algorithm)) ? [] : [{ property: "algorithm", reason: `value must be one of: ${algorithms.map((a) => `"${a}"`).join(", ")}, got: "${String(p.algorithm)}"` }]),
        ...(String(p.ecdsaCurve) in curves ? [] : [{ property: "ecdsaCurve", reason: `value must be one of: ${Object.keys(curves).map((c) => `"${c}"`).join(", ")}` }]),
    ],
    create: (_c, p) => {
        const record = privateKeyOutputs(p);
        if (!record.id) throw new CloudError("no public key");
        return { id: String(record.id), record };
    },
};

// Certificate types (CertRequest, SelfSignedCert, …) go beside this one, each in its own Kind.
export const kinds: Record<string, Kind> = { "tls:index/privateKey:PrivateKey": privateKey };

export const provider = tableProvider({ name: "tls", version, kinds });
