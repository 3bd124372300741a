// Simulated tls certificates (pulumi-tls 5.6.1, bridging hashicorp/terraform-provider-tls): CertRequest,
// SelfSignedCert and LocallySignedCert, for the origin's certificate and the origin-pull client
// certificate (README, "The origin"). Merged into the tls provider beside PrivateKey (tls.ts:
// `kinds = { ...privateKeyKinds, ...certKinds }`).
//
// Replacement rules (internal/provider/resource_cert_request.go, resource_self_signed_cert.go,
// resource_locally_signed_cert.go, each `Schema`): every argument carries RequiresReplace (the
// PEM inputs requireReplaceIfStateContainsPEMString), so any change replaces; there is no update.
// Computed defaults: is_ca_certificate false, early_renewal_hours 0, set_subject_key_id false
// (and set_authority_key_id false on SelfSignedCert).
//
// Nothing is really signed: node:crypto builds no X.509. A "certificate" here is PEM armour around
// the JSON of what it certifies (subject, names, issuer, key, validity), so a scenario can read
// which CA issued what; only the rehearsal's simulated clouds consume it, never a TLS stack.
import { createHash, createPublicKey } from "node:crypto";
import { type Kind } from "./table";
import { CloudError, type Props } from "./values";

const file = { csr: "resource_cert_request.go", self: "resource_self_signed_cert.go", local: "resource_locally_signed_cert.go" };
const replaces = (f: string, attrs: Record<string, string>) =>
    Object.fromEntries(Object.entries(attrs).map(([k, attr]) => [k, `terraform-provider-tls internal/provider/${f} Schema: ${attr} RequiresReplace`]));

/** A fixed instant: the simulation is deterministic. */
const start = "2026-01-01T00:00:00Z";

/** allowed_uses values the provider accepts (common_cert.go supportedKeyUsagesStr, a subset of it). */
const keyUsages = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement", "cert_signing", "crl_signing",
    "encipher_only", "decipher_only", "any_extended", "server_auth", "client_auth", "code_signing", "email_protection", "ipsec_end_system",
    "ipsec_tunnel", "ipsec_user", "timestamping", "ocsp_signing", "microsoft_server_gated_crypto", "netscape_server_gated_crypto"];

const armour = (label: string, body: Props) => `-----BEGIN ${label}-----\n${Buffer.from(JSON.stringify(body)).toString("base64")}\n-----END ${label}-----\n`;

/** The JSON inside a simulated PEM block of `label`; a real or foreign PEM is refused, naming what was expected. */
export function unarmour(label: string, pem: unknown): Props {
    const m = new RegExp(`-----BEGIN ${label}-----\\n([A-Za-z0-9+/=\\n]+)\\n-----END ${label}-----`).exec(String(pem));
    if (!m) throw new CloudError(`expected a PEM ${label}`);
    try {
        return JSON.parse(Buffer.from(m[1].replace(/\n/g, ""), "base64").toString("utf8")) as Props;
    } catch {
        throw new CloudError(`the ${label} is not one the simulated tls provider made`);
    }
}

/** The public key of a private key PEM (a real key: the PrivateKey simulation makes real ones), and its algorithm. */
function publicOf(privateKeyPem: unknown): { publicKeyPem: string; algorithm: string } {
    try {
        const pub = createPublicKey(String(privateKeyPem));
        const algorithm = pub.asymmetricKeyType === "ec" ? "ECDSA" : pub.asymmetricKeyType === "rsa" ? "RSA" : "ED25519";
        return { publicKeyPem: String(pub.export({ format: "pem", type: "spki" })), algorithm };
    } catch (e) {
        throw new CloudError(`private_key_pem: failed to parse the key (${(e as Error).message})`);
    }
}

const usageCheck = (p: Props) =>
    ((p.allowedUses as string[] | undefined) ?? []).filter((u) => !keyUsages.includes(u)).map((u) => ({ property: "allowedUses", reason: `${u} is not a supported key usage` }));

const idOf = (...parts: unknown[]) => BigInt(`0x${createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 30)}`).toString();

function validity(p: Props): Props {
    const end = new Date(Date.parse(start) + Number(p.validityPeriodHours) * 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    return { validityStartTime: start, validityEndTime: end, readyForRenewal: false };
}

const csrArgs = ["privateKeyPem", "dnsNames", "ipAddresses", "uris", "subject"];
const certRequest: Kind = {
    table: "certRequests",
    inputs: csrArgs,
    replaces: replaces(file.csr, { privateKeyPem: "private_key_pem", dnsNames: "dns_names", ipAddresses: "ip_addresses", uris: "uris", subject: "subject" }),
    readable: csrArgs,
    create: (_c, p, n) => {
        const { publicKeyPem, algorithm } = publicOf(p.privateKeyPem);
        const body = { subject: p.subject ?? {}, dnsNames: p.dnsNames ?? [], ipAddresses: p.ipAddresses ?? [], uris: p.uris ?? [], publicKeyPem };
        return { id: idOf("csr", n), record: { ...p, keyAlgorithm: algorithm, certRequestPem: armour("CERTIFICATE REQUEST", body) } };
    },
};

const certDefaults = { isCaCertificate: false, earlyRenewalHours: 0, setSubjectKeyId: false };

const selfArgs = ["privateKeyPem", "validityPeriodHours", "allowedUses", "dnsNames", "ipAddresses", "uris", "earlyRenewalHours", "isCaCertificate", "maxPathLength", "setSubjectKeyId", "setAuthorityKeyId", "subject"];
const selfSignedCert: Kind = {
    table: "selfSignedCerts",
    inputs: selfArgs,
    replaces: replaces(file.self, {
        privateKeyPem: "private_key_pem", validityPeriodHours: "validity_period_hours", allowedUses: "allowed_uses", dnsNames: "dns_names", ipAddresses: "ip_addresses",
        uris: "uris", isCaCertificate: "is_ca_certificate", maxPathLength: "max_path_length", setSubjectKeyId: "set_subject_key_id", setAuthorityKeyId: "set_authority_key_id", subject: "subject",
    }),
    readable: selfArgs,
    defaults: { ...certDefaults, setAuthorityKeyId: false },
    check: usageCheck,
    create: (_c, p, n) => {
        const { publicKeyPem, algorithm } = publicOf(p.privateKeyPem);
        const serial = idOf("self", n);
        const body = { serial, subject: p.subject ?? {}, issuer: p.subject ?? {}, dnsNames: p.dnsNames ?? [], isCa: p.isCaCertificate, allowedUses: p.allowedUses, publicKeyPem, ...validity(p) };
        return { id: serial, record: { ...p, keyAlgorithm: algorithm, certPem: armour("CERTIFICATE", body), ...validity(p) } };
    },
};

const localArgs = ["certRequestPem", "caCertPem", "caPrivateKeyPem", "validityPeriodHours", "allowedUses", "earlyRenewalHours", "isCaCertificate", "maxPathLength", "setSubjectKeyId"];
const locallySignedCert: Kind = {
    table: "locallySignedCerts",
    inputs: localArgs,
    replaces: replaces(file.local, {
        certRequestPem: "cert_request_pem", caCertPem: "ca_cert_pem", caPrivateKeyPem: "ca_private_key_pem", validityPeriodHours: "validity_period_hours",
        allowedUses: "allowed_uses", isCaCertificate: "is_ca_certificate", maxPathLength: "max_path_length", setSubjectKeyId: "set_subject_key_id",
    }),
    readable: localArgs,
    defaults: certDefaults,
    check: usageCheck,
    create: (_c, p, n) => {
        const request = unarmour("CERTIFICATE REQUEST", p.certRequestPem);
        const ca = unarmour("CERTIFICATE", p.caCertPem);
        // The provider refuses a CA key that is not the CA certificate's (resource_locally_signed_cert.go Create: x509.CreateCertificate fails).
        const { publicKeyPem, algorithm } = publicOf(p.caPrivateKeyPem);
        if (publicKeyPem !== ca.publicKeyPem) throw new CloudError("ca_private_key_pem does not belong to ca_cert_pem (x509: provided PrivateKey doesn't match parent's PublicKey)");
        const serial = idOf("local", n);
        const body = { serial, subject: request.subject, issuer: ca.subject, issuerSerial: ca.serial, dnsNames: request.dnsNames, isCa: p.isCaCertificate, allowedUses: p.allowedUses, publicKeyPem: request.publicKeyPem, ...validity(p) };
        return { id: serial, record: { ...p, caKeyAlgorithm: algorithm, certPem: armour("CERTIFICATE", body), ...validity(p) } };
    },
};

export const certKinds: Record<string, Kind> = {
    "tls:index/certRequest:CertRequest": certRequest,
    "tls:index/selfSignedCert:SelfSignedCert": selfSignedCert,
    "tls:index/locallySignedCert:LocallySignedCert": locallySignedCert,
};
