// Every server's /etc/rancher/k3s/config.yaml, rendered from data with the `yaml` package. The
// values k3s requires to be equal on all servers come from ONE shared object, so they cannot
// differ between servers; only the addresses and the bootstrap flag are per node.
import { stringify } from "yaml";
import type { EstateConfig } from "../../config";

/** Where the scripts put the cluster token on the node (k3s reads it through `token-file`). */
export const tokenFile = "/etc/rancher/k3s/token";

/** Values k3s requires to be identical on every server of the cluster. */
export interface ClusterWide {
    "cluster-cidr": string;
    "service-cidr": string;
    "flannel-backend": string;
    "flannel-iface": string;
    "secrets-encryption": true;
    disable: string[];
    "tls-san": string[];
    "write-kubeconfig-mode": "0600";
    "protect-kernel-defaults": true;
    "token-file": string;
    "etcd-snapshot-schedule-cron": string;
    "etcd-snapshot-retention": number;
    "etcd-s3": true;
    "etcd-s3-endpoint": string;
    "etcd-s3-bucket": string;
    "etcd-s3-region": string;
    "etcd-s3-folder": string;
}

/** One server's configuration: the shared values plus its own addresses and bootstrap flag. */
export interface ServerConfig extends ClusterWide {
    "node-name": string;
    "node-ip": string;
    "advertise-address": string;
    "node-external-ip": string;
    "cluster-init"?: true;
    server?: string;
}

/** A server's addresses as the bootstrap knows them (plain values, resolved). */
export interface ServerAddress {
    name: string;
    privateIp: string;
    publicIpv4: string;
}

/** The supervisor/API URL of a server on the private network. */
export const serverUrl = (privateIp: string) => `https://${privateIp}:6443`;

/** The shared values, from the configuration and the addresses the kubeconfig may use. */
export function clusterWide(config: EstateConfig, firstPublicIpv4: string, privateIps: string[]): ClusterWide {
    const tlsSan = [firstPublicIpv4, ...(config.apiHostname ? [config.apiHostname] : []), ...privateIps];
    return {
        "cluster-cidr": config.clusterCidr,
        "service-cidr": config.serviceCidr,
        "flannel-backend": config.flannelBackend,
        "flannel-iface": config.privateInterface,
        "secrets-encryption": true,
        // Traefik comes as our own DaemonSet (workloads); Cloudflare balances across nodes, not servicelb.
        disable: ["traefik", "servicelb"],
        "tls-san": [...new Set(tlsSan)],
        "write-kubeconfig-mode": "0600",
        "protect-kernel-defaults": true,
        "token-file": tokenFile,
        "etcd-snapshot-schedule-cron": config.etcdSnapshotSchedule,
        "etcd-snapshot-retention": config.etcdSnapshotRetention,
        "etcd-s3": true,
        "etcd-s3-endpoint": config.b2Endpoint,
        "etcd-s3-bucket": config.b2Bucket,
        "etcd-s3-region": config.b2Region,
        "etcd-s3-folder": config.etcdSnapshotFolder,
    };
}

/**
 * One server's configuration: the shared values, its own addresses, and how it enters the
 * cluster. "init": the first server starts it (`cluster-init`). "join": the others join the first
 * server at its private address. "rejoin": the first server rebuilt while the cluster runs joins
 * through the second server instead of starting a new cluster (the node script chooses; see
 * infra/scripts/k3s-server.sh).
 */
export function serverConfig(shared: ClusterWide, servers: Pick<ServerAddress, "privateIp">[], self: ServerAddress, how: "init" | "join" | "rejoin"): ServerConfig {
    const own = { "node-name": self.name, "node-ip": self.privateIp, "advertise-address": self.privateIp, "node-external-ip": self.publicIpv4 };
    if (how === "init") return { ...shared, ...own, "cluster-init": true };
    return { ...shared, ...own, server: serverUrl(servers[how === "join" ? 0 : 1].privateIp) };
}

/** Every server's configuration, from ONE shared object. */
export function serverConfigs(config: EstateConfig, servers: ServerAddress[]): { configs: ServerConfig[]; rejoin: ServerConfig } {
    const shared = clusterWide(config, servers[0].publicIpv4, servers.map((s) => s.privateIp));
    return {
        configs: servers.map((s, i) => serverConfig(shared, servers, s, i === 0 ? "init" : "join")),
        rejoin: serverConfig(shared, servers, servers[0], "rejoin"),
    };
}

/** The file as written on the node. */
export function renderServerConfig(c: ServerConfig): string {
    return `# Managed by Pulumi (honeydue estate): edits on the node are overwritten.\n${stringify(c)}`;
}

/** The drop-in holding the B2 credentials (k3s reads config.yaml.d/*.yaml after config.yaml). */
export function renderEtcdS3Credentials(keyId: string, applicationKey: string): string {
    return stringify({ "etcd-s3-access-key": keyId, "etcd-s3-secret-key": applicationKey });
}
