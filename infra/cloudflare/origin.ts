// The origin's own TLS, off SSL Flexible (README, "The origin"): a Cloudflare Origin CA certificate
// for the routed hostnames, issued from a CSR the program makes (the key never leaves the program
// and the cluster), and per-zone Authenticated Origin Pulls with a client certificate of our own,
// so Traefik lets in only what Cloudflare sends for THIS zone, not any Cloudflare customer's traffic.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/**
 * The Origin CA certificate's lifetime in days: Cloudflare's default and longest (5475, 15 years;
 * terraform-provider-cloudflare internal/services/origin_ca_certificate/schema.go, requested_validity
 * Default). A shorter one means replacing it by hand (a change of any argument replaces it: same file,
 * csr/hostnames/request_type RequiresReplace), and only Cloudflare trusts this CA, so a leak is
 * contained by revoking it in the dashboard, not by its expiry.
 */
export const originCertDays = 5475;
/** The origin-pull client CA and certificate: 10 years (the tls provider renews nothing by itself). */
const pullCertHours = 10 * 365 * 24;

export interface OriginTls {
    /** The certificate Traefik serves on 443 (PEM) and its key (secret PEM). */
    certificate: pulumi.Output<string>;
    privateKey: pulumi.Output<string>;
    /** The CA that signed the client certificate Cloudflare presents: what Traefik verifies against (PEM). */
    pullCa: pulumi.Output<string>;
}

export class Origin extends pulumi.ComponentResource {
    readonly tls: OriginTls;
    readonly certificate: cloudflare.OriginCaCertificate;
    readonly pullCertificate: cloudflare.AuthenticatedOriginPullsCertificate;
    /** Zone-level Authenticated Origin Pulls, on: Cloudflare presents the client certificate on every origin connection. */
    readonly pulls: cloudflare.AuthenticatedOriginPullsSettings;
    /**
     * Whether Cloudflare has a deployed zone-level origin-pull certificate: this zone's list holds
     * one `active`. An upload starts as `pending_deployment` and becomes `active` minutes later
     * (status values: terraform-provider-cloudflare internal/services/
     * authenticated_origin_pulls_certificate/schema.go), and the resource's Create does not wait for
     * it. Until then Cloudflare presents no certificate, or another, and Traefik refuses it: the zone
     * must not leave Flexible before (zone.ts sslToSet). The list, not our certificate by id, so the
     * answer is known in a preview too (the id is not until the upload): the run that uploads reads
     * it empty and keeps Flexible; a data source is read again on every run (pulumi/pulumi
     * pkg/resource/deploy/source_eval.go, resmon.Invoke), so a later run sees it active. The zone's
     * origin-pull certificates are the program's own: it uploads the only one.
     */
    readonly pullsActive: pulumi.Output<boolean>;

    constructor(name: string, args: { zone: string; zoneId: pulumi.Input<string>; hostnames: string[] }, opts?: pulumi.ComponentResourceOptions) {
        super("honeydue:edge:Origin", name, {}, opts);
        const child = { parent: this };
        const { zone, zoneId } = args;

        // The served certificate: our key, our CSR, Cloudflare's signature (origin-ecc: ECDSA P-256).
        const key = new tls.PrivateKey(`${zone}-origin-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const hostnames = [...args.hostnames].sort();
        const csr = new tls.CertRequest(
            `${zone}-origin-csr`,
            { privateKeyPem: key.privateKeyPem, subject: { commonName: zone, organization: "honeyDue" }, dnsNames: hostnames },
            child,
        );
        this.certificate = new cloudflare.OriginCaCertificate(
            `${zone}-origin-cert`,
            { csr: csr.certRequestPem, hostnames, requestType: "origin-ecc", requestedValidity: originCertDays },
            child,
        );

        // The client side of Authenticated Origin Pulls: our CA, and a client certificate it signs,
        // uploaded to this zone only (per-zone AOP, not Cloudflare's shared certificate that every
        // customer's zone presents).
        const caKey = new tls.PrivateKey(`${zone}-origin-pull-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const ca = new tls.SelfSignedCert(
            `${zone}-origin-pull-ca`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: `origin-pull CA for ${zone}`, organization: "honeyDue" },
                isCaCertificate: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                validityPeriodHours: pullCertHours,
            },
            child,
        );
        const clientKey = new tls.PrivateKey(`${zone}-origin-pull-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const clientCsr = new tls.CertRequest(
            `${zone}-origin-pull-csr`,
            { privateKeyPem: clientKey.privateKeyPem, subject: { commonName: `origin-pull.${zone}`, organization: "honeyDue" } },
            child,
        );
        const client = new tls.LocallySignedCert(
            `${zone}-origin-pull-client`,
            {
                certRequestPem: clientCsr.certRequestPem,
                caCertPem: ca.certPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                allowedUses: ["digital_signature", "client_auth"],
                validityPeriodHours: pullCertHours,
            },
            child,
        );
        // The provider marks privateKey secret itself (additionalSecretOutputs); the input is secret
        // because it comes from a secret output, and pulumi.secret says so under mocks too (DESIGN §11).
        this.pullCertificate = new cloudflare.AuthenticatedOriginPullsCertificate(
            `${zone}-origin-pull`,
            { zoneId, certificate: client.certPem, privateKey: pulumi.secret(clientKey.privateKeyPem) },
            child,
        );
        // Deleting this resource changes nothing at Cloudflare (terraform-provider-cloudflare
        // internal/services/authenticated_origin_pulls_settings/resource.go: Delete is empty, and
        // ModifyPlan warns so): going back to Flexible leaves AOP on, which Flexible ignores (no TLS to the origin).
        this.pulls = new cloudflare.AuthenticatedOriginPullsSettings(`${zone}-origin-pulls`, { zoneId, enabled: true }, { ...child, dependsOn: [this.pullCertificate] });
        this.pullsActive = cloudflare
            .getAuthenticatedOriginPullsCertificatesOutput({ zoneId }, { parent: this })
            .apply((list) => list.results.some((c) => c.status === "active"));

        this.tls = { certificate: this.certificate.certificate, privateKey: pulumi.secret(key.privateKeyPem), pullCa: ca.certPem };
        this.registerOutputs({});
    }
}
