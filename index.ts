// The honeyDue production estate, in the order it is built:
// configuration -> servers -> k3s cluster -> edge (DNS) -> workloads -> smoke checks -> outputs.
import { loadConfig } from "./config";
import { originTls } from "./config/edge";
import { Edge } from "./infra/cloudflare";
import { edgeRanges } from "./infra/cloudflare/ipRanges";
import { Origin } from "./infra/cloudflare/origin";
import { currentSsl, port80Open, sslValue, zoneIdOf } from "./infra/cloudflare/zone";
import { estimateCost } from "./infra/cost";
import { Nodes } from "./infra/hetzner";
import { Cluster } from "./infra/k3s";
import { knownHosts as renderKnownHosts, sshConfig as renderSshConfig } from "./infra/sshConfig";
import { Apps } from "./workloads";
import { Smoke } from "./workloads/smoke";

const config = loadConfig();

// Cloudflare's edge ranges: the firewall's web sources and Traefik's trusted proxies.
const cloudflareRanges = edgeRanges();

// The Cloudflare zone, and off Flexible its ssl mode before this run (port 80 and the switch depend on it).
const zoneId = zoneIdOf(config.zone, config.zoneId, {});
const zoneSsl = currentSsl(config, zoneId);

// Hetzner: SSH key, placement group, private network, firewall, servers.
const infra = new Nodes("honeydue", config, cloudflareRanges, port80Open(config, zoneSsl));

// k3s: HA cluster over SSH (embedded etcd on every server), and the Kubernetes provider.
const cluster = new Cluster("honeydue", { config, nodes: infra.nodes, network: infra.network });

// Off Flexible: the origin's certificate and Authenticated Origin Pulls (README, "The origin").
const origin = originTls(config) ? new Origin("honeydue", { zone: config.zone, zoneId, hostnames: Object.keys(config.routes) }) : undefined;

// Workloads: Traefik, Redis, the migrations gate, the API, the worker and the admin panel.
const apps = new Apps("honeydue", { config, provider: cluster.provider, cloudflareRanges, nodes: infra.nodes, origin: origin?.tls });

// Cloudflare: round-robin DNS to every node in rotation, and the zone's TLS settings. `ssl` changes
// only once the origin is ready for it: off Flexible the origin pulls, every node's Traefik, its
// TLSStore and TLSOption, and every node's check that Traefik serves them on 443; on Flexible the
// firewall (port 80 open again when coming back from strict). Leaving Flexible also waits, across
// runs, for Cloudflare to have deployed the origin-pull certificate (zone.ts sslValue).
const edge = new Edge("honeydue", config, infra.nodes, {
    id: zoneId,
    ssl: sslValue(config.sslMode, zoneSsl, origin?.pullsActive),
    sslAfter: origin ? [origin.pulls, ...apps.traefikReady, ...apps.originTls, ...apps.originReady] : [infra.firewall],
});

// Smoke checks: every node's Traefik, then Cloudflare, answers every hostname from the right app
// (through Cloudflare once its records and settings are in place: after a switch of `ssl`).
new Smoke("honeydue", { config, nodes: infra.nodes, apps, edge: [...edge.records.map((r) => r.record), ...edge.settings] });

// Outputs.
export const nodes = infra.nodes.map((n) => ({
    name: n.spec.name,
    sshAlias: n.spec.sshAlias,
    publicIpv4: n.publicIpv4,
    publicIpv6: n.publicIpv6,
    privateIp: n.privateIp,
}));
export const sshConfig = renderSshConfig(infra.nodes, config.sshUser);
/** The nodes' SSH host keys for `~/.ssh/known_hosts.d/honeydue` (docs/runbook/ssh.md). */
export const knownHosts = renderKnownHosts(infra.nodes);
export const dns = edge.dns;
export const monthlyCost = estimateCost(config);
export const migrationJob = apps.migrations.metadata.name;
/** Admin kubeconfig (secret): `(umask 077; pulumi stack output --show-secrets kubeconfig > ~/.kube/honeydue-k3s.yaml)`. */
export const kubeconfig = cluster.kubeconfig;
export const apiEndpoint = cluster.endpoint;
