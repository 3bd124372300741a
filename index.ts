// The honeyDue production estate, in the order it is built:
// configuration -> servers -> k3s cluster -> edge (DNS) -> workloads -> outputs.
import { loadConfig } from "./config";
import { edgeRanges } from "./infra/cloudflare/ipRanges";
import { Nodes } from "./infra/hetzner";
import { Cluster } from "./infra/k3s";
import { sshConfig as renderSshConfig } from "./infra/sshConfig";

const config = loadConfig();

// Cloudflare's edge ranges: the firewall's web sources and Traefik's trusted proxies.
const cloudflareRanges = edgeRanges();

// Hetzner: SSH key, placement group, private network, firewall, servers.
const infra = new Nodes("honeydue", config, cloudflareRanges);

// k3s: HA cluster over SSH (embedded etcd on every server), and the Kubernetes provider.
const cluster = new Cluster("honeydue", { config, nodes: infra.nodes, network: infra.network });

// Outputs.
export const nodes = infra.nodes.map((n) => ({
    name: n.spec.name,
    sshAlias: n.spec.sshAlias,
    publicIpv4: n.publicIpv4,
    publicIpv6: n.publicIpv6,
    privateIp: n.privateIp,
}));
export const sshConfig = renderSshConfig(infra.nodes, config.sshUser);
/** Admin kubeconfig (secret): `(umask 077; pulumi stack output --show-secrets kubeconfig > ~/.kube/honeydue-k3s.yaml)`. */
export const kubeconfig = cluster.kubeconfig;
export const apiEndpoint = cluster.endpoint;
