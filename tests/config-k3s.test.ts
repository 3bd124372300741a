// The k3s keys of the configuration contract, and the pure pieces of the k3s layer that depend on
// configuration the prod stack does not set (an API hostname).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { ConfigError, loadConfig } from "../config";
import { rewriteKubeconfig } from "../infra/k3s/kubeconfig";
import { renderServerConfig, serverConfigs } from "../infra/k3s/serverConfig";
import { k3sYamlFixture } from "../offline/mocks-k3s";
import { offlineConfig } from "../offline/stack";
import { load, problems, rejects } from "./support/config";

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
        rejects({ "honeydue:k3sBinarySha256": undefined }, "honeydue:k3sBinarySha256 is missing", /expected the SHA-256 of the k3s binary of honeydue:k3sVersion .*sha256sum-amd64\.txt, or sha256sum-arm64\.txt for cax types/);
        for (const bad of ["A".repeat(64), "a".repeat(63), `sha256:${hex}`, `${hex}  k3s`]) {
            rejects({ "honeydue:k3sBinarySha256": bad }, `honeydue:k3sBinarySha256 (got ${bad.length > 60 ? `${bad.slice(0, 57)}…` : bad})`, /expected the SHA-256 of the k3s binary/);
        }
    });
    it("takes a DNS-only API hostname", () => assert.equal(load({ "honeydue:apiHostname": "K8s.MyHoneyDue.com." }).apiHostname, "k8s.myhoneydue.com"));
});

// What k3s and B2 get when the stack leaves a key out, and what they would refuse or misread.
describe("the cluster's keys: defaults and refusals", () => {
    it("defaults to the cluster the estate runs: pod and service ranges, snapshots every 6 hours kept 28 times, the B2 bucket", () => {
        const c = load({ "honeydue:k3sVersion": undefined, "honeydue:b2Bucket": undefined, "honeydue:b2Region": undefined });
        assert.equal(c.k3sVersion, "v1.34.6+k3s1");
        assert.equal(c.clusterCidr, "10.42.0.0/16");
        assert.equal(c.serviceCidr, "10.43.0.0/16");
        assert.equal(c.etcdSnapshotSchedule, "0 */6 * * *");
        assert.equal(c.etcdSnapshotRetention, 28);
        assert.equal(c.b2Bucket, "honeyDueProd");
        assert.equal(c.b2Region, "us-east-005");
        assert.equal(c.etcdSnapshotFolder, "etcd-snapshots");
        assert.equal(c.b2Endpoint, "s3.us-east-005.backblazeb2.com");
    });
    it("takes a pinned k3s release only, whole", () => {
        for (const v of ["v1.33.10+k3s2", "v10.0.0+k3s12"]) assert.equal(load({ "honeydue:k3sVersion": v }).k3sVersion, v);
        for (const v of ["v1.34.6+k3s1-rc1", "1.34.6+k3s1", "v1.34.6", "v1.34.6+k3s", "xv1.34.6+k3s1"])
            rejects({ "honeydue:k3sVersion": v }, `honeydue:k3sVersion (got ${v})`, /expected a pinned k3s release such as v1\.34\.6\+k3s1 \(not a channel like 'stable' or a partial version\)/);
    });
    it("refuses a service range that overlaps the pods' or the private network", () => {
        rejects({ "honeydue:serviceCidr": "10.42.128.0/17" }, "honeydue:clusterCidr", /10\.42\.0\.0\/16 overlaps serviceCidr 10\.42\.128\.0\/17; expected ranges that do not overlap/);
        assert.deepEqual(problems({ "honeydue:serviceCidr": "10.0.0.0/8" }), [
            "honeydue:clusterCidr: 10.42.0.0/16 overlaps serviceCidr 10.0.0.0/8; expected ranges that do not overlap",
            "honeydue:serviceCidr: 10.0.0.0/8 overlaps networkCidr 10.0.0.0/16; expected ranges that do not overlap",
        ]);
        assert.ok(problems({ "honeydue:serviceCidr": "10.0.2.0/24" }).some((p) => p === "honeydue:serviceCidr: 10.0.2.0/24 overlaps networkCidr 10.0.0.0/16; expected ranges that do not overlap"));
        assert.equal(load({ "honeydue:serviceCidr": "10.44.0.0/16" }).serviceCidr, "10.44.0.0/16");
    });
    it("keeps from 1 to 500 snapshots", () => {
        assert.equal(load({ "honeydue:etcdSnapshotRetention": 1 }).etcdSnapshotRetention, 1);
        assert.equal(load({ "honeydue:etcdSnapshotRetention": 500 }).etcdSnapshotRetention, 500);
        for (const n of [0, 501]) rejects({ "honeydue:etcdSnapshotRetention": n }, `honeydue:etcdSnapshotRetention (got ${n})`, /expected a whole number from 1 to 500/);
    });
    it("refuses a cron schedule that is not five fields, and says what is expected", () =>
        rejects({ "honeydue:etcdSnapshotSchedule": "0 */6 * *" }, "honeydue:etcdSnapshotSchedule", /; expected a five-field cron expression \(minute hour day-of-month month day-of-week\) such as '0 \*\/6 \* \* \*'$/));
    it("takes B2's names as B2 spells them and refuses what it would not (the snapshot upload would fail at 3 a.m.)", () => {
        const ok = load({ "honeydue:b2Bucket": "honey-Due-2", "honeydue:b2Region": "eu-central-003", "honeydue:b2KeyId": "0055aa66bb77", "honeydue:etcdSnapshotFolder": "prod/etcd_snaps-1" });
        assert.deepEqual([ok.b2Bucket, ok.b2Region, ok.b2KeyId, ok.etcdSnapshotFolder], ["honey-Due-2", "eu-central-003", "0055aa66bb77", "prod/etcd_snaps-1"]);
        assert.equal(load({ "honeydue:b2Bucket": "a".repeat(50), "honeydue:b2KeyId": "a".repeat(40) }).b2Bucket.length, 50);
        const shortest = load({ "honeydue:b2Bucket": "abcdef", "honeydue:etcdSnapshotFolder": "e" });
        assert.deepEqual([shortest.b2Bucket, shortest.etcdSnapshotFolder], ["abcdef", "e"]);
        for (const b of ["short", "a".repeat(51), "honey_due_prod", "honey due prod", "x honeyDueProd", "honeyDueProd x"])
            rejects({ "honeydue:b2Bucket": b }, `honeydue:b2Bucket (got ${b})`, /expected a Backblaze B2 bucket name \(6-50 letters, digits, '-'\)/);
        for (const r of ["us-east-5", "US-east-005", "us-east-0055", "xus-east-005", "us-east-005x", "useast-005", "u-east-005", "usa-east-005"])
            rejects({ "honeydue:b2Region": r }, `honeydue:b2Region (got ${r})`, /expected a Backblaze B2 region such as us-east-005/);
        for (const k of ["a".repeat(11), "a".repeat(41), "0055aa66bb7-", " 0055aa66bb77", "0055aa66bb77 "])
            rejects({ "honeydue:b2KeyId": k }, "honeydue:b2KeyId", /expected a Backblaze B2 application key id \(12-40 letters and digits\)/);
        for (const f of ["/etcd", "Etcd", "etcd snapshots", "-etcd", "etcd$"])
            rejects({ "honeydue:etcdSnapshotFolder": f }, `honeydue:etcdSnapshotFolder (got ${f})`, /expected a folder name such as etcd-snapshots/);
    });
    it("takes an interface name up to Linux's 15 characters", () => {
        assert.equal(load({ "honeydue:privateInterface": "enp7s0.4000" }).privateInterface, "enp7s0.4000");
        assert.equal(load({ "honeydue:privateInterface": "a".repeat(15) }).privateInterface, "a".repeat(15));
        for (const i of ["a".repeat(16), "7enp", "Enp7s0", " enp7s0", "enp7s0 "])
            rejects({ "honeydue:privateInterface": i }, "honeydue:privateInterface", /expected a Linux network interface name such as enp7s0 \(the node's private NIC\)/);
    });
    // Set explicitly, not defaulted: zod hands back a default without checking it.
    it("takes each flannel backend set explicitly, vxlan included", () => {
        for (const b of ["vxlan", "wireguard-native", "host-gw"]) assert.equal(load({ "honeydue:flannelBackend": b }).flannelBackend, b);
    });
    it("takes a snapshot schedule the operator sets", () => {
        for (const cron of ["0 */6 * * *", "30 2 * * 1-5"]) assert.equal(load({ "honeydue:etcdSnapshotSchedule": cron }).etcdSnapshotSchedule, cron);
    });
    // k3s passes the value to robfig/cron v3.0.1 untrimmed (k3s-io/k3s pkg/configfilearg/parser.go
    // readConfigFile writes `--etcd-snapshot-schedule-cron=<value>` as read; pkg/etcd NewETCD's
    // cron.New takes the default standardParser), whose Parse (parser.go) tests `HasPrefix(spec, "@")`
    // before any trim: " @daily" is one field of five, "@daily " an unrecognized descriptor. AddJob's
    // error is dropped (pkg/etcd/snapshot.go setSnapshotFunction), so k3s would run without snapshots.
    it("writes the snapshot schedule into every server's config.yaml without the blanks around it, so a stray blank cannot stop the snapshots", () => {
        for (const [given, written] of [[" @daily ", "@daily"], ["@every 6h\t", "@every 6h"], [" 0 3 * * * ", "0 3 * * *"]]) {
            const { configs, rejoin } = serverConfigs(load({ "honeydue:etcdSnapshotSchedule": given }), servers);
            for (const c of [...configs, rejoin]) assert.equal(parse(renderServerConfig(c))["etcd-snapshot-schedule-cron"], written, JSON.stringify(given));
        }
    });
    it("still names what is wrong in a schedule given with blanks around it, quoted without them", () =>
        rejects({ "honeydue:etcdSnapshotSchedule": " @dailyx " }, 'honeydue:etcdSnapshotSchedule (got  @dailyx ): "@dailyx" is not a descriptor', /; expected a five-field cron expression/));
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
    it("refuses a k3s.yaml read half-written or empty (no cluster, no user or no context), naming the file to look at on node 1", () => {
        // kubectl cannot use a context whose user or cluster is missing: better the run stops here than the provider later.
        const fixture = parse(k3sYamlFixture) as Record<string, unknown[]>;
        const without = (key: string, value: unknown) => stringify({ ...fixture, [key]: value });
        const cases = ["", "null\n", ...["clusters", "users", "contexts"].flatMap((k) => [without(k, undefined), without(k, [])])];
        for (const text of cases) {
            assert.throws(() => rewriteKubeconfig(text, "203.0.113.11", "honeydue-prod"), /^Error: the kubeconfig read from the first server has no cluster, user or context \(is \/etc\/rancher\/k3s\/k3s\.yaml complete\?\)$/, JSON.stringify(text.slice(0, 40)));
        }
        assert.doesNotThrow(() => rewriteKubeconfig(stringify(fixture), "203.0.113.11", "honeydue-prod"));
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
        // A file name as B2 and k3s take it: up to 251 characters, never hidden or relative.
        for (const name of ["e", "e".repeat(251)]) assert.deepEqual(load({ "honeydue:etcdRestore": { snapshot: name } }).etcdRestore, { snapshot: name });
        for (const name of ["e".repeat(252), ".etcd-snapshot", "-etcd-snapshot", "etcd snapshot", " etcd", "etcd "])
            rejects({ "honeydue:etcdRestore": { snapshot: name } }, "honeydue:etcdRestore.snapshot", /expected a snapshot's file name in the bucket's etcd folder/);
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
    it("leaves an unset cluster token out of the secrets, so node 1 gets a generated token and not an empty one", () => {
        // infra/k3s/token.ts clusterToken takes any k3sToken present in config.secrets as configured
        // (`if (configured)`), reading an unset one as "": present but unset would start the
        // cluster with an empty token instead of a RandomPassword. Likewise the B2 uses' own keys.
        const c = load({});
        assert.equal(c.secrets.k3sToken, undefined);
        assert.deepEqual(
            ["k3sToken", "etcdB2ApplicationKey", "redisBackupB2ApplicationKey"].filter((k) => k in c.secrets),
            [],
        );
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
