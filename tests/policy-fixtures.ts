// Hand-made resources for the policy tests: one compliant example per type, shaped as the providers'
// SDKs define their inputs, registered the way the capture records them. A test copies one, breaks
// one thing and checks the message.
import type { Policies, PolicyPackConfig } from "@pulumi/policy";
import type { Registration } from "../offline/capture";
import { evaluate, type Verdict } from "../offline/policies";
import { cloudflareRanges } from "../policy/cloudflareRanges";

export const urnOf = (type: string, name: string, parentType = "") => `urn:pulumi:prod::honeydue::${parentType ? `${parentType}$` : ""}${type}::${name}`;

export function reg(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<Registration> = {}): Registration {
    return {
        urn: urnOf(type, name),
        id: `${name}-id`,
        type,
        name,
        custom: true,
        parent: "",
        provider: "",
        inputs,
        state: {},
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        ignoreChanges: [],
        replaceOnChanges: [],
        additionalSecretOutputs: [],
        deletedWith: "",
        deleteBeforeReplace: false,
        retainOnDelete: false,
        importId: "",
        ...extra,
    };
}

export const clone = <T>(v: T): T => structuredClone(v);

/** Runs one policy over `resources` through the offline runner (the engine's protocol). */
export async function verdictOf(policy: Policies[number], resources: Registration[], config: PolicyPackConfig = {}): Promise<Verdict> {
    return (await evaluate(resources, { policies: [policy], config })).verdicts[0];
}

export const messages = (v: Verdict) => v.violations.map((x) => x.message);

// ---- Hetzner
export const SERVER = "hcloud:index/server:Server";
export const FIREWALL = "hcloud:index/firewall:Firewall";

export const server = (name = "ubuntu-8gb-nbg1-1", ip = "10.0.1.11") =>
    reg(
        SERVER,
        name,
        {
            name,
            serverType: "cx33",
            image: "ubuntu-24.04",
            location: "nbg1",
            placementGroupId: 1234,
            firewallIds: [5678],
            networks: [{ networkId: 42, ip }],
            deleteProtection: true,
            rebuildProtection: true,
        },
        { protect: true, ignoreChanges: ["image", "userData", "sshKeys"], state: { ipv4Address: `203.0.113.${ip.split(".")[3]}` } },
    );

export const firewall = () =>
    reg(FIREWALL, "honeydue-firewall", {
        name: "honeydue-firewall",
        rules: [
            { direction: "in", protocol: "tcp", port: "80", sourceIps: cloudflareRanges },
            { direction: "in", protocol: "tcp", port: "443", sourceIps: cloudflareRanges },
            { direction: "in", protocol: "tcp", port: "22", sourceIps: ["198.51.100.7/32"] },
            { direction: "in", protocol: "tcp", port: "6443", sourceIps: ["198.51.100.7/32"] },
            { direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0", "::/0"] },
        ],
    });

// ---- k3s bootstrap
export const COMMAND = "command:remote:Command";
const connection = { host: "203.0.113.11", user: "root", privateKey: { secret: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n" } };

export const k3sConfig = (nodeIp: string, extra: Record<string, unknown> = {}) =>
    [
        "token: K10abc::server:PLACEHOLDER",
        `node-ip: ${nodeIp}`,
        "cluster-cidr: 10.42.0.0/16",
        "service-cidr: 10.43.0.0/16",
        "flannel-backend: vxlan",
        "secrets-encryption: true",
        "disable:",
        "  - traefik",
        "  - servicelb",
        ...Object.entries(extra).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
        "",
    ].join("\n");

export const installCommand = (name: string, nodeIp: string, config = k3sConfig(nodeIp)) =>
    reg(COMMAND, `${name}-k3s-install`, {
        connection,
        create: "set -euo pipefail\ninstall -m 0600 /dev/stdin /etc/rancher/k3s/config.yaml\ncurl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='v1.34.6+k3s1' sh -s - server",
        stdin: { secret: config },
    });

export const kubeconfigCommand = () =>
    reg(COMMAND, "kubeconfig", { connection, create: "cat /etc/rancher/k3s/k3s.yaml", logging: "none" }, { additionalSecretOutputs: ["stdout"] });

export const K8S_PROVIDER = "pulumi:providers:kubernetes";
export const k8sProvider = () => reg(K8S_PROVIDER, "honeydue-k3s", { kubeconfig: { secret: "apiVersion: v1" }, clusterIdentifier: "honeydue-prod" });

// ---- Cloudflare
export const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
export const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";

export const record = (host: string, node: Registration, extra: Partial<Registration> = {}) =>
    reg(
        RECORD,
        `${host}-${node.name}`,
        { zoneId: "0123456789abcdef0123456789abcdef", name: host, type: "A", content: (node.state as { ipv4Address: string }).ipv4Address, proxied: true, ttl: 1 },
        { propertyDependencies: { content: [node.urn] }, dependencies: [node.urn], ...extra },
    );

export const zoneSetting = (settingId: string, value: unknown) => reg(ZONE_SETTING, settingId, { zoneId: "0123456789abcdef0123456789abcdef", settingId, value });

// ---- Kubernetes
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const JOB = "kubernetes:batch/v1:Job";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const HELM_CHART = "kubernetes:helm.cattle.io/v1:HelmChart";

const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const podSecurity = (uid: number) => ({ runAsNonRoot: true, runAsUser: uid, seccompProfile: { type: "RuntimeDefault" } });

export const container = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
    name,
    image,
    env: [
        { name: "PORT", value: "8000" },
        { name: "B2_KEY_ID", value: "PLACEHOLDERb2KeyId0000000" },
        { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "honeydue-app", key: "DATABASE_URL" } } },
    ],
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    readinessProbe: { httpGet: { path: "/api/health", port: 8000 } },
    livenessProbe: { httpGet: { path: "/api/health", port: 8000 } },
    securityContext: hardened,
    ...extra,
});

export const deployment = (name = "api", image = "gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed", pod: Record<string, unknown> = {}, extra: Partial<Registration> = {}) =>
    reg(
        DEPLOYMENT,
        name,
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name, namespace: "honeydue" },
            spec: {
                replicas: 2,
                selector: { matchLabels: { app: name } },
                template: {
                    metadata: { labels: { app: name } },
                    spec: { automountServiceAccountToken: false, securityContext: podSecurity(10001), containers: [container(name, image)], ...pod },
                },
            },
        },
        extra,
    );

export const redis = () =>
    deployment("redis", "docker.io/library/redis:7.4.7-alpine", {
        securityContext: podSecurity(999),
        nodeSelector: { "kubernetes.io/hostname": "ubuntu-8gb-nbg1-2" },
        volumes: [
            { name: "data", persistentVolumeClaim: { claimName: "redis-data" } },
            { name: "acl", secret: { secretName: "redis-acl" } },
        ],
        containers: [
            container("redis", "docker.io/library/redis:7.4.7-alpine", {
                args: ["--appendonly", "yes", "--aclfile", "/etc/redis-acl/users.acl"],
                volumeMounts: [{ name: "acl", mountPath: "/etc/redis-acl" }],
                readinessProbe: { exec: { command: ["redis-cli", "ping"] } },
            }),
        ],
    });

export const migrationJob = () =>
    reg(JOB, "migrations-8d9ca2e6ed", {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "migrations-8d9ca2e6ed", namespace: "honeydue" },
        spec: {
            template: {
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    securityContext: podSecurity(10001),
                    containers: [container("migrate", "gitea.treytartt.com/treytartt/honeydue-migrate:8d9ca2e6ed", { readinessProbe: undefined, livenessProbe: undefined })],
                },
            },
        },
    });

export const namespace = (labels: Record<string, string> = { "pod-security.kubernetes.io/enforce": "restricted" }) =>
    reg("kubernetes:core/v1:Namespace", "honeydue", { apiVersion: "v1", kind: "Namespace", metadata: { name: "honeydue", labels } });

export const configMap = (data: Record<string, string>) =>
    reg(CONFIG_MAP, "honeydue-app", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "honeydue-app", namespace: "honeydue" }, data });

/** Traefik's values as workloads/traefik.ts renders them (the parts the policies read). */
export const traefikValues = [
    "deployment:",
    "  kind: DaemonSet",
    "hostNetwork: true",
    "image:",
    "  registry: docker.io",
    "  repository: traefik",
    "  tag: v3.5.3",
    "ingressRoute:",
    "  dashboard:",
    "    enabled: false",
    "additionalArguments:",
    "  - --providers.kubernetesingress.ingressendpoint.hostname=myhoneydue.com",
    "podSecurityContext:",
    "  runAsUser: 0",
    "  runAsGroup: 0",
    "  runAsNonRoot: false",
    "  seccompProfile:",
    "    type: RuntimeDefault",
    "securityContext:",
    "  allowPrivilegeEscalation: false",
    "  readOnlyRootFilesystem: true",
    "  capabilities:",
    "    drop: [ALL]",
    "    add: [NET_BIND_SERVICE]",
    "rbac:",
    "  enabled: false",
    "ports:",
    "  traefik:",
    "    hostIP: 127.0.0.1",
    "  metrics:",
    "    hostIP: 127.0.0.1",
    "",
].join("\n");

/** Traefik's HelmChart as the program declares it: honeydue-traefik in kube-system (Pulumi name honeydue-traefik). */
export const traefikChart = (values = traefikValues, extra: Record<string, unknown> = {}) =>
    reg(HELM_CHART, "honeydue-traefik", {
        apiVersion: "helm.cattle.io/v1",
        kind: "HelmChart",
        metadata: { name: "honeydue-traefik", namespace: "kube-system" },
        spec: { chart: "traefik", repo: "https://traefik.github.io/charts", version: "37.1.2", targetNamespace: "kube-system", valuesContent: values, ...extra },
    });
