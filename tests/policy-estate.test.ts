// The pack over the estate the program builds (under mocks): it passes with no mandatory violation,
// and each broken copy of it — one convention broken at a time — fails with exactly the expected policy.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { ofType } from "../offline/query";
import type { PolicyPackConfig } from "@pulumi/policy";
import { parse, stringify } from "yaml";
import { configPolicy, evaluate as evaluateWith } from "../offline/policies";
import { runEstate, type Estate } from "../offline/run";
import { policies } from "../policy/all";

let estate: Estate;
before(async () => {
    estate = await runEstate();
});

const S = "hcloud:index/server:Server";
const F = "hcloud:index/firewall:Firewall";

/** The mandatory policies a set of resources violates, and their messages. */
async function failures(resources: Registration[], config: PolicyPackConfig = {}) {
    const report = await evaluateWith(resources, { config });
    return { policies: [...new Set(report.mandatory.map((v) => v.policy))], messages: report.mandatory.map((v) => v.message), report };
}

/** A deep copy of the captured estate with one thing broken. */
function broken(fix: (rs: Registration[]) => void): Registration[] {
    const copy = structuredClone(estate.resources);
    fix(copy);
    return copy;
}

const firstServer = (rs: Registration[]) => ofType(rs, S)[0];
const rules = (rs: Registration[]) => ofType(rs, F)[0].inputs.rules as { direction?: string; protocol?: string; port?: string; sourceIps: string[] }[];
/** Policies the estate does not meet yet (a hardening change comes later): advisory, and they say so. */
const pending = ["cloudflare-origin-strict"];

describe("the whole estate", () => {
    it("passes every policy with no mandatory violation; only the pending advisory ones speak", async () => {
        const { report } = await failures(estate.resources);
        assert.deepEqual(report.mandatory, []);
        assert.deepEqual([...new Set(report.violations.map((v) => `${v.policy} ${v.enforcementLevel}`))], pending.map((p) => `${p} advisory`));
    });

    it("is really checked: every policy ran over resources of its layer and passed", async () => {
        const { report } = await failures(estate.resources);
        const status = Object.fromEntries(report.verdicts.map((v) => [v.policy, v.status]));
        // The one policy about the deprecated cloudflare.Record has nothing to look at: the estate uses DnsRecord.
        for (const p of policies.map((x) => x.name).filter((n) => n !== "cloudflare-dns-record-resource" && !pending.includes(n))) assert.equal(status[p], "passed", p);
        for (const p of pending) assert.equal(status[p], "advisory", p);
        assert.equal(status["cloudflare-dns-record-resource"], "not applicable");
        assert.equal(report.verdicts.length, policies.length);
    });
});

const sshFromAnyone = { "hetzner-firewall-allowlist": { allowedRules: [{ protocol: "tcp", port: "22", sources: "any" }, { protocol: "tcp", port: "80", sources: "cloudflare" }, { protocol: "tcp", port: "443", sources: "cloudflare" }, { protocol: "tcp", port: "6443", sources: "admin" }, { protocol: "icmp", sources: "any" }] } };
const apiFromAnyone = { "hetzner-firewall-allowlist": { allowedRules: [{ protocol: "tcp", port: "22", sources: "admin" }, { protocol: "tcp", port: "80", sources: "cloudflare" }, { protocol: "tcp", port: "443", sources: "cloudflare" }, { protocol: "tcp", port: "6443", sources: "any" }, { protocol: "icmp", sources: "any" }] } };

const cases: [string, string | string[], (rs: Registration[]) => void, RegExp, PolicyPackConfig?][] = [
    ["a server of another type", "hetzner-server-type", (rs) => (firstServer(rs).inputs.serverType = "cx53"), /server type cx53 is not allowed/],
    ["a server in another location", "hetzner-server-location", (rs) => (firstServer(rs).inputs.location = "fsn1"), /location fsn1 is not allowed/],
    ["a server outside the placement group", "hetzner-server-placement-group", (rs) => delete firstServer(rs).inputs.placementGroupId, /in no placement group/],
    ["a server without the firewall", "hetzner-server-firewall", (rs) => (firstServer(rs).inputs.firewallIds = []), /has no firewall/],
    ["a server without protect", "hetzner-server-protected", (rs) => (firstServer(rs).protect = false), /set the resource option protect: true/],
    ["a server without Hetzner's delete protection", "hetzner-server-protected", (rs) => (firstServer(rs).inputs.deleteProtection = false), /deleteProtection: true/],
    // The closed ports hold even where an operator's allowlist would let SSH or the API in from anyone.
    ["SSH open to the world in two halves", "hetzner-firewall-cluster-ports-closed", (rs) => (rules(rs).find((r) => r.port === "22")!.sourceIps = ["0.0.0.0/1", "128.0.0.0/1"]), /tcp 22 is open to the whole ipv4 internet/, sshFromAnyone],
    ["the Kubernetes API open to the IPv6 world", "hetzner-firewall-cluster-ports-closed", (rs) => rules(rs).find((r) => r.port === "6443")!.sourceIps.push("::/1", "8000::/1"), /tcp 6443 is open to the whole ipv6 internet/, apiFromAnyone],
    ["SSH from the world in two halves", ["hetzner-firewall-allowlist", "hetzner-firewall-cluster-ports-closed"], (rs) => (rules(rs).find((r) => r.port === "22")!.sourceIps = ["0.0.0.0/1", "128.0.0.0/1"]), /admits the whole ipv4 internet/],
    ["HTTPS from an address outside Cloudflare", "hetzner-firewall-allowlist", (rs) => rules(rs).find((r) => r.port === "443")!.sourceIps.push("198.51.100.0/24"), /443 admits 198\.51\.100\.0\/24/],
    ["HTTP from a range that only overlaps Cloudflare's", "hetzner-firewall-allowlist", (rs) => rules(rs).find((r) => r.port === "80")!.sourceIps.push("104.16.0.0/12"), /80 admits 104\.16\.0\.0\/12, not inside Cloudflare's ranges/],
    ["8080 open to the world", "hetzner-firewall-allowlist", (rs) => rules(rs).push({ direction: "in", protocol: "tcp", port: "8080", sourceIps: ["0.0.0.0/0", "::/0"] }), /inbound tcp 8080 is not an allowed rule/],
    ["the NodePorts open to the world", ["hetzner-firewall-allowlist", "hetzner-firewall-cluster-ports-closed"], (rs) => rules(rs).push({ direction: "in", protocol: "tcp", port: "30000-32767", sourceIps: ["0.0.0.0/0"] }), /30000-32767/],
    // A whole node gone (its server and everything named for it): the count is the only thing wrong.
    ["an even number of servers", "stack-odd-server-count", (rs) => removeWhere(rs, (r) => r.name.includes("ubuntu-8gb-nbg1-3")), /has 2 servers/],
    // Issue 15: the honeydue namespace's default deny, for both directions.
    ["the namespace without its default deny", "stack-namespace-default-deny", (rs) => removeWhere(rs, (r) => r.name === "honeydue-default-deny"), /namespace honeydue has no default-deny NetworkPolicy for Ingress and Egress/],
    ["a default deny for ingress only", "stack-namespace-default-deny", (rs) => ((rs.find((r) => r.name === "honeydue-default-deny")!.inputs.spec as { policyTypes: string[] }).policyTypes = ["Ingress"]), /no default-deny NetworkPolicy for Egress;/],
    // k3s
    ["a k3s install from a channel", "k3s-version-pinned", (rs) => (command(rs, "ubuntu-8gb-nbg1-2-k3s").inputs.create = "bash -s -- --role join --node ubuntu-8gb-nbg1-2 INSTALL_K3S_CHANNEL=stable"), /installs k3s from a channel/],
    ["a new token on a command line", "k3s-command-no-inline-secret", (rs) => (command(rs, "honeydue-join-token").inputs.create = "k3s token rotate --new-token=9f8e7d6c5b4a39281706"), /the flag --new-token/],
    ["the etcd S3 secret key on a command line", "k3s-command-no-inline-secret", (rs) => (command(rs, "ubuntu-8gb-nbg1-1-k3s").inputs.create += " --etcd-s3-secret-key=Zm9vYmFyYmF6cXV4"), /the flag --etcd-s3-secret-key/],
    ["a secret in a command's environment (even as a secret Output)", "k3s-command-no-inline-secret", (rs) => (command(rs, "ubuntu-8gb-nbg1-1-k3s").inputs.environment = { B2_KEY: { secret: "PLACEHOLDERb2ApplicationKey000" } }), /environment variable B2_KEY carries a secret/],
    ["a k3s token as a plain trigger", "k3s-command-no-inline-secret", (rs) => (command(rs, "honeydue-kubeconfig").inputs.triggers = ["v1.34.6+k3s1", "K10" + "0123456789abcdef0123456789abcdef::server:abc"]), /trigger 1 of the command is a plain value carrying a k3s secure token \(K10…\)/],
    ["a token on a command line", "k3s-command-no-inline-secret", (rs) => (command(rs, "ubuntu-8gb-nbg1-2-k3s").inputs.create = "K3S_TOKEN=hunter2hunter2 bash -s -- --role join --version v1.34.6+k3s1"), /create text carries a literal secret in the variable K3S_TOKEN/],
    ["a kubeconfig read that logs its output", "k3s-kubeconfig-secret", (rs) => delete command(rs, "honeydue-kubeconfig").inputs.logging, /logging/],
    ["a Kubernetes provider without a clusterIdentifier", "k3s-kubernetes-provider-cluster-identifier", (rs) => delete one(rs, "pulumi:providers:kubernetes").inputs.clusterIdentifier, /clusterIdentifier/],
    ["a server whose k3s config drifted", "stack-k3s-identical-server-config", (rs) => driftServerConfig(command(rs, "ubuntu-8gb-nbg1-3-k3s")), /cluster-cidr/],
    // edge
    ["an app record not proxied", "cloudflare-record-proxied", (rs) => (record(rs, "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a").inputs.proxied = false), /proxied/],
    ["a node missing from a hostname's round robin", "stack-round-robin-complete", (rs) => removeWhere(rs, (r) => r.name === "admin.myhoneydue.com-ubuntu-8gb-nbg1-2-a"), /ubuntu-8gb-nbg1-2/],
    ["SSL off at the zone", "cloudflare-ssl-not-off", (rs) => (one(rs, ZS, "myhoneydue.com-ssl").inputs.value = "off"), /off/],
    ["SSL Flexible with always_use_https off", "cloudflare-flexible-always-https", (rs) => (one(rs, ZS, "myhoneydue.com-always-use-https").inputs.value = "off"), /always_use_https "off"/],
    ["TLS 1.0 allowed at the zone", "cloudflare-min-tls-version", (rs) => (one(rs, ZS, "myhoneydue.com-min-tls-version").inputs.value = "1.0"), /1\.0/],
    // workloads
    ["an image on :latest", "k8s-image-pinned", (rs) => (api(rs).image = "gitea.treytartt.com/treytartt/honeydue-api:latest"), /latest/],
    ["an image from another registry", "k8s-image-registry", (rs) => (api(rs).image = "ghcr.io/someone/honeydue-api:1.0.0"), /ghcr\.io/],
    ["a container without a memory limit", "k8s-container-resources", (rs) => delete api(rs).resources.limits, /limit/],
    ["a container without probes", "k8s-probes", (rs) => ["livenessProbe", "readinessProbe", "startupProbe"].forEach((p) => delete api(rs)[p]), /container api of Deployment api has no readinessProbe or livenessProbe/],
    ["a container allowed to escalate", "k8s-non-root", (rs) => (api(rs).securityContext.allowPrivilegeEscalation = true), /privilege escalation|allowPrivilegeEscalation/],
    ["the API on the host network", "k8s-no-host-network", (rs) => (podSpec(rs, "honeydue-api").hostNetwork = true), /hostNetwork/],
    ["a secret as a literal env value", "k8s-secret-references", (rs) => api(rs).env.push({ name: "DATABASE_URL_COPY", value: "postgresql://u:p@h/db" }), /DATABASE_URL_COPY/],
    // The reviewer's way past named(): a Pulumi name ending in -traefik.
    ["a copy of the worker in kube-system whose Pulumi name ends in -traefik", "k8s-namespace", (rs) => rs.push(intruder(deployment(rs, "honeydue-worker"))), /Deployment evil-traefik is in the system namespace kube-system/],
    ["Traefik allowed to escalate", "k8s-non-root", (rs) => traefik(rs, (v) => (v.securityContext.allowPrivilegeEscalation = true)), /container traefik of HelmChart honeydue-traefik .*allowPrivilegeEscalation: false/],
    ["Traefik adding SYS_ADMIN", "k8s-capabilities", (rs) => traefik(rs, (v) => v.securityContext.capabilities.add.push("SYS_ADMIN")), /adds SYS_ADMIN/],
    ["the API sharing the host's PIDs", "k8s-no-host-network", (rs) => (podSpec(rs, "honeydue-api").hostPID = true), /hostPID/],
    ["the API mounting the node's disk", "k8s-no-host-path", (rs) => podSpec(rs, "honeydue-api").volumes.push({ name: "host", hostPath: { path: "/" } }), /mounts the node's \/ as volume host/],
    ["the worker mounting a service-account token", "k8s-no-service-account-token", (rs) => delete podSpec(rs, "honeydue-worker").automountServiceAccountToken, /automountServiceAccountToken: false/],
    ["the worker without a seccomp profile", "k8s-seccomp", (rs) => noSeccomp(podSpec(rs, "honeydue-worker")), /seccomp profile none/],
    ["the namespace enforcing baseline", "k8s-namespace-pod-security", (rs) => (one(rs, "kubernetes:core/v1:Namespace").inputs as any).metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline", /enforces Pod Security level baseline/],
    ["Traefik's API served insecurely", "k8s-traefik-api-closed", (rs) => traefik(rs, (v) => v.additionalArguments.push("--api.insecure=true")), /--api\.insecure=true/],
    ["Traefik's dashboard route enabled", "k8s-traefik-api-closed", (rs) => traefik(rs, (v) => (v.ingressRoute.dashboard.enabled = true)), /dashboard's IngressRoute/],
    // Issue 15: Traefik's least privilege.
    ["Traefik's chart RBAC back on", "k8s-secrets-not-cluster-wide", (rs) => traefik(rs, (v) => delete v.rbac), /keeps the chart's RBAC/],
    ["Traefik's ClusterRole reading Secrets", "k8s-secrets-not-cluster-wide", (rs) => (one(rs, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").inputs.rules as object[]).push({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }), /ClusterRole honeydue-traefik-cluster grants secrets/],
    ["Traefik's metrics on every interface", "k8s-traefik-internal-ports-local", (rs) => traefik(rs, (v) => delete v.ports.metrics), /metrics entry point to every interface/],
    // Secrets: a plain input whose output the engine would make secret, and a plain stack output.
    ["the registry's docker auth in a ConfigMap (input plain, output secret)", "secrets-inputs-stay-secret", (rs) => leakIntoSettings(rs), /honeydue:registryUsername:honeydue:registryPassword as a docker auth string/],
    ["a stack output with the registry's Basic auth", "stack-secrets-outputs-stay-secret", (rs) => (one(rs, "pulumi:pulumi:Stack").outputs!.registryAuth = `Basic ${registryAuth}`), /registryAuth holds honeydue:registryUsername:honeydue:registryPassword/],
    // A config file on a branch that turns a policy off in prod: refused, and the policy still holds.
    ["a token on a command line, with the policy disabled by config", ["k3s-command-no-inline-secret", configPolicy], (rs) => (command(rs, "honeydue-join-token").inputs.create = "k3s token rotate --new-token=9f8e7d6c5b4a39281706"), /k3s-command-no-inline-secret is mandatory in the prod stack/, { all: "disabled" }],
    // Found by review (issue 14's second pass): ways past the pack that the cases above did not try.
    ["Traefik's chart values overridden by spec.set", "k8s-helm-chart-source", (rs) => (helmChart(rs).inputs.spec.set = { "securityContext.privileged": "true", hostPID: "true" }), /spec\.set/],
    ["Traefik's chart from an archive URL, privileged", "k8s-helm-chart-source", (rs) => fromArchive(helmChart(rs)), /chart https:\/\/example\.com\/traefik-37\.1\.2\.tgz from https:\/\/traefik\.github\.io\/charts, which is not an allowed chart/],
    ["Traefik's chart rendering extra objects", "k8s-helm-chart-source", (rs) => traefik(rs, (v) => (v.extraObjects = [{ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "x" } }])), /extraObjects/],
    ["a privileged sidecar in Traefik's pod", "k8s-non-root", (rs) => traefik(rs, (v) => (v.deployment.additionalContainers = [sidecar()])), /container debug of HelmChart honeydue-traefik .*privileged: false/],
    ["the worker mounting a projected service-account token", "k8s-no-service-account-token", (rs) => projectedToken(podSpec(rs, "honeydue-worker")), /projects a service-account token in volume token/],
    ["a hostPath PersistentVolume for Redis's claim", "k8s-no-host-path", (rs) => rs.push(hostPathVolume(one(rs, "kubernetes:core/v1:PersistentVolumeClaim"))), /PersistentVolume host-root is the node's \//],
    ["Traefik's API served insecurely as --api.insecure=1", "k8s-traefik-api-closed", (rs) => traefik(rs, (v) => v.additionalArguments.push("--api.insecure=1")), /--api\.insecure=1/],
    ["an IngressRoute to Traefik's dashboard (api@internal)", "k8s-traefik-api-closed", (rs) => rs.push(dashboardRoute(one(rs, "kubernetes:core/v1:Namespace"))), /IngressRoute dashboard routes to api@internal/],
    ["a k3s token behind the short flag -t", "k3s-command-no-inline-secret", (rs) => (command(rs, "ubuntu-8gb-nbg1-2-k3s").inputs.create += "; k3s agent -t hunter2hunter2hunter2"), /the flag -t/],
    ["a token in a lowercase shell variable", "k3s-command-no-inline-secret", (rs) => (command(rs, "ubuntu-8gb-nbg1-2-k3s").inputs.create += '; k3s_token=hunter2hunter2; k3s agent --token "$k3s_token"'), /the variable k3s_token/],
    ["a workload outside the namespace", "k8s-namespace", (rs) => (deployment(rs, "honeydue-worker").inputs.metadata.namespace = "default"), /default/],
    ["Redis not pinned to its node", "k8s-redis-pvc-and-node-pin", (rs) => unpin(podSpec(rs, "honeydue-redis")), /node|pin/i],
    ["the API not waiting for the migrations", "stack-api-after-migrations", (rs) => forgetJob(deployment(rs, "honeydue-api")), /migrat/i],
];

const ZS = "cloudflare:index/zoneSetting:ZoneSetting";
const registryAuth = Buffer.from("placeholder-deployer:PLACEHOLDER-registry-password").toString("base64");
const D = "kubernetes:apps/v1:Deployment";

function one(rs: Registration[], type: string, name?: string): Registration {
    const found = rs.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `${type} ${name ?? ""}`);
    return found[0];
}
const command = (rs: Registration[], name: string) => one(rs, "command:remote:Command", name);
const record = (rs: Registration[], name: string) => one(rs, "cloudflare:index/dnsRecord:DnsRecord", name);
const deployment = (rs: Registration[], name: string) => one(rs, D, name) as Registration & { inputs: any };
const podSpec = (rs: Registration[], name: string) => deployment(rs, name).inputs.spec.template.spec;
const api = (rs: Registration[]) => podSpec(rs, "honeydue-api").containers[0];

/** A copy of a Deployment in kube-system, Pulumi name honeydue-evil-traefik, metadata.name evil-traefik. */
function intruder(d: Registration): Registration {
    const copy = structuredClone(d);
    copy.name = "honeydue-evil-traefik";
    copy.urn = copy.urn.replace(/::honeydue-worker$/, "::honeydue-evil-traefik");
    Object.assign((copy.inputs as any).metadata, { name: "evil-traefik", namespace: "kube-system" });
    return copy;
}

/** Rewrites Traefik's chart values (the HelmChart's valuesContent). */
function traefik(rs: Registration[], change: (values: any) => void): void {
    const chart = one(rs, "kubernetes:helm.cattle.io/v1:HelmChart") as Registration & { inputs: any };
    const values = parse(chart.inputs.spec.valuesContent);
    change(values);
    chart.inputs.spec.valuesContent = stringify(values);
}

const helmChart = (rs: Registration[]) => one(rs, "kubernetes:helm.cattle.io/v1:HelmChart") as Registration & { inputs: any };

/** Traefik's HelmChart pointed at an archive URL (helm-controller takes one in spec.chart), its values privileged. */
function fromArchive(chart: Registration & { inputs: any }): void {
    chart.inputs.spec.chart = "https://example.com/traefik-37.1.2.tgz";
    const values = parse(chart.inputs.spec.valuesContent);
    Object.assign(values.securityContext, { privileged: true });
    values.hostPID = true;
    chart.inputs.spec.valuesContent = stringify(values);
}

/** A sidecar for Traefik's pod (the chart's deployment.additionalContainers), compliant but for privileged. */
const sidecar = () => ({
    name: "debug",
    image: "docker.io/library/busybox:1.37.0",
    securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
});

/** automountServiceAccountToken stays false, but a projected volume mounts the token anyway. */
function projectedToken(spec: any): void {
    spec.volumes = [...(spec.volumes ?? []), { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }];
}

/** A PersistentVolume on the node's / that Redis's claim would bind to. */
function hostPathVolume(claim: Registration): Registration {
    const type = "kubernetes:core/v1:PersistentVolume";
    return {
        ...structuredClone(claim),
        type,
        name: "host-root",
        urn: claim.urn.replace(/::[^:]+::[^:]+$/, `::${type}::host-root`),
        inputs: { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "host-root" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/" }, claimRef: { namespace: "honeydue", name: "honeydue-redis-data" } } },
    };
}

/** An IngressRoute (Traefik's CRD) in the honeydue namespace that serves the dashboard. */
function dashboardRoute(ns: Registration): Registration {
    const type = "kubernetes:traefik.io/v1alpha1:IngressRoute";
    return {
        ...structuredClone(ns),
        type,
        name: "dashboard",
        urn: ns.urn.replace(/::[^:]+::[^:]+$/, `::${type}::dashboard`),
        inputs: {
            apiVersion: "traefik.io/v1alpha1",
            kind: "IngressRoute",
            metadata: { name: "dashboard", namespace: "honeydue" },
            spec: { entryPoints: ["websecure"], routes: [{ match: "Host(`dash.myhoneydue.com`)", kind: "Rule", services: [{ name: "api@internal", kind: "TraefikService" }] }] },
        },
    };
}

function noSeccomp(spec: any): void {
    delete spec.securityContext.seccompProfile;
    for (const c of spec.containers) delete c.securityContext.seccompProfile;
}

/** The settings ConfigMap gets the registry's auth string; its `data` output is made secret, its input stays plain. */
function leakIntoSettings(rs: Registration[]): void {
    const cm = one(rs, "kubernetes:core/v1:ConfigMap", "honeydue-settings");
    (cm.inputs as any).data.REGISTRY_AUTH = registryAuth;
    cm.additionalSecretOutputs = ["data"];
}

function removeWhere(rs: Registration[], drop: (r: Registration) => boolean): void {
    for (let i = rs.length - 1; i >= 0; i--) if (drop(rs[i])) rs.splice(i, 1);
}

/** Rewrites the cluster-cidr in the config.yaml payload line a server's k3s command reads on stdin. */
function driftServerConfig(cmd: Registration): void {
    const stdin = cmd.inputs.stdin as { secret: string };
    const lines = stdin.secret.split("\n").map((l) => {
        if (!l.startsWith("config.yaml ")) return l;
        const yaml = Buffer.from(l.slice("config.yaml ".length), "base64").toString("utf8");
        assert.match(yaml, /cluster-cidr: 10\.42\.0\.0\/16/);
        return `config.yaml ${Buffer.from(yaml.replace("10.42.0.0/16", "10.52.0.0/16")).toString("base64")}`;
    });
    stdin.secret = lines.join("\n");
}

function unpin(spec: any): void {
    delete spec.nodeSelector;
    delete spec.affinity;
}

/** The Deployment as if written without `dependsOn: [migrations]`. */
function forgetJob(d: Registration): void {
    const isJob = (u: string) => u.includes("kubernetes:batch/v1:Job");
    d.dependencies = d.dependencies.filter((u) => !isJob(u));
    for (const k of Object.keys(d.propertyDependencies)) d.propertyDependencies[k] = d.propertyDependencies[k].filter((u) => !isJob(u));
}

describe("broken copies of the estate", () => {
    for (const [what, policy, fix, message, config] of cases) {
        it(`${what} fails ${policy}`, async () => {
            const f = await failures(broken(fix), config);
            assert.deepEqual(f.policies.sort(), [policy].flat().sort());
            assert.match(f.messages.join("\n"), message);
        });
    }

    it("the pending policies fail the estate as it is once made mandatory (what the hardening change must fix)", async () => {
        const f = await failures(estate.resources, Object.fromEntries(pending.map((p) => [p, "mandatory"])));
        assert.deepEqual(f.policies.sort(), [...pending].sort());
    });

    it("leave the captured estate itself untouched", async () => {
        assert.deepEqual((await failures(estate.resources)).policies, []);
    });
});
