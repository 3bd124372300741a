// The edge with another configuration (a second process, since mocks are process-global): IPv6 off,
// node 3 out of rotation, a DNS-only API hostname, a pinned zone id and the strict SSL mode.
// SSL strict (README, "The origin") as the first `up` of the switch from Flexible (the zone still on
// Flexible, offline/mocks-edge.ts zoneNow): the origin certificate from our own CSR, its key only
// ever secret; Authenticated Origin Pulls with our own client certificate; Traefik serving the
// certificate on websecure and requiring the client certificate; `ssl` changing only after every
// node's Traefik and the pulls are ready; HSTS; port 80 kept open for this `up` and closed by the
// decision the next `up` takes.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { firewallRules } from "../infra/hetzner/firewall";
import { keepPort80, sslToSet } from "../infra/cloudflare/zone";
import { pullCertificatesNow, zoneNow } from "../offline/mocks-edge";
import { evaluate } from "../offline/policies";
import type { Registration } from "../offline/capture";
import { dependsOn, dependsTransitively, ofType, one, plainText, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { pinnedZoneId, runStrictSwitch } from "./support/strictSwitch";

const R = "cloudflare:index/dnsRecord:DnsRecord";
const serving = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2"];

let estate: Estate;
let records: Registration[];
before(async () => {
    estate = await runStrictSwitch();
    records = ofType(estate.resources, R);
});

const nodeOf = (r: Registration) => /; node (\S+)$/.exec(String(r.inputs.comment))?.[1];
const byHost = (host: string) => records.filter((r) => r.inputs.name === host);

describe("edge: another configuration", () => {
    it("publishes no AAAA record when ipv6 is off", () => {
        assert.ok(records.length > 0);
        assert.deepEqual(records.filter((r) => r.inputs.type !== "A").map((r) => r.name), []);
    });

    it("gives the servers no public IPv6 address when ipv6 is off", () => {
        const servers = ofType(estate.resources, "hcloud:index/server:Server");
        assert.equal(servers.length, 3);
        for (const s of servers) assert.deepEqual(s.inputs.publicNets, [{ ipv4Enabled: true, ipv6Enabled: false }], s.name);
    });

    it("withdraws every record of a node out of rotation, and only that node's", () => {
        for (const host of ["api.myhoneydue.com", "admin.myhoneydue.com", "myhoneydue.com", "k8s.myhoneydue.com"]) {
            assert.deepEqual(byHost(host).map(nodeOf).sort(), serving, host);
        }
        assert.ok(!records.some((r) => nodeOf(r) === "ubuntu-8gb-nbg1-3"));
        assert.equal(ofType(estate.resources, "hcloud:index/server:Server").length, 3, "the server itself stays");
    });

    it("gives the API hostname DNS-only A records with a short TTL, to the nodes' real addresses", () => {
        const api = byHost("k8s.myhoneydue.com");
        assert.equal(api.length, 2);
        for (const r of api) {
            assert.equal(r.inputs.type, "A");
            assert.equal(r.inputs.proxied, false);
            assert.equal(r.inputs.ttl, 60);
        }
        assert.deepEqual(api.map((r) => r.inputs.content).sort(), ["203.0.113.11", "203.0.113.12"]);
        for (const r of records.filter((x) => x.inputs.name !== "k8s.myhoneydue.com")) assert.equal(r.inputs.proxied, true, r.name);
    });

    it("uses a configured zone id without looking the zone up", () => {
        assert.deepEqual(estate.invokes.filter((i) => i.token === "cloudflare:index/getZone:getZone"), []);
        for (const r of [...records, ...ofType(estate.resources, "cloudflare:index/zoneSetting:ZoneSetting")]) assert.equal(r.inputs.zoneId, pinnedZoneId, r.name);
    });

    it("sets the configured SSL mode and minimum TLS version", () => {
        const settings = ofType(estate.resources, "cloudflare:index/zoneSetting:ZoneSetting");
        const values = Object.fromEntries(settings.map((s) => [s.inputs.settingId, s.inputs.value]));
        // Off Flexible HSTS comes too (tests/edge-origin.test.ts checks its value).
        assert.deepEqual(Object.keys(values).sort(), ["always_use_https", "min_tls_version", "security_header", "ssl"]);
        assert.deepEqual([values.ssl, values.always_use_https, values.min_tls_version], ["strict", "on", "1.3"]);
    });

    it("points the operator's kubeconfig and the apiEndpoint output at the API hostname, not node 1's address", () => {
        assert.equal(estate.outputs.apiEndpoint, "k8s.myhoneydue.com");
        const kubeconfig = estate.outputs.kubeconfig;
        assert.ok(isSecret(kubeconfig));
        assert.equal((parse(String(unwrap(kubeconfig))) as { clusters: { cluster: { server: string } }[] }).clusters[0].cluster.server, "https://k8s.myhoneydue.com:6443");
    });

    it("reports the withdrawn node and the DNS-only name in the dns output", () => {
        const dns = estate.outputs.dns as { zoneId: string; outOfRotation: string[]; records: Record<string, { proxied: boolean; ttl: number; nodes: string[]; a: string[]; aaaa: string[] }> };
        assert.equal(dns.zoneId, pinnedZoneId);
        assert.deepEqual(dns.outOfRotation, ["ubuntu-8gb-nbg1-3"]);
        assert.deepEqual(dns.records["k8s.myhoneydue.com"], { proxied: false, ttl: 60, nodes: serving, a: ["203.0.113.11", "203.0.113.12"], aaaa: [] });
        assert.deepEqual(dns.records["myhoneydue.com"], { proxied: true, ttl: 1, nodes: serving, a: ["203.0.113.11", "203.0.113.12"], aaaa: [] });
        // Every setting as text, HSTS's object as JSON (its keys in the order the engine's Struct keeps).
        const { security_header: hsts, ...settings } = (estate.outputs.dns as { settings: Record<string, string> }).settings;
        assert.deepEqual(settings, { ssl: "strict", always_use_https: "on", min_tls_version: "1.3" });
        assert.equal(typeof hsts, "string");
        assert.deepEqual(JSON.parse(hsts), { strict_transport_security: { enabled: true, max_age: 15552000, include_subdomains: false, preload: false, nosniff: true } });
    });
});

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
const originHosts = ["admin.myhoneydue.com", "api.myhoneydue.com", "myhoneydue.com"];
const allNodes = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];

const get = (type: string, name: string) => one(estate.resources, type, name);
const setting = (id: string) => ofType(estate.resources, T.setting).find((s) => s.inputs.settingId === id)!;
const isSecret = (v: unknown) => typeof v === "object" && v !== null && "secret" in v;

describe("origin: the certificate Traefik serves", () => {
    it("is Cloudflare's Origin CA certificate for every routed hostname, from a CSR of the program's own ECDSA key", () => {
        const key = get(T.key, "myhoneydue.com-origin-key");
        assert.deepEqual({ algorithm: key.inputs.algorithm, curve: key.inputs.ecdsaCurve }, { algorithm: "ECDSA", curve: "P256" });
        const csr = get(T.csr, "myhoneydue.com-origin-csr");
        assert.deepEqual(unwrap(csr.inputs.dnsNames), originHosts);
        assert.deepEqual(csr.propertyDependencies.privateKeyPem, [key.urn], "the CSR is signed with the origin key");
        const cert = get(T.originCert, "myhoneydue.com-origin-cert");
        assert.deepEqual(cert.inputs.hostnames, originHosts);
        assert.equal(cert.inputs.requestType, "origin-ecc");
        assert.equal(cert.inputs.requestedValidity, 5475);
        assert.deepEqual(cert.propertyDependencies.csr, [csr.urn]);
    });

    it("reaches honeydue (the only namespace Traefik reads Secrets in) as a kubernetes.io/tls Secret whose key is secret, and the chart waits for it", () => {
        const tlsSecret = get(T.secret, "honeydue-origin-cert");
        const meta = unwrap(tlsSecret.inputs.metadata) as Record<string, string>;
        assert.deepEqual([meta.name, meta.namespace, tlsSecret.inputs.type], ["honeydue-origin-cert", "honeydue", "kubernetes.io/tls"]);
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
        assert.deepEqual(values.ports.websecure.tls, { enabled: true });
        assert.equal(values.ports.web.tls, undefined, "web stays plain (the firewall keeps Cloudflare off it)");
        // Not the chart's tlsOptions/tlsStore: it renders them in kube-system, which Traefik does not watch.
        assert.equal(values.tlsOptions, undefined);
        assert.equal(values.tlsStore, undefined);
        const watched = values.providers.kubernetesCRD.namespaces as string[];
        const store = get("kubernetes:traefik.io/v1alpha1:TLSStore", "honeydue-origin-tls-store");
        const option = get("kubernetes:traefik.io/v1alpha1:TLSOption", "honeydue-origin-tls-option");
        for (const crd of [store, option]) {
            const meta = unwrap(crd.inputs.metadata) as Record<string, string>;
            // Named default: Traefik's default store and option (crd/kubernetes.go buildTLSStores/buildTLSOptions).
            assert.equal(meta.name, "default", crd.name);
            assert.ok(watched.includes(meta.namespace), `${crd.name} is in a namespace Traefik watches (${meta.namespace})`);
            for (const node of allNodes) assert.ok(dependsOn(crd, get(T.command, `${node}-traefik-ready`), estate.resources), `${crd.name} waits for ${node}'s Traefik (the CRDs come with the chart)`);
        }
        assert.deepEqual(unwrap(store.inputs.spec), { defaultCertificate: { secretName: "honeydue-origin-cert" } });
        assert.deepEqual(unwrap(option.inputs.spec), { minVersion: "VersionTLS12", clientAuth: { secretNames: ["honeydue-origin-pull-ca"], clientAuthType: "RequireAndVerifyClientCert" } });
        // The client CA under a key Traefik reads: `tls.ca` or `ca.crt`; any other key leaves the option
        // without a CA and every TLS router on websecure fails (traefik v3.5.3 crd/kubernetes.go getCABlocks).
        const pullCa = unwrap(get(T.secret, "honeydue-origin-pull-ca").inputs.stringData) as Record<string, string>;
        assert.deepEqual(Object.keys(pullCa), ["ca.crt"]);
        assert.match(pullCa["ca.crt"], /^-----BEGIN CERTIFICATE-----/);
        for (const name of ["honeydue-origin-cert", "honeydue-origin-pull-ca"]) {
            const meta = unwrap(get(T.secret, name).inputs.metadata) as Record<string, string>;
            assert.equal(meta.namespace, (unwrap(store.inputs.metadata) as Record<string, string>).namespace, `${name} is in the store's and option's namespace (Traefik reads it from there)`);
        }
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
        assert.deepEqual(caSecret.propertyDependencies.stringData, [ca.urn], "Traefik trusts exactly that CA");
    });

    // The tls provider's default curve is P224 (@pulumi/tls privateKey.d.ts, ecdsaCurve), which no TLS
    // stack signs with: Go's crypto/tls (Traefik) refuses it (auth.go signatureSchemesForCertificate,
    // unsupportedCertificateError "tls: unsupported certificate curve").
    it("makes every origin key on P-256: the served certificate's, the origin-pull CA's and the client certificate's", () => {
        for (const name of ["myhoneydue.com-origin-key", "myhoneydue.com-origin-pull-ca-key", "myhoneydue.com-origin-pull-key"]) {
            const key = get(T.key, name);
            assert.deepEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"], name);
        }
        assert.deepEqual(get(T.selfSigned, "myhoneydue.com-origin-pull-ca").propertyDependencies.privateKeyPem, [get(T.key, "myhoneydue.com-origin-pull-ca-key").urn]);
        assert.deepEqual(get(T.csr, "myhoneydue.com-origin-pull-csr").propertyDependencies.privateKeyPem, [get(T.key, "myhoneydue.com-origin-pull-key").urn]);
    });

    it("names the zone and honeyDue in each certificate request and in the CA, so a certificate seen in Cloudflare or openssl says whose it is", () => {
        assert.deepEqual(unwrap(get(T.csr, "myhoneydue.com-origin-csr").inputs.subject), { commonName: "myhoneydue.com", organization: "honeyDue" });
        assert.deepEqual(unwrap(get(T.selfSigned, "myhoneydue.com-origin-pull-ca").inputs.subject), { commonName: "origin-pull CA for myhoneydue.com", organization: "honeyDue" });
        assert.deepEqual(unwrap(get(T.csr, "myhoneydue.com-origin-pull-csr").inputs.subject), { commonName: "origin-pull.myhoneydue.com", organization: "honeyDue" });
    });

    // The tls provider makes a new certificate only on an `up` after the old one expired (@pulumi/tls
    // selfSignedCert.d.ts, "Automatic Renewal"; earlyRenewalHours is unset): from the day the client
    // certificate or its CA expires until that `up`, Traefik refuses Cloudflare on 443 and every name
    // answers 525, so both are made to last far beyond any planned rotation.
    it("makes the origin-pull CA a signing CA (certificates and CRLs) and both it and the client certificate last ten years", () => {
        const ca = get(T.selfSigned, "myhoneydue.com-origin-pull-ca");
        assert.deepEqual(unwrap(ca.inputs.allowedUses), ["cert_signing", "crl_signing", "digital_signature"]);
        for (const cert of [ca, get(T.signed, "myhoneydue.com-origin-pull-client")]) assert.equal(cert.inputs.validityPeriodHours, 10 * 365 * 24, cert.name);
    });

    it("turns AOP on for the zone after the upload", () => {
        const pulls = get(T.pulls, "myhoneydue.com-origin-pulls");
        assert.equal(pulls.inputs.enabled, true);
        assert.ok(dependsOn(pulls, get(T.pullCert, "myhoneydue.com-origin-pull"), estate.resources));
    });
});

describe("origin: the order that keeps the site up", () => {
    it("asks every hostname through Cloudflare after the zone moved to strict, so an edge that cannot reach the origin fails the update", () => {
        assert.ok(dependsOn(get("command:local:Command", "honeydue-smoke-edge"), setting("ssl"), estate.resources), "the edge smoke check waits for the ssl setting");
    });

    it("moves the zone to strict only after every node's own 443 serves the Origin CA certificate and refuses a client without ours", () => {
        const ssl = setting("ssl");
        const served = (unwrap(get(T.secret, "honeydue-origin-cert").inputs.stringData) as Record<string, string>)["tls.crt"];
        // The fingerprint openssl prints for the certificate Cloudflare will verify (SHA-256 over its DER).
        const der = Buffer.from(served.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
        const fingerprint = createHash("sha256").update(der).digest("hex");
        for (const node of allNodes) {
            const check = get(T.command, `${node}-origin-ready`);
            const create = String(unwrap(check.inputs.create));
            assert.match(create, new RegExp(`bash -s -- --node ${node} --host [a-z.]+ --fingerprint ${fingerprint}( |$)`), create);
            assert.match(String(unwrap(check.inputs.stdin)), /^#!\/usr\/bin\/env bash\n# Waits, on one server, until Traefik serves the origin's TLS/, "runs infra/scripts/origin-ready.sh");
            assert.ok(dependsOn(ssl, check, estate.resources), `ssl waits for ${node}'s check`);
            for (const crd of ["TLSStore:honeydue-origin-tls-store", "TLSOption:honeydue-origin-tls-option"]) {
                const [kind, name] = crd.split(":");
                assert.ok(dependsOn(check, get(`kubernetes:traefik.io/v1alpha1:${kind}`, name), estate.resources), `${node}'s check after the ${kind}`);
            }
            assert.ok(dependsTransitively(check, get(T.command, `${node}-traefik-ready`), estate.resources));
        }
    });

    it("moves the zone to strict only after AOP is on and every node's Traefik serves the new generation", () => {
        const ssl = setting("ssl");
        assert.equal(ssl.inputs.value, "strict");
        assert.ok(dependsOn(ssl, get(T.pulls, "myhoneydue.com-origin-pulls"), estate.resources), "ssl waits for the origin pulls");
        for (const node of allNodes) assert.ok(dependsOn(ssl, get(T.command, `${node}-traefik-ready`), estate.resources), `ssl waits for ${node}'s Traefik`);
        assert.ok(dependsTransitively(ssl, get(T.secret, "honeydue-origin-cert"), estate.resources));
        assert.ok(dependsOn(ssl, get("kubernetes:traefik.io/v1alpha1:TLSOption", "honeydue-origin-tls-option"), estate.resources), "ssl waits for the client-certificate check");
        assert.ok(dependsOn(ssl, get("kubernetes:traefik.io/v1alpha1:TLSStore", "honeydue-origin-tls-store"), estate.resources), "ssl waits for the served certificate");
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
        // As README "Policy pack" says for a DNS-only apiHostname: listed in dnsOnlyNames.
        const report = await evaluate(estate.resources, { config: { "cloudflare-record-proxied": { dnsOnlyNames: ["k8s.myhoneydue.com"] } } });
        assert.deepEqual(report.mandatory.map((v) => v.message), []);
        const status = Object.fromEntries(report.verdicts.map((v) => [v.policy, v.status]));
        assert.equal(status["cloudflare-origin-strict"], "passed");
        assert.equal(status["k8s-namespace"], "passed", "the two kube-system Secrets are listed system objects");
    });
});

describe("origin: the zone leaves Flexible only once Cloudflare has deployed our origin-pull certificate", () => {
    it("decides from the zone's current mode and the deployment, never moving a zone back to Flexible by itself", () => {
        assert.equal(sslToSet("strict", "flexible", false), "flexible", "the run that uploads the certificate keeps Flexible");
        assert.equal(sslToSet("strict", "flexible", true), "strict", "the run after it switches");
        assert.equal(sslToSet("strict", "strict", false), "strict", "a zone already strict stays strict (its port 80 may be closed)");
        assert.equal(sslToSet("strict", "full", false), "strict", "full to strict needs no new deployment");
        assert.equal(sslToSet("full", "flexible", false), "flexible");
        assert.equal(sslToSet("flexible", "strict", false), "flexible", "going back to Flexible is the operator's explicit choice");
    });

    it("keeps ssl on Flexible in the run where the zone lists no deployed certificate, and says to run up again", async () => {
        // A configuration no other test of this process runs (runEstate shares runs by configuration),
        // with the zone as it is before the upload: on Flexible, no origin-pull certificate listed.
        const before = { ssl: zoneNow.ssl, results: pullCertificatesNow.results };
        zoneNow.ssl = "flexible";
        pullCertificatesNow.results = [{ status: "pending_deployment" }];
        let pending: Estate;
        try {
            pending = await runEstate({ overrides: { "honeydue:sslMode": "strict", "honeydue:zoneId": pinnedZoneId, "honeydue:minTlsVersion": "1.3", "honeydue:smokeThroughEdge": false } });
        } finally {
            zoneNow.ssl = before.ssl;
            pullCertificatesNow.results = before.results;
        }
        const ssl = pending.resources.find((r) => r.type === T.setting && r.inputs.settingId === "ssl");
        assert.equal(ssl?.inputs.value, "flexible");
        const listed = pending.invokes.filter((i) => i.token === "cloudflare:index/getAuthenticatedOriginPullsCertificates:getAuthenticatedOriginPullsCertificates");
        assert.deepEqual(listed.map((i) => (i.inputs as { zoneId: string }).zoneId), [pinnedZoneId], "the zone's list is read once");
        // Everything else of strict is built in that run: the certificates, AOP, Traefik's TLS.
        assert.ok(pending.resources.some((r) => r.type === T.pulls));
        assert.ok(pending.resources.some((r) => r.type === "kubernetes:traefik.io/v1alpha1:TLSOption"));
    });

    it("after the switch (the zone already strict): port 80 closes, and ssl stays strict even while no certificate is listed", async () => {
        const before = { ssl: zoneNow.ssl, results: pullCertificatesNow.results };
        zoneNow.ssl = "strict";
        pullCertificatesNow.results = [];
        let after: Estate;
        try {
            // Another configuration no other test of this process runs (runEstate shares runs by configuration).
            after = await runEstate({ overrides: { "honeydue:sslMode": "strict", "honeydue:zoneId": pinnedZoneId, "honeydue:minTlsVersion": "1.3", "honeydue:smokeThroughEdge": false, "honeydue:ipv6": "false" } });
        } finally {
            zoneNow.ssl = before.ssl;
            pullCertificatesNow.results = before.results;
        }
        const rules = unwrap(one(after.resources, T.firewall, "honeydue-firewall").inputs.rules) as { port?: string }[];
        assert.ok(!rules.some((r) => r.port === "80"), "honeydue:originPort80 auto closes 80 once the zone uses HTTPS only");
        assert.ok(rules.some((r) => r.port === "443"));
        const ssl = after.resources.find((r) => r.type === T.setting && r.inputs.settingId === "ssl");
        assert.equal(ssl?.inputs.value, "strict", "never moved back to Flexible by the gate: port 80 is closed");
    });
});
