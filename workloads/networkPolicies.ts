// The honeydue namespace refuses every connection in and out (`default-deny`) except the named
// allows below, one NetworkPolicy each. A new workload gets its traffic by adding an Allow to the
// list `allows()` returns: which pods (by app name), what they may reach (egress) and what may
// reach them (ingress). Redis's own ingress rule (`redis-clients`) lives in redis.ts.
//
// What k3s enforces, and what it leaves open: k3s runs kube-router's network policy controller
// (k3s-io/k3s pkg/agent/netpol/netpol.go, Run; k3s main's go.mod replaces it with k3s-io/kube-router
// v2.6.3-k3s1, read here at cloudnativelabs/kube-router v2.6.3). kube-router's pod firewall chain
// accepts any packet to a pod whose source is an address of the pod's own node
// (pkg/controllers/netpol/pod.go, setupPodNetpolRules from syncPodFirewallChains: "-m addrtype
// --src-type LOCAL -d <pod ip> -j ACCEPT"), and it ignores hostNetwork pods (utils.go,
// isNetPolActionable is false for pod.Spec.HostNetwork: no firewall chain of their own in
// getLocalPods, never a podSelector peer in policy.go). So every process on a
// node (k3s, kubelet probes, an SSH session, a hostNetwork pod: Traefik) reaches every pod on that
// node on any port, and a hostNetwork pod can never be named by a podSelector. Traefik reaches
// pods on other nodes from its node's flannel address (below), which is why its allow is by
// address, not by label.
import * as k8s from "@pulumi/kubernetes";
import type * as k8sInput from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";
import ipaddr from "ipaddr.js";
import type { EstateConfig } from "../config";
import { redisPort } from "./redis";
import { backupApp } from "./redisBackup";
import { labels, type Context } from "./workload";

type Peer = k8sInput.networking.v1.NetworkPolicyPeer;
type Port = { protocol: "TCP" | "UDP"; port: number };
export interface Rule {
    peers: Peer[];
    ports: Port[];
}

/** One named allow: the pods it is for (app.kubernetes.io/name), and the traffic it lets through. */
export interface Allow {
    /** The NetworkPolicy is `allow-<name>`. */
    name: string;
    /** The apps whose pods it selects; empty: every pod of the namespace. */
    apps: string[];
    ingress?: Rule[];
    egress?: Rule[];
}

export const defaultDenyName = "default-deny";

const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));

/** The app's pods in this namespace. */
export const podsOf = (apps: string[]): Peer => ({ podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: apps }] } });

/** CoreDNS: k3s's Service kube-system/kube-dns selects its pods by k8s-app=kube-dns (k3s-io/k3s manifests/coredns.yaml). */
export const coreDns: Peer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** Addresses that are never a cloud service the apps use: private ranges, link-local (the metadata service), loopback, CGNAT. */
export const notInternet = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"];

/**
 * The public internet, without the cluster and the private network. Neon, B2, Fastmail and the
 * registry have no fixed addresses, so their allows are by port. IPv4 only: the pods have no IPv6.
 */
export function internet(config: Pick<EstateConfig, "clusterCidr" | "serviceCidr">): Peer {
    const inside = (c: string) => notInternet.some((n) => ipaddr.IPv4.parseCIDR(c)[0].match(ipaddr.IPv4.parseCIDR(n)));
    const extra = [config.clusterCidr, config.serviceCidr].filter((c) => !inside(c));
    return { ipBlock: { cidr: "0.0.0.0/0", except: [...notInternet, ...extra] } };
}

/** k3s's default --kube-controller-manager-arg node-cidr-mask-size for IPv4: every node gets a /24 of the cluster CIDR. */
export const nodeMaskSize = 24;

/**
 * Where a hostNetwork process (Traefik) comes from when it connects to a pod on another node.
 * vxlan (the default): flannel gives flannel.1 the first address of the node's pod subnet as a /32,
 * "used as a source address for host to workload traffic" (flannel-io/flannel
 * pkg/backend/vxlan/vxlan.go, RegisterNetwork: dev.Configure(lease.Subnet.IP/32)). host-gw routes
 * the other node's pod subnet over the private NIC, so the source is the node's private address.
 * wireguard-native does as vxlan: flannel-wg gets lease.Subnet.IP/32 and a link route to the whole
 * cluster CIDR without a source hint (pkg/backend/wireguard/device.go, Configure and addRoute; read
 * at flannel v0.28.4, as in v0.25 to v0.27), so the kernel picks that address. Both kinds are listed. Pod
 * addresses never end in .0, so these /32s name nodes, never a pod.
 */
export function nodeSources(config: Pick<EstateConfig, "clusterCidr" | "nodes">): Peer[] {
    const [base, prefix] = ipaddr.IPv4.parseCIDR(config.clusterCidr);
    const start = base.toByteArray().reduce((n, b) => n * 256 + b, 0);
    const subnets = prefix >= nodeMaskSize ? 1 : 2 ** (nodeMaskSize - prefix);
    const size = 2 ** (32 - nodeMaskSize);
    const address = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
    const flannel = Array.from({ length: subnets }, (_, i) => `${address(start + i * size)}/32`);
    const privateIps = config.nodes.map((n) => `${n.privateIp}/32`);
    return [...privateIps, ...flannel].map((cidr) => ({ ipBlock: { cidr } }));
}

/** The estate's allows. Add a workload's traffic here; the policy objects follow. */
export function allows(config: EstateConfig): Allow[] {
    const web = internet(config);
    const port = (app: "api" | "admin") => config[app].port!;
    return [
        // Every pod resolves names (the Service VIP is translated to CoreDNS's pods before the filter).
        { name: "dns", apps: [], egress: [{ peers: [coreDns], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }] },
        // Traefik (hostNetwork, in kube-system) to the routed apps' container ports.
        { name: "traefik-to-api", apps: ["api"], ingress: [{ peers: nodeSources(config), ports: tcp(port("api")) }] },
        { name: "traefik-to-admin", apps: ["admin"], ingress: [{ peers: nodeSources(config), ports: tcp(port("admin")) }] },
        // The queue and cache; Redis's side is redis-clients (redis.ts).
        { name: "to-redis", apps: ["api", "worker", backupApp], egress: [{ peers: [podsOf(["redis"])], ports: tcp(redisPort) }] },
        // Neon (Postgres on 5432, its HTTP API on 443), B2 (443), the SMTP server's port (smtpPort; Fastmail's submission port 587 by default).
        { name: "apps-to-internet", apps: ["api", "worker"], egress: [{ peers: [web], ports: tcp(...new Set([5432, 443, config.smtpPort])) }] },
        // goose talks to Neon only.
        { name: "migrations-to-neon", apps: ["migrations"], egress: [{ peers: [web], ports: tcp(5432, 443) }] },
        // The Redis backup uploads its snapshot to B2 over HTTPS (workloads/redisBackup.ts).
        { name: "redis-backup-to-b2", apps: [backupApp], egress: [{ peers: [web], ports: tcp(443) }] },
        // The admin panel calls the API by its public URL, through Cloudflare.
        { name: "admin-to-internet", apps: ["admin"], egress: [{ peers: [web], ports: tcp(443) }] },
    ];
}

const selectorOf = (apps: string[]) => (apps.length === 0 ? {} : { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: apps }] });

/** The NetworkPolicy spec of one allow. */
export function allowSpec(a: Allow): k8sInput.networking.v1.NetworkPolicySpec {
    const types = [...(a.ingress ? ["Ingress"] : []), ...(a.egress ? ["Egress"] : [])];
    return {
        podSelector: selectorOf(a.apps),
        policyTypes: types,
        ...(a.ingress ? { ingress: a.ingress.map((r) => ({ from: r.peers, ports: r.ports })) } : {}),
        ...(a.egress ? { egress: a.egress.map((r) => ({ to: r.peers, ports: r.ports })) } : {}),
    };
}

export interface NetworkPolicies {
    defaultDeny: k8s.networking.v1.NetworkPolicy;
    allows: k8s.networking.v1.NetworkPolicy[];
}

/**
 * The allows first, the deny after them: on a running estate no pod loses traffic it keeps the
 * right to while the objects are created one by one.
 */
export function createNetworkPolicies(ctx: Context, list: Allow[] = allows(ctx.config)): NetworkPolicies {
    const metaOf = (name: string) => ({ name, namespace: ctx.namespace, labels: labels("network-policy") });
    const created = list.map((a) => new k8s.networking.v1.NetworkPolicy(`${ctx.prefix}-allow-${a.name}`, { metadata: metaOf(`allow-${a.name}`), spec: allowSpec(a) }, ctx.opts));
    const defaultDeny = new k8s.networking.v1.NetworkPolicy(
        `${ctx.prefix}-${defaultDenyName}`,
        { metadata: metaOf(defaultDenyName), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        { ...ctx.opts, dependsOn: created as pulumi.Resource[] },
    );
    return { defaultDeny, allows: created };
}
