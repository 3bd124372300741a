// The honeyDue production estate, in the order it is built:
// configuration -> servers -> k3s cluster -> edge (DNS) -> workloads -> outputs.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { Edge } from "./infra/cloudflare";
import { edgeRanges } from "./infra/cloudflare/ipRanges";
import { estimateCost } from "./infra/cost";
import { Nodes } from "./infra/hetzner";
import { sshConfig as renderSshConfig } from "./infra/sshConfig";
import { Apps } from "./workloads";

const config = loadConfig();

// Cloudflare's edge ranges: the firewall's web sources and Traefik's trusted proxies.
const cloudflareRanges = edgeRanges();

// Hetzner: SSH key, placement group, private network, firewall, servers.
const infra = new Nodes("honeydue", config, cloudflareRanges);

// k3s cluster: (the cluster layer goes here).

// Cloudflare: round-robin DNS to every node in rotation, and the zone's TLS settings.
const edge = new Edge("honeydue", config, infra.nodes);
// TEMPORARY until the k3s layer lands: the lead replaces this with cluster.provider.
const provider = new k8s.Provider("honeydue-k8s", { kubeconfig: pulumi.secret("TEMPORARY kubeconfig placeholder"), clusterIdentifier: "honeydue-prod" });

// Workloads: Traefik, Redis, the migrations gate, the API, the worker and the admin panel.
const apps = new Apps("honeydue", { config, provider, cloudflareRanges });

// Outputs.
export const nodes = infra.nodes.map((n) => ({
    name: n.spec.name,
    sshAlias: n.spec.sshAlias,
    publicIpv4: n.publicIpv4,
    publicIpv6: n.publicIpv6,
    privateIp: n.privateIp,
}));
export const sshConfig = renderSshConfig(infra.nodes, config.sshUser);
export const dns = edge.dns;
export const monthlyCost = estimateCost(config);
export const migrationJob = apps.migrations.metadata.name;
