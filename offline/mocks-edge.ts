// What Cloudflare would answer for the edge, offline: the zone lookup by name. The id is derived
// from the name (32 hex characters, like a real zone id), so two runs are identical.
import { addCall, addResourceState, mockHash, resourceState, type MockState } from "./mockRegistry";

/** The zone id the lookup answers for a zone name. */
export const mockZoneId = (name: string) => mockHash(`zone/${name}`).slice(0, 32);

function getZone(inputs: Record<string, unknown>) {
    const name = (inputs.filter as { name?: string } | undefined)?.name;
    if (!name) throw new Error("offline: getZone without filter.name; the estate looks its zone up by name");
    const id = mockZoneId(name);
    return { id, zoneId: id, name, status: "active", type: "full", nameServers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"] };
}

addCall("cloudflare:index/getZone:getZone", getZone);

/**
 * The zone's settings as Cloudflare holds them before this run (getZoneSetting): the prod zone runs
 * Flexible today. A test of the steady state after a switch sets it before its one program run.
 */
export const zoneNow: Record<string, unknown> = { ssl: "flexible" };

addCall("cloudflare:index/getZoneSetting:getZoneSetting", (inputs) => {
    const id = String(inputs.settingId);
    if (!(id in zoneNow)) throw new Error(`offline: no current value for zone setting ${id}; add it to zoneNow in offline/mocks-edge.ts`);
    return { id, settingId: id, zoneId: inputs.zoneId, value: zoneNow[id], editable: true, enabled: true, modifiedOn: "2026-01-01T00:00:00Z", timeRemaining: 0 };
});

/**
 * The zone's origin-pull certificates as Cloudflare lists them (getAuthenticatedOriginPullsCertificates):
 * ours, deployed. A test of the run that uploads it sets `[]` (or a pending one) before its one program run.
 */
export const pullCertificatesNow: { results: { status: string }[] } = { results: [{ status: "active" }] };

addCall("cloudflare:index/getAuthenticatedOriginPullsCertificates:getAuthenticatedOriginPullsCertificates", (inputs) => ({
    zoneId: inputs.zoneId,
    results: pullCertificatesNow.results.map((c, i) => ({ certificateId: `pull-${i}`, id: `pull-${i}`, status: c.status })),
}));

/** A PEM-shaped placeholder derived from the resource's name: offline nothing is really signed. */
const pem = (label: string, name: string) => `-----BEGIN ${label}-----\n${Buffer.from(mockHash(`${label}/${name}`)).toString("base64")}\n-----END ${label}-----\n`;

/** Adds to what another layer's file may already answer for the type (the SSH host keys are tls resources too). */
function addTlsState(type: string, fn: (a: { name: string }) => MockState): void {
    const before = resourceState[type];
    addResourceState(type, (a) => ({ ...before?.(a), ...fn(a) }));
}

addTlsState("tls:index/privateKey:PrivateKey", (a) => ({ privateKeyPem: pem("PRIVATE KEY", a.name), publicKeyPem: pem("PUBLIC KEY", a.name) }));
addTlsState("tls:index/certRequest:CertRequest", (a) => ({ certRequestPem: pem("CERTIFICATE REQUEST", a.name), keyAlgorithm: "ECDSA" }));
addTlsState("tls:index/selfSignedCert:SelfSignedCert", (a) => ({ certPem: pem("CERTIFICATE", a.name) }));
addTlsState("tls:index/locallySignedCert:LocallySignedCert", (a) => ({ certPem: pem("CERTIFICATE", a.name) }));
addResourceState("cloudflare:index/originCaCertificate:OriginCaCertificate", (a) => ({ certificate: pem("CERTIFICATE", a.name), expiresOn: "2041-01-01T00:00:00Z" }));
