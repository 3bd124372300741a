// Off Flexible, the wait between Traefik's TLS objects and the zone's `ssl` setting: on every node,
// infra/scripts/origin-ready.sh checks that Traefik on the node's own 443 presents the Origin CA
// certificate and refuses a client without the origin-pull certificate. The API server storing the
// TLSStore and TLSOption (what Pulumi waits for) is not Traefik serving them: its CRD provider builds
// them from its watch afterwards (traefik/traefik v3.5.3 pkg/provider/kubernetes/crd/kubernetes.go,
// buildTLSStores/buildTLSOptions, which log and skip a store or option whose Secret they cannot
// read), and until then it serves its own default certificate, which Cloudflare's strict mode refuses.
import { createHash } from "node:crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import type { Node } from "../infra/hetzner";
import { connection } from "../infra/k3s/connection";
import { runScript, withPayload } from "../infra/k3s/scripts";

/** Longer than the script's own bound (ORIGIN_READY_TIMEOUT, 300 s) and its backstop (scriptBounds, 420 s). */
const timeouts = { create: "10m", update: "10m" };

/** A certificate's SHA-256 fingerprint (over its DER, as `openssl x509 -fingerprint -sha256`), lower-case hex. */
export function certFingerprint(pem: string): string {
    const body = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
    if (!body) throw new pulumi.RunError("the Origin CA certificate is not a PEM certificate");
    return createHash("sha256").update(Buffer.from(body.replace(/\s+/g, ""), "base64")).digest("hex");
}

/**
 * One bounded check per node, after that node's Traefik is ready and the TLS objects exist; runs
 * again when the certificate, Traefik's generation or the node's server changes.
 */
export function originReady(
    args: { nodes: Node[]; config: EstateConfig; certificate: pulumi.Output<string>; generation: pulumi.Output<string>; after: pulumi.Resource[] },
    parent: pulumi.Resource,
): command.remote.Command[] {
    const { nodes, config } = args;
    const fingerprint = args.certificate.apply(certFingerprint);
    // Any routed hostname: the TLSStore's default certificate answers every name.
    const host = Object.keys(config.routes).sort()[0];
    return nodes.map(
        (node) =>
            new command.remote.Command(
                `${node.spec.name}-origin-ready`,
                {
                    connection: connection(node, config),
                    create: fingerprint.apply((f) => runScript("origin-ready", ["--node", node.spec.name, "--host", host, "--fingerprint", f], config.sshUser)),
                    stdin: withPayload("origin-ready"),
                    addPreviousOutputInEnv: false,
                    triggers: [fingerprint, args.generation, node.server.id],
                },
                { parent, dependsOn: args.after, deletedWith: node.server, customTimeouts: timeouts },
            ),
    );
}
