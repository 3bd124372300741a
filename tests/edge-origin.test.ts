// SSL strict under mocks (README, "The origin"): the first `up` of the switch from Flexible (the
// zone still on Flexible, offline/mocks-edge.ts zoneNow). The origin certificate from our own CSR,
// its key only ever secret; Authenticated Origin Pulls with our own client certificate; Traefik
// serving the certificate on websecure and requiring the client certificate; `ssl` changing only
// after every node's Traefik and the pulls are ready; HSTS; port 80 kept open for this `up` and
// closed by the decision the next `up` takes.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import type { Registration } from "../offline/capture";
import { zoneNow } from "../offline/mocks-edge";
import { dependsOn, dependsTransitively, ofType, one, plainText, unwrap } from "../offline/query";
import { evaluate } from "../offline/policies";
import { runEstate, type Estate } from "../offline/run";
import { keepPort80 } from "../infra/cloudflare/zone";
import { firewallRules } from "../infra/hetzner/firewall";

const T = {
    key: "tls:index/privateKey:PrivateKey",
    csr: "tls:index/certRequest:CertRequest",
    selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
    signed: "tls:index/locallySignedCert:LocallySignedCert",
    originCert: "cloudflare:index/originCaCertificate:OriginCaCertificate",
    pullCert: "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
    pulls: "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
    setting: "cloudflare:index/zoneSetting:ZoneSetting",
    secret: "kubernetes:core/v1:Secret",
    helmChart: "kubernetes:helm.cattle.io/v1:HelmChart",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    command: "command:remote:Command",
    firewall: "hcloud:index/firewall:Firewall",
};
const hosts = ["admin.myhoneydue.com", "api.myhoneydue.com", "myhoneydue.com"];
const nodeNames = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];

let estate: Estate;
const get = (type: string, name: string) => one(estate.resources, type, name);
const setting = (id: string) => ofType(estate.resources, T.setting).find((s) => s.inputs.settingId === id)!;
const isSecret = (v: unknown) => typeof v === "object" && v !== null && "secret" in v;

before(async () => {
    zoneNow.ssl = "flexible";
    estate = await runEstate({ overrides: { "honeydue:sslMode": "strict" } });
});

describe("origin: the certificate Traefik serves", () => {
    it("is Cloudflare's Origin CA certificate for every routed hostname, from a CSR of the program's own ECDSA key", () => {
        const key = get(T.key, "myhoneydue.com-origin-key");
        assert.deepEqual({ algorithm: key.inputs.algorithm, curve: key.inputs.ecdsaCurve }, { algorithm: "ECDSA", curve: "P256" });
        const csr = get(T.csr, "myhoneydue.com-origin-csr");
        assert.deepEqual(unwrap(csr.inputs.dnsNames), hosts);
        assert.deepEqual(csr.propertyDependencies.privateKeyPem, [key.urn], "the CSR is signed with the origin key");
        const cert = get(T.originCert, "myhoneydue.com-origin-cert");
        assert.deepEqual(cert.inputs.hostnames, hosts);
        assert.equal(cert.inputs.requestType, "origin-ecc");
        assert.equal(cert.inputs.requestedValidity, 5475);
        assert.deepEqual(cert.propertyDependencies.csr, [csr.urn]);
    });

    it("reaches kube-system as a kubernetes.io/tls Secret whose key is secret, and the chart waits for it", () => {
        const tlsSecret = get(T.secret, "honeydue-origin-cert");
        const meta = unwrap(tlsSecret.inputs.metadata) as Record<string, string>;
        assert.deepEqual([meta.name, meta.namespace, tlsSecret.inputs.type], ["honeydue-origin-cert", "kube-system", "kubernetes.io/tls"]);
        // The SDK wraps all of stringData in a secret (pulumi-kubernetes core/v1/secret.js: pulumi.secret(args.stringData)).
        assert.ok(isSecret(tlsSecret.inputs.stringData), "stringData is a secret");
        const data = unwrap(tlsSecret.inputs.stringData) as Record<string, string>;
        assert.match(data["tls.crt"], /^-----BEGIN CERTIFICATE-----/);
        assert.match(data["tls.key"], /^-----BEGIN (EC )?PRIVATE KEY-----/);
        assert.ok(!plainText(estate.resources).includes(data["tls.key"]), "the key never appears in plain text");
        assert.ok(!plainText(estate.outputs).includes(data["tls.key"]), "nor in an output");
        const chart = get(T.helmChart, "honeydue-traefik");
        assert.ok(dependsOn(chart, tlsSecret, estate.resources), "the chart waits for the certificate");
        assert.ok(dependsOn(chart, get(T.secret, "honeydue-origin-pull-ca"), estate.resources), "the chart waits for the client CA");
    });

    it("is served by Traefik on websecure, which requires a client certificate from our origin-pull CA", () => {
        const values = parse(String(unwrap((unwrap(get(T.helmChart, "honeydue-traefik").inputs.spec) as Record<string, unknown>).valuesContent))) as Record<string, any>;
        assert.deepEqual(values.ports.websecure.tls, { enabled: true, options: "kube-system-honeydue-origin-pulls@kubernetescrd" });
        assert.equal(values.ports.web.tls, undefined, "web stays plain (the firewall keeps Cloudflare off it)");
        assert.deepEqual(values.tlsOptions, {
            "honeydue-origin-pulls": { minVersion: "VersionTLS12", clientAuth: { secretNames: ["honeydue-origin-pull-ca"], clientAuthType: "RequireAndVerifyClientCert" } },
        });
        assert.deepEqual(values.tlsStore, { default: { defaultCertificate: { secretName: "honeydue-origin-cert" } } });
    });

    it("routes every hostname on web and websecure", () => {
        const ingresses = ofType(estate.resources, T.ingress);
        assert.equal(ingresses.length, 3);
        for (const i of ingresses) assert.equal((unwrap(i.inputs.metadata) as any).annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web,websecure", i.name);
    });
});

describe("origin: Authenticated Origin Pulls", () => {
    it("uploads a client certificate of our own CA to this zone, its key secret", () => {
        const ca = get(T.selfSigned, "myhoneydue.com-origin-pull-ca");
        assert.equal(ca.inputs.isCaCertificate, true);
        const client = get(T.signed, "myhoneydue.com-origin-pull-client");
        assert.deepEqual(unwrap(client.inputs.allowedUses), ["digital_signature", "client_auth"]);
        assert.deepEqual(client.propertyDependencies.caCertPem, [ca.urn]);
        const upload = get(T.pullCert, "myhoneydue.com-origin-pull");
        assert.equal(unwrap(upload.inputs.zoneId), estate.outputs.dns && (estate.outputs.dns as { zoneId: string }).zoneId);
        assert.deepEqual(upload.propertyDependencies.certificate, [client.urn]);
        assert.ok(isSecret(upload.inputs.privateKey), "the client key is a secret input");
        const caSecret = get(T.secret, "honeydue-origin-pull-ca");
        assert.deepEqual(Object.values(caSecret.propertyDependencies).flat(), [ca.urn], "Traefik trusts exactly that CA");
    });

    it("turns AOP on for the zone after the upload", () => {
        const pulls = get(T.pulls, "myhoneydue.com-origin-pulls");
        assert.equal(pulls.inputs.enabled, true);
        assert.ok(dependsOn(pulls, get(T.pullCert, "myhoneydue.com-origin-pull"), estate.resources));
    });
});

describe("origin: the order that keeps the site up", () => {
    it("moves the zone to strict only after AOP is on and every node's Traefik serves the new generation", () => {
        const ssl = setting("ssl");
        assert.equal(ssl.inputs.value, "strict");
        assert.ok(dependsOn(ssl, get(T.pulls, "myhoneydue.com-origin-pulls"), estate.resources), "ssl waits for the origin pulls");
        for (const node of nodeNames) assert.ok(dependsOn(ssl, get(T.command, `${node}-traefik-ready`), estate.resources), `ssl waits for ${node}'s Traefik`);
        assert.ok(dependsTransitively(ssl, get(T.secret, "honeydue-origin-cert"), estate.resources));
        for (const other of ofType(estate.resources, T.setting).filter((s) => s !== ssl)) assert.deepEqual(other.dependencies, [], `${other.name} waits for nothing`);
    });

    it("keeps port 80 open while the zone is still on Flexible (this up), and closes it from the up after", () => {
        const rules = unwrap(get(T.firewall, "honeydue-firewall").inputs.rules) as { port?: string }[];
        assert.ok(rules.some((r) => r.port === "80"), "open during the switch");
        assert.equal(keepPort80({ sslMode: "strict", originPort80: "auto" }, "flexible"), true);
        assert.equal(keepPort80({ sslMode: "strict", originPort80: "auto" }, "strict"), false);
        assert.equal(keepPort80({ sslMode: "full", originPort80: "auto" }, "full"), false);
        assert.equal(keepPort80({ sslMode: "flexible", originPort80: "auto" }, "strict"), true, "going back to Flexible opens 80 before the zone moves");
        assert.equal(keepPort80({ sslMode: "strict", originPort80: "open" }, "strict"), true);
        assert.equal(keepPort80({ sslMode: "strict", originPort80: "closed" }, "flexible"), false);
        const edge = { ipv4: ["173.245.48.0/20"], ipv6: ["2400:cb00::/32"] };
        assert.deepEqual(firewallRules(edge, ["198.51.100.7/32"], false).map((r) => r.port ?? r.protocol), ["443", "22", "6443", "icmp"]);
        assert.deepEqual(firewallRules(edge, ["198.51.100.7/32"], true).map((r) => r.port ?? r.protocol), ["80", "443", "22", "6443", "icmp"]);
    });

    it("reads the zone's current ssl mode once, by the zone's id", () => {
        const reads = estate.invokes.filter((i) => i.token === "cloudflare:index/getZoneSetting:getZoneSetting");
        assert.deepEqual(reads.map((r) => (r.inputs as { settingId: string }).settingId), ["ssl"]);
        assert.equal(estate.invokes.filter((i) => i.token === "cloudflare:index/getZone:getZone").length, 1, "the zone is looked up once");
    });
});

describe("origin: HSTS at the edge", () => {
    it("sets the security_header setting with HSTS on, half a year, without subdomains or preload", () => {
        assert.deepEqual(setting("security_header").inputs.value, {
            strict_transport_security: { enabled: true, max_age: 15552000, include_subdomains: false, preload: false, nosniff: true },
        });
        assert.equal(setting("always_use_https").inputs.value, "on");
    });
});

describe("origin: components", () => {
    it("puts the certificates and AOP in one honeydue:edge:Origin component, and registers each URN once", () => {
        const origin = estate.resources.filter((r) => r.type === "honeydue:edge:Origin");
        assert.equal(origin.length, 1);
        const children = estate.resources.filter((r: Registration) => r.parent === origin[0].urn).map((r) => r.type).sort();
        assert.deepEqual(children, [T.pullCert, T.pulls, T.originCert, T.csr, T.csr, T.signed, T.key, T.key, T.key, T.selfSigned].sort());
        assert.deepEqual(estate.duplicates, []);
    });
});

describe("origin: the policy pack", () => {
    it("passes the strict estate with no mandatory violation, and no longer warns about the SSL mode", async () => {
        const report = await evaluate(estate.resources, {});
        assert.deepEqual(report.mandatory.map((v) => v.message), []);
        const status = Object.fromEntries(report.verdicts.map((v) => [v.policy, v.status]));
        assert.equal(status["cloudflare-origin-strict"], "passed");
        assert.equal(status["k8s-namespace"], "passed", "the two kube-system Secrets are listed system objects");
    });
});
