// The honeyDue production estate, in the order it is built:
// configuration -> servers -> k3s cluster -> edge (DNS) -> workloads -> smoke checks -> outputs.
import { loadConfig } from "./config";
import { Edge } from "./infra/cloudflare";
import { edgeRanges } from "./infra/cloudflare/ipRanges";
import { estimateCost } from "./infra/cost";
import { Nodes } from "./infra/hetzner";
import { Cluster } from "./infra/k3s";
import { knownHosts as renderKnownHosts, sshConfig as renderSshConfig } from "./infra/sshConfig";
import { Apps } from "./workloads";
import { Smoke } from "./workloads/smoke";

const config = loadConfig();

// Cloudflare's edge ranges: the firewall's web sources and Traefik's trusted proxies.
const cloudflareRanges = edgeRanges();

// Hetzner: SSH key, placement group, private network, firewall, servers.
const infra = new Nodes("honeydue", config, cloudflareRanges);

// k3s: HA cluster over SSH (embedded etcd on every server), and the Kubernetes provider.
const cluster = new Cluster("honeydue", { config, nodes: infra.nodes, network: infra.network });

// Cloudflare: round-robin DNS to every node in rotation, and the zone's TLS settings.
const edge = new Edge("honeydue", config, infra.nodes);

// Workloads: Traefik, Redis, the migrations gate, the API, the worker and the admin panel.
const apps = new Apps("honeydue", { config, provider: cluster.provider, cloudflareRanges, nodes: infra.nodes });

// Smoke checks: every node's Traefik, then Cloudflare, answers every hostname from the right app.
new Smoke("honeydue", { config, nodes: infra.nodes, apps, edge: edge.records.map((r) => r.record) });

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
