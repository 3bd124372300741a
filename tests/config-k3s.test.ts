// The k3s keys of the configuration contract, and the pure pieces of the k3s layer that depend on
// configuration the prod stack does not set (an API hostname).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError, loadConfig } from "../config";
import { rewriteKubeconfig } from "../infra/k3s/kubeconfig";
import { serverConfigs } from "../infra/k3s/serverConfig";
import { k3sYamlFixture } from "../offline/mocks-k3s";
import { offlineConfig } from "../offline/stack";
import { load, rejects } from "./support/config";

const servers = [1, 2, 3].map((i) => ({ name: `n${i}`, privateIp: `10.0.1.1${i}`, publicIpv4: `203.0.113.1${i}` }));

describe("k3s configuration keys", () => {
    it("defaults the private NIC to Hetzner's enp7s0 and flannel to vxlan", () => {
        const c = load({});
        assert.equal(c.privateInterface, "enp7s0");
        assert.equal(c.flannelBackend, "vxlan");
    });
    it("rejects a private interface that is not an interface name", () =>
        rejects({ "honeydue:privateInterface": "eth0; rm -rf /" }, "honeydue:privateInterface (got eth0; rm -rf /)", /expected a Linux network interface name such as enp7s0/));
    it("rejects an unknown flannel backend", () => rejects({ "honeydue:flannelBackend": "ipsec" }, "honeydue:flannelBackend (got ipsec)", /expected vxlan, wireguard-native or host-gw/));
    it("requires the k3s downloads' hashes, each a SHA-256 as sha256sum prints it, naming the key and where to get it", () => {
        const hex = "a".repeat(64);
        assert.equal(load({ "honeydue:k3sInstallerSha256": hex }).k3sInstallerSha256, hex);
        rejects({ "honeydue:k3sInstallerSha256": undefined }, "honeydue:k3sInstallerSha256 is missing", /expected the SHA-256 of install\.sh at the tag of honeydue:k3sVersion \(64 lower-case hex digits; docs\/runbook\/upgrade-k3s\.md says how to get it\) \(set it with `pulumi config set honeydue:k3sInstallerSha256 …`\)$/);
        rejects({ "honeydue:k3sBinarySha256": undefined }, "honeydue:k3sBinarySha256 is missing", /expected the SHA-256 of the k3s binary of honeydue:k3sVersion/);
        for (const bad of ["A".repeat(64), "a".repeat(63), `sha256:${hex}`, `${hex}  k3s`]) {
            rejects({ "honeydue:k3sBinarySha256": bad }, `honeydue:k3sBinarySha256 (got ${bad.length > 60 ? `${bad.slice(0, 57)}…` : bad})`, /expected the SHA-256 of the k3s binary/);
        }
    });
    it("takes a DNS-only API hostname", () => assert.equal(load({ "honeydue:apiHostname": "K8s.MyHoneyDue.com." }).apiHostname, "k8s.myhoneydue.com"));
});

describe("k3s with an API hostname", () => {
    const config = load({ "honeydue:apiHostname": "k8s.myhoneydue.com" });
    it("adds the hostname to tls-san on every server, next to node 1's IPv4 and the private IPs", () => {
        const { configs } = serverConfigs(config, servers);
        for (const c of configs) assert.deepEqual(c["tls-san"], ["203.0.113.11", "k8s.myhoneydue.com", "10.0.1.11", "10.0.1.12", "10.0.1.13"]);
    });
    it("points the kubeconfig at the hostname and renames k3s's 'default' entries", () => {
        const doc = parse(rewriteKubeconfig(k3sYamlFixture, "k8s.myhoneydue.com", "honeydue-prod"));
        assert.equal(doc.clusters[0].cluster.server, "https://k8s.myhoneydue.com:6443");
        assert.equal(doc.clusters[0].cluster["certificate-authority-data"], parse(k3sYamlFixture).clusters[0].cluster["certificate-authority-data"]);
        assert.deepEqual(doc.contexts[0], { name: "honeydue-prod", context: { cluster: "honeydue-prod", user: "honeydue-prod" } });
        assert.equal(doc["current-context"], "honeydue-prod");
        // kubectl resolves a context's user and cluster by name: each must exist in the file.
        const current = doc.contexts.find((c: { name: string }) => c.name === doc["current-context"]);
        assert.ok(current, "the current context exists");
        assert.ok(doc.users.some((u: { name: string }) => u.name === current.context.user), "the context's user exists");
        assert.ok(doc.clusters.some((c: { name: string }) => c.name === current.context.cluster), "the context's cluster exists");
        assert.deepEqual(doc.users.map((u: { user: unknown }) => u.user), parse(k3sYamlFixture).users.map((u: { user: unknown }) => u.user), "credentials kept");
    });
    it("refuses a kubeconfig without a cluster, clearly", () => {
        assert.throws(() => rewriteKubeconfig("apiVersion: v1\nkind: Config\n", "203.0.113.11", "x"), /has no cluster, user or context/);
    });
});

describe("k3s day-2 keys: etcdRestore and k3sToken", () => {
    const snapshot = "etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600";
    const withToken = (token: string) => {
        const { config, secretKeys } = offlineConfig({ "honeydue:k3sToken": token }, ["honeydue:k3sToken"]);
        pulumi.runtime.setAllConfig(config, secretKeys);
        return loadConfig;
    };

    it("takes a snapshot name to restore, and none by default", () => {
        assert.deepEqual(load({ "honeydue:etcdRestore": { snapshot } }).etcdRestore, { snapshot });
        assert.equal(load({}).etcdRestore, undefined);
    });
    it("rejects a snapshot given as a path", () =>
        rejects({ "honeydue:etcdRestore": { snapshot: "etcd-snapshots/../x" } }, "honeydue:etcdRestore.snapshot (got etcd-snapshots/../x)", /expected a snapshot's file name in the bucket's etcd folder, such as etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600 \(no folder, no path\)/));
    it("rejects a restore without a snapshot", () => rejects({ "honeydue:etcdRestore": {} }, "honeydue:etcdRestore.snapshot (got nothing)", /expected the snapshot's file name/));
    it("rejects an unknown key in the restore object", () =>
        rejects({ "honeydue:etcdRestore": { snapshot, path: "/tmp/x" } }, "honeydue:etcdRestore", /unknown field path; expected only snapshot/));
    it("rejects a restore given as a bare string", () => rejects({ "honeydue:etcdRestore": snapshot }, "honeydue:etcdRestore (got etcd-snapshot", /expected a JSON object such as \{"snapshot": /));

    it("takes a configured cluster token as a secret", async () => {
        const config = withToken("runningClusterToken0123456789")();
        assert.ok(config.secrets.k3sToken !== undefined && pulumi.Output.isInstance(config.secrets.k3sToken));
        assert.equal(await pulumi.isSecret(config.secrets.k3sToken), true, "the token would be stored and shown in plain text");
    });
    it("takes a token of 16 letters and digits, and refuses 15 (the shortest k3s passphrase we accept)", () => {
        assert.doesNotThrow(() => withToken("a".repeat(15) + "B")());
        assert.throws(() => withToken("a".repeat(15))(), (e: unknown) => e instanceof ConfigError && /^honeydue:k3sToken: expected a k3s cluster token of 16-128/.test(e.problems[0]));
    });
    it("rejects the secure K10… form, without echoing the value", () => {
        try {
            withToken("K10abcdef::server:runningClusterToken0123")();
            assert.fail("expected a rejection");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.equal(e.problems.length, 1, e.problems.join("\n"));
            assert.match(e.problems[0], /^honeydue:k3sToken: expected a k3s cluster token of 16-128 letters and digits \(the passphrase part, not the K10… secure form\)$/);
        }
    });
});
