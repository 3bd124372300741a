// The workloads layer off Flexible (SSL strict, README "The origin"): what Traefik gets to serve the
// Origin CA certificate and require Cloudflare's client certificate, and the per-node check that
// it does before the zone moves to strict. The configuration is edge-rotation.test.ts's first run
// (tests/support/strictSwitch.ts, so in one process the run is shared); that file checks the edge
// side (the certificates, AOP, the ssl setting's order).
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { Registration } from "../offline/capture";
import { dependsOn, ofType, one, plainText, unwrap } from "../offline/query";
import { type Estate } from "../offline/run";
import { runStrictSwitch } from "./support/strictSwitch";
import { withPayload } from "../infra/k3s/scripts";
import { certFingerprint } from "../workloads/originReady";

const T = {
    secret: "kubernetes:core/v1:Secret",
    store: "kubernetes:traefik.io/v1alpha1:TLSStore",
    option: "kubernetes:traefik.io/v1alpha1:TLSOption",
    helmChart: "kubernetes:helm.cattle.io/v1:HelmChart",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    command: "command:remote:Command",
    server: "hcloud:index/server:Server",
};
const nodeNames = ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"];

type Obj = Record<string, any>;
let estate: Estate;
before(async () => {
    estate = await runStrictSwitch();
});

const get = (type: string, name: string) => one(estate.resources, type, name);
const metadata = (r: Registration) => unwrap(r.inputs.metadata) as Obj;
const apps = () => ofType(estate.resources, "honeydue:workloads:Apps")[0];
const provider = /\$pulumi:providers:kubernetes::honeydue-k8s::/;
/** The served certificate, as the Secret Traefik reads holds it. */
const served = () => (unwrap(get(T.secret, "honeydue-origin-cert").inputs.stringData) as Obj)["tls.crt"] as string;

// A real certificate (openssl req -x509 -newkey ec P-256, CN origin.test), for the fingerprint.
const realPem = `-----BEGIN CERTIFICATE-----
MIIBgzCCASmgAwIBAgIUTKKxZB7JM9Vvb3FXiuLcw1+x0dIwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLb3JpZ2luLnRlc3QwIBcNMjYxMTMwMDYwOTQ1WhgPMjEyNjEx
MDYwNjA5NDVaMBYxFDASBgNVBAMMC29yaWdpbi50ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAE0GiGjAOEN+bNgDXWP26W5KEg+cHYAMo+DD7zbdYOtseP9WKw
tQVBCpWkcHCqZQpe9udBevw5trzwbK1x1xCyYqNTMFEwHQYDVR0OBBYEFMiRkIEU
wDwRtMHqXi/d8qezehP5MB8GA1UdIwQYMBaAFMiRkIEUwDwRtMHqXi/d8qezehP5
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAMXGEodQHPetoGPx
ex3emgDoJvlHqosupK9XtEUpbZEpAiAW+y1XLF5oCMnSh7/+AKuo8feyojp8s7eU
hEhC7JJvjQ==
-----END CERTIFICATE-----
`;

describe("origin TLS: the certificate's fingerprint the nodes compare", () => {
    // origin-ready.sh compares `openssl x509 -fingerprint -sha256` of what 443 serves, colons
    // dropped and lower-cased, with this value; Node's X509Certificate (OpenSSL's parser) is the oracle.
    const opensslFingerprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "").toLowerCase();

    it("is the SHA-256 of the certificate's DER, in lower-case hex, as openssl prints it", () => {
        assert.equal(opensslFingerprint(realPem), "4ca88480a87a55afa41797a54b8ffae4635296c29e198d6df193b7f5962e1e58");
        assert.equal(certFingerprint(realPem), opensslFingerprint(realPem));
    });

    it("reads the certificate however its lines are wrapped or ended, and only the first of a chain", () => {
        const body = realPem.split("\n").slice(1, -2).join("");
        const oneLine = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
        assert.equal(certFingerprint(oneLine), opensslFingerprint(realPem));
        assert.equal(certFingerprint(realPem.replace(/\n/g, "\r\n")), opensslFingerprint(realPem));
        const other = `-----BEGIN CERTIFICATE-----\n${Buffer.from("another certificate").toString("base64")}\n-----END CERTIFICATE-----\n`;
        assert.equal(certFingerprint(realPem + other), opensslFingerprint(realPem), "the leaf, not the chain");
    });

    it("stops `up` with a message an operator can act on when what Cloudflare returned is not a PEM certificate", () => {
        for (const bad of ["", "not a certificate", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", realPem.replace("-----END CERTIFICATE-----", "")]) {
            assert.throws(
                () => certFingerprint(bad),
                (e: Error) => pulumi.RunError.isInstance(e) && e.message === "the Origin CA certificate is not a PEM certificate",
                JSON.stringify(bad),
            );
        }
    });
});

describe("origin TLS: the Secrets Traefik reads", () => {
    it("holds the Origin CA certificate and its key as a kubernetes.io/tls Secret in honeydue, the key only ever secret", () => {
        const s = get(T.secret, "honeydue-origin-cert");
        assert.deepEqual(metadata(s), { name: "honeydue-origin-cert", namespace: "honeydue", labels: { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } });
        assert.equal(s.inputs.type, "kubernetes.io/tls");
        const data = unwrap(s.inputs.stringData) as Obj;
        assert.deepEqual(Object.keys(data).sort(), ["tls.crt", "tls.key"], "the two keys the API server requires of kubernetes.io/tls");
        const cert = ofType(estate.resources, "cloudflare:index/originCaCertificate:OriginCaCertificate")[0];
        assert.equal(data["tls.crt"], unwrap(cert.state.certificate), "the certificate Cloudflare issued");
        assert.match(data["tls.key"], /^-----BEGIN (EC )?PRIVATE KEY-----/);
        assert.ok(!plainText(estate.resources).includes(data["tls.key"]), "the key never appears in plain text");
    });

    it("holds the origin-pull CA under ca.crt (a key Traefik reads client CAs from) in an Opaque Secret beside it", () => {
        const s = get(T.secret, "honeydue-origin-pull-ca");
        assert.deepEqual(metadata(s), { name: "honeydue-origin-pull-ca", namespace: "honeydue", labels: { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } });
        assert.equal(s.inputs.type, "Opaque");
        const ca = ofType(estate.resources, "tls:index/selfSignedCert:SelfSignedCert").find((c) => c.name.endsWith("origin-pull-ca"))!;
        assert.deepEqual(unwrap(s.inputs.stringData), { "ca.crt": unwrap(ca.state.certPem) });
    });

    it("are children of the workloads component, through the cluster's provider, and exist before Traefik's chart", () => {
        const chart = get(T.helmChart, "honeydue-traefik");
        for (const name of ["honeydue-origin-cert", "honeydue-origin-pull-ca"]) {
            const s = get(T.secret, name);
            assert.equal(s.parent, apps().urn, name);
            assert.match(s.provider, provider, name);
            assert.ok(dependsOn(chart, s, estate.resources), `the chart waits for ${name}`);
        }
    });
});

describe("origin TLS: Traefik's default TLSStore and TLSOption", () => {
    const objects = () => [get(T.store, "honeydue-origin-tls-store"), get(T.option, "honeydue-origin-tls-option")];

    it("serve the origin certificate by default and require a client certificate from the origin-pull CA, TLS 1.2 at least", () => {
        const [store, option] = objects();
        assert.deepEqual([store.inputs.apiVersion, store.inputs.kind], ["traefik.io/v1alpha1", "TLSStore"]);
        assert.deepEqual([option.inputs.apiVersion, option.inputs.kind], ["traefik.io/v1alpha1", "TLSOption"]);
        assert.deepEqual(unwrap(store.inputs.spec), { defaultCertificate: { secretName: metadata(get(T.secret, "honeydue-origin-cert")).name } });
        assert.deepEqual(unwrap(option.inputs.spec), {
            minVersion: "VersionTLS12",
            clientAuth: { secretNames: [metadata(get(T.secret, "honeydue-origin-pull-ca")).name], clientAuthType: "RequireAndVerifyClientCert" },
        });
    });

    it("are named default in honeydue (Traefik's defaults, in the namespace it watches), after the Secrets and every node's Traefik", () => {
        for (const crd of objects()) {
            assert.deepEqual(metadata(crd), { name: "default", namespace: "honeydue", labels: { "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" } }, crd.name);
            assert.equal(crd.parent, apps().urn, crd.name);
            assert.match(crd.provider, provider, crd.name);
            for (const secret of ["honeydue-origin-cert", "honeydue-origin-pull-ca"]) assert.ok(dependsOn(crd, get(T.secret, secret), estate.resources), `${crd.name} after ${secret}`);
            // Their CRDs come with the chart, installed by the time the node's wait passes.
            for (const node of nodeNames) assert.ok(dependsOn(crd, get(T.command, `${node}-traefik-ready`), estate.resources), `${crd.name} after ${node}'s Traefik`);
        }
    });
});

describe("origin TLS: Traefik and the routes", () => {
    it("makes websecure TLS (with the default store and option), leaving web plain and every other value as on Flexible", () => {
        const values = parse(String((unwrap(get(T.helmChart, "honeydue-traefik").inputs.spec) as Obj).valuesContent)) as Obj;
        assert.deepEqual(values.ports.websecure.tls, { enabled: true });
        assert.equal(values.ports.web.tls, undefined);
        assert.equal(values.ports.websecure.port, 443);
        assert.equal(values.ports.web.port, 80);
        assert.deepEqual(values.ports.websecure.forwardedHeaders, values.ports.web.forwardedHeaders);
        assert.deepEqual(values.ports.traefik, { hostIP: "127.0.0.1" });
        assert.equal(values.deployment.kind, "DaemonSet");
        assert.equal(values.hostNetwork, true);
    });

    it("routes every hostname on both entry points", () => {
        const ingresses = ofType(estate.resources, T.ingress);
        assert.equal(ingresses.length, 3);
        for (const i of ingresses) assert.equal(metadata(i).annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web,websecure", i.name);
    });
});

describe("origin TLS: each node's check before the zone moves to strict", () => {
    const check = (node: string) => get(T.command, `${node}-origin-ready`);
    const traefikGeneration = () => (unwrap(get(T.command, `${nodeNames[0]}-traefik-ready`).inputs.triggers) as unknown[])[0];
    /** What the node must find on its 443, from the certificate the Secret carries (the mock's is not DER: hash its body). */
    const expectedFingerprint = () => createHash("sha256").update(Buffer.from(served().replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64")).digest("hex");

    it("runs origin-ready.sh on every node (all three, in rotation or not), bounded, for the served certificate's fingerprint", () => {
        assert.deepEqual(ofType(estate.resources, T.command).filter((c) => c.name.endsWith("-origin-ready")).map((c) => c.name).sort(), nodeNames.map((n) => `${n}-origin-ready`));
        for (const node of nodeNames) {
            const c = check(node);
            // Any routed hostname answers with the default certificate: the first by name, whatever the routes' order.
            assert.match(String(unwrap(c.inputs.create)), new RegExp(`^(sudo -n )?timeout -k 30 \\d+ bash -s -- --node ${node} --host admin\\.myhoneydue\\.com --fingerprint ${expectedFingerprint()} \\|\\| `));
            assert.equal(c.inputs.stdin, withPayload("origin-ready"));
            assert.equal(c.inputs.addPreviousOutputInEnv, false, "sshd refuses the Setenv otherwise (as tests/k3s.test.ts checks for the cluster's commands)");
        }
    });

    it("runs again when the certificate, Traefik's generation or the node's server changes, and only then", () => {
        for (const node of nodeNames) {
            const triggers = unwrap(check(node).inputs.triggers) as unknown[];
            assert.deepEqual(triggers, [expectedFingerprint(), traefikGeneration(), get(T.server, node).id], node);
        }
    });

    it("waits for the TLS objects, goes with its node's server, and gives the script room to time out itself", () => {
        for (const node of nodeNames) {
            const c = check(node);
            assert.equal(c.parent, apps().urn);
            for (const crd of [get(T.store, "honeydue-origin-tls-store"), get(T.option, "honeydue-origin-tls-option")]) assert.ok(dependsOn(c, crd, estate.resources), `${node} after ${crd.name}`);
            assert.match(String(c.deletedWith), new RegExp(`::${node}$`));
            assert.equal(c.customTimeouts?.create, "10m");
            assert.equal(c.customTimeouts?.update, "10m");
        }
    });
});
