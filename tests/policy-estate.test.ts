// The pack over the estate the program builds (under mocks): it passes with no mandatory violation,
// and each broken copy of it — one convention broken at a time — fails with exactly the expected policy.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { evaluate } from "../offline/policies";
import { ofType } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";
import { policies } from "../policy/all";

let estate: Estate;
before(async () => {
    estate = await runEstate();
});

const S = "hcloud:index/server:Server";
const F = "hcloud:index/firewall:Firewall";

/** The mandatory policies a set of resources violates, and their messages. */
async function failures(resources: Registration[]) {
    const report = await evaluate(resources);
    return { policies: [...new Set(report.mandatory.map((v) => v.policy))], messages: report.mandatory.map((v) => v.message), report };
}

/** A deep copy of the captured estate with one thing broken. */
function broken(fix: (rs: Registration[]) => void): Registration[] {
    const copy = structuredClone(estate.resources);
    fix(copy);
    return copy;
}

const firstServer = (rs: Registration[]) => ofType(rs, S)[0];
const rules = (rs: Registration[]) => ofType(rs, F)[0].inputs.rules as { port?: string; sourceIps: string[] }[];

describe("the whole estate", () => {
    it("passes every policy with no mandatory violation", async () => {
        const { report } = await failures(estate.resources);
        assert.deepEqual(report.mandatory, []);
        assert.deepEqual(report.violations, []);
    });

    it("is really checked: every policy ran over resources of its layer and passed", async () => {
        const { report } = await failures(estate.resources);
        const status = Object.fromEntries(report.verdicts.map((v) => [v.policy, v.status]));
        // The one policy about the deprecated cloudflare.Record has nothing to look at: the estate uses DnsRecord.
        for (const p of policies.map((x) => x.name).filter((n) => n !== "cloudflare-dns-record-resource")) assert.equal(status[p], "passed", p);
        assert.equal(status["cloudflare-dns-record-resource"], "not applicable");
        assert.equal(report.verdicts.length, policies.length);
    });
});

const cases: [string, string, (rs: Registration[]) => void, RegExp][] = [
    ["a server of another type", "hetzner-server-type", (rs) => (firstServer(rs).inputs.serverType = "cx53"), /server type cx53 is not allowed/],
    ["a server in another location", "hetzner-server-location", (rs) => (firstServer(rs).inputs.location = "fsn1"), /location fsn1 is not allowed/],
    ["a server outside the placement group", "hetzner-server-placement-group", (rs) => delete firstServer(rs).inputs.placementGroupId, /in no placement group/],
    ["a server without the firewall", "hetzner-server-firewall", (rs) => (firstServer(rs).inputs.firewallIds = []), /has no firewall/],
    ["a server without protect", "hetzner-server-protected", (rs) => (firstServer(rs).protect = false), /set the resource option protect: true/],
    ["a server without Hetzner's delete protection", "hetzner-server-protected", (rs) => (firstServer(rs).inputs.deleteProtection = false), /deleteProtection: true/],
    ["SSH open to the world", "hetzner-firewall-cluster-ports-closed", (rs) => (rules(rs).find((r) => r.port === "22")!.sourceIps = ["0.0.0.0/0"]), /tcp 22 is open to the world/],
    ["the Kubernetes API open to the world", "hetzner-firewall-cluster-ports-closed", (rs) => rules(rs).find((r) => r.port === "6443")!.sourceIps.push("::/0"), /tcp 6443 is open to the world/],
    ["HTTPS from anywhere", "hetzner-firewall-web-from-cloudflare", (rs) => rules(rs).find((r) => r.port === "443")!.sourceIps.push("198.51.100.0/24"), /443 admits 198\.51\.100\.0\/24/],
    // A whole node gone (its server and everything named for it): the count is the only thing wrong.
    ["an even number of servers", "stack-odd-server-count", (rs) => removeWhere(rs, (r) => r.name.includes("ubuntu-8gb-nbg1-3")), /has 2 servers/],
    // k3s
    ["a k3s install from a channel", "k3s-version-pinned", (rs) => (command(rs, "ubuntu-8gb-nbg1-2-k3s").inputs.create = "bash -s -- --role join --node ubuntu-8gb-nbg1-2 INSTALL_K3S_CHANNEL=stable"), /installs k3s from a channel/],
    ["a token on a command line", "k3s-command-no-inline-secret", (rs) => (command(rs, "ubuntu-8gb-nbg1-2-k3s").inputs.create = "K3S_TOKEN=hunter2hunter2 bash -s -- --role join --version v1.34.6+k3s1"), /create text carries a literal secret in the variable K3S_TOKEN/],
    ["a kubeconfig read that logs its output", "k3s-kubeconfig-secret", (rs) => delete command(rs, "honeydue-kubeconfig").inputs.logging, /logging/],
    ["a Kubernetes provider without a clusterIdentifier", "k3s-kubernetes-provider-cluster-identifier", (rs) => delete one(rs, "pulumi:providers:kubernetes").inputs.clusterIdentifier, /clusterIdentifier/],
    ["a server whose k3s config drifted", "stack-k3s-identical-server-config", (rs) => driftServerConfig(command(rs, "ubuntu-8gb-nbg1-3-k3s")), /cluster-cidr/],
    // edge
    ["an app record not proxied", "cloudflare-record-proxied", (rs) => (record(rs, "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a").inputs.proxied = false), /proxied/],
    ["a node missing from a hostname's round robin", "stack-round-robin-complete", (rs) => removeWhere(rs, (r) => r.name === "admin.myhoneydue.com-ubuntu-8gb-nbg1-2-a"), /ubuntu-8gb-nbg1-2/],
    ["SSL off at the zone", "cloudflare-ssl-not-off", (rs) => (one(rs, ZS, "myhoneydue.com-ssl").inputs.value = "off"), /off/],
    ["TLS 1.0 allowed at the zone", "cloudflare-min-tls-version", (rs) => (one(rs, ZS, "myhoneydue.com-min-tls-version").inputs.value = "1.0"), /1\.0/],
    // workloads
    ["an image on :latest", "k8s-image-pinned", (rs) => (api(rs).image = "gitea.treytartt.com/treytartt/honeydue-api:latest"), /latest/],
    ["an image from another registry", "k8s-image-registry", (rs) => (api(rs).image = "ghcr.io/someone/honeydue-api:1.0.0"), /ghcr\.io/],
    ["a container without a memory limit", "k8s-container-resources", (rs) => delete api(rs).resources.limits, /limit/],
    ["a container without probes", "k8s-probes", (rs) => ["livenessProbe", "readinessProbe", "startupProbe"].forEach((p) => delete api(rs)[p]), /container api of Deployment api has no readinessProbe or livenessProbe/],
    ["a container allowed to escalate", "k8s-non-root", (rs) => (api(rs).securityContext.allowPrivilegeEscalation = true), /privilege escalation|allowPrivilegeEscalation/],
    ["the API on the host network", "k8s-no-host-network", (rs) => (podSpec(rs, "honeydue-api").hostNetwork = true), /hostNetwork/],
    ["a secret as a literal env value", "k8s-secret-references", (rs) => api(rs).env.push({ name: "DATABASE_URL_COPY", value: "postgresql://u:p@h/db" }), /DATABASE_URL_COPY/],
    ["a workload outside the namespace", "k8s-namespace", (rs) => (deployment(rs, "honeydue-worker").inputs.metadata.namespace = "default"), /default/],
    ["Redis not pinned to its node", "k8s-redis-pvc-and-node-pin", (rs) => unpin(podSpec(rs, "honeydue-redis")), /node|pin/i],
    ["the API not waiting for the migrations", "stack-api-after-migrations", (rs) => forgetJob(deployment(rs, "honeydue-api")), /migrat/i],
];

const ZS = "cloudflare:index/zoneSetting:ZoneSetting";
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
    for (const [what, policy, fix, message] of cases) {
        it(`${what} fails ${policy}`, async () => {
            const f = await failures(broken(fix));
            assert.deepEqual(f.policies, [policy]);
            assert.match(f.messages.join("\n"), message);
        });
    }

    it("leave the captured estate itself untouched", async () => {
        assert.deepEqual((await failures(estate.resources)).policies, []);
    });
});
