// The rehearsal's simulated tls certificates (rehearsal/providers/src/tls-certs.ts), called as the
// engine calls a provider: check → create, diff for replacement. Keys are real (node:crypto), as
// the simulated PrivateKey makes them; certificates are the simulation's JSON-in-PEM.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { certKinds, unarmour } from "../rehearsal/providers/src/tls-certs";
import { tableProvider } from "../rehearsal/providers/src/table";

const state = mkdtempSync(join(tmpdir(), "simtls-"));
// Its own cloud file name: merged into the tls provider, the kinds share tls.json with PrivateKey.
const tls = tableProvider({ name: "tls-certs", version: "5.6.1", kinds: certKinds });
const urn = (type: string, name: string) => `urn:pulumi:rehearsal::honeydue::${type}::${name}`;
const T = { csr: "tls:index/certRequest:CertRequest", self: "tls:index/selfSignedCert:SelfSignedCert", local: "tls:index/locallySignedCert:LocallySignedCert" };
const keyPem = () => String(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ format: "pem", type: "sec1" }));

async function up(type: string, name: string, news: Record<string, unknown>) {
    const { inputs, failures } = await tls.check!(urn(type, name), {}, news);
    assert.deepEqual(failures, []);
    return { inputs, ...(await tls.create!(urn(type, name), inputs)) };
}

before(() => (process.env.REHEARSAL_STATE = state));
after(() => rmSync(state, { recursive: true, force: true }));

describe("simulated tls certificates", () => {
    const caKey = keyPem();
    const clientKey = keyPem();
    const caArgs = { privateKeyPem: caKey, subject: { commonName: "origin-pull CA" }, isCaCertificate: true, allowedUses: ["cert_signing"], validityPeriodHours: 87600 };

    it("a CSR carries its names and the key's public half; any change replaces it", async () => {
        const csr = await up(T.csr, "csr", { privateKeyPem: clientKey, subject: { commonName: "origin-pull.myhoneydue.com" }, dnsNames: ["a.myhoneydue.com"] });
        assert.equal(csr.outs.keyAlgorithm, "ECDSA");
        const body = unarmour("CERTIFICATE REQUEST", csr.outs.certRequestPem);
        assert.deepEqual(body.dnsNames, ["a.myhoneydue.com"]);
        assert.match(String(body.publicKeyPem), /^-----BEGIN PUBLIC KEY-----/);
        const diff = await tls.diff!(csr.id, urn(T.csr, "csr"), csr.outs, { ...csr.inputs, dnsNames: ["b.myhoneydue.com"] });
        assert.deepEqual(diff.replaces, ["dnsNames"]);
        await assert.rejects(up(T.csr, "bad", { privateKeyPem: "not a key" }), /private_key_pem: failed to parse the key/);
    });

    it("a self-signed CA and a certificate it signs for a CSR: issuer, validity, defaults", async () => {
        const ca = await up(T.self, "ca", caArgs);
        assert.deepEqual([ca.outs.earlyRenewalHours, ca.outs.setAuthorityKeyId, ca.outs.validityEndTime], [0, false, "2035-12-30T00:00:00Z"]);
        const csr = await up(T.csr, "client-csr", { privateKeyPem: clientKey, subject: { commonName: "origin-pull.myhoneydue.com" } });
        const client = await up(T.local, "client", { certRequestPem: csr.outs.certRequestPem, caCertPem: ca.outs.certPem, caPrivateKeyPem: caKey, allowedUses: ["client_auth"], validityPeriodHours: 24 });
        const body = unarmour("CERTIFICATE", client.outs.certPem);
        assert.deepEqual([body.subject, body.issuer, body.isCa], [{ commonName: "origin-pull.myhoneydue.com" }, { commonName: "origin-pull CA" }, false]);
        assert.equal(body.issuerSerial, ca.id);
        const diff = await tls.diff!(client.id, urn(T.local, "client"), client.outs, { ...client.inputs, allowedUses: ["server_auth"] });
        assert.deepEqual(diff.replaces, ["allowedUses"]);
    });

    it("refuses a CA key that is not the CA certificate's, and an unknown key usage", async () => {
        const ca = await up(T.self, "ca2", caArgs);
        const csr = await up(T.csr, "csr2", { privateKeyPem: clientKey });
        await assert.rejects(
            up(T.local, "wrong", { certRequestPem: csr.outs.certRequestPem, caCertPem: ca.outs.certPem, caPrivateKeyPem: clientKey, allowedUses: ["client_auth"], validityPeriodHours: 24 }),
            /does not belong to ca_cert_pem/,
        );
        const { failures } = await tls.check!(urn(T.self, "x"), {}, { ...caArgs, allowedUses: ["world_domination"] });
        assert.deepEqual(failures?.map((f) => f.reason), ["world_domination is not a supported key usage"]);
    });
});
