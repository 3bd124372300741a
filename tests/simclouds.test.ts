// The rehearsal's simulated providers (rehearsal/providers), called in process as the engine calls
// them through @pulumi/pulumi's provider server: check → diff → create/update/delete, read for
// import and refresh, invoke. Each provider's cloud lives in a temporary REHEARSAL_STATE.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type * as sdk from "@pulumi/pulumi/provider";
import { provider as cloudflare, zoneIdOf } from "../rehearsal/providers/src/cloudflare";
import { provider as hcloud } from "../rehearsal/providers/src/hcloud";
import { forceNewPaths, provider as kubernetes } from "../rehearsal/providers/src/kubernetes";
import { provider as random } from "../rehearsal/providers/src/random";
import { secretSig, sigKey, unknown } from "../rehearsal/providers/src/values";

const state = mkdtempSync(join(tmpdir(), "simclouds-"));
const cloud = (name: string) => JSON.parse(readFileSync(join(state, "clouds", `${name}.json`), "utf8"));
const writeCloud = (name: string, value: unknown) => writeFileSync(join(state, "clouds", `${name}.json`), JSON.stringify(value));
const urn = (type: string, name: string) => `urn:pulumi:rehearsal::honeydue::honeydue:component$${type}::${name}`;
const secret = (value: unknown) => ({ [sigKey]: secretSig, value });

/** What the engine does for a new resource: Check, then Create with the checked inputs. */
async function up(p: sdk.Provider, u: string, news: Record<string, unknown>) {
    const { inputs } = await p.check!(u, {}, news);
    return { inputs, ...(await p.create!(u, inputs)) };
}

/** What the engine does for an existing one: Check against the old inputs, then Diff against the old outputs. */
async function plan(p: sdk.Provider, u: string, id: string, oldInputs: Record<string, unknown>, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const { inputs } = await p.check!(u, oldInputs, news);
    return { inputs, diff: await p.diff!(id, u, olds, inputs) };
}

before(() => {
    process.env.REHEARSAL_STATE = state;
    mkdirSync(join(state, "hosts"), { recursive: true });
    mkdirSync(join(state, "clouds"), { recursive: true });
    writeFileSync(join(state, "hosts", "addresses.json"), JSON.stringify({ "node-1": "127.0.1.11", "node-2": "127.0.1.12", "node-3": "127.0.1.13" }));
});
after(() => rmSync(state, { recursive: true, force: true }));

describe("simulated hcloud", () => {
    const T = {
        key: "hcloud:index/sshKey:SshKey",
        network: "hcloud:index/network:Network",
        subnet: "hcloud:index/networkSubnet:NetworkSubnet",
        firewall: "hcloud:index/firewall:Firewall",
        server: "hcloud:index/server:Server",
    };
    const ids: Record<string, string> = {};
    let serverInputs: Record<string, unknown>;
    let serverOuts: Record<string, unknown>;
    const serverArgs = () => ({
        name: "node-1",
        serverType: "cx33",
        image: "ubuntu-24.04",
        location: "nbg1",
        sshKeys: [ids.key],
        firewallIds: [Number(ids.firewall)],
        networks: [{ networkId: Number(ids.network), ip: "10.0.1.11" }],
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
        userData: "#cloud-config\n",
        labels: { node: "node-1" },
        deleteProtection: true,
        rebuildProtection: true,
        shutdownBeforeDeletion: true,
    });

    it("creates with numeric ids in order, and a server gets its test host's address and a documentation IPv6", async () => {
        ids.key = (await up(hcloud, urn(T.key, "k"), { name: "honeydue-operator", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperator op" })).id;
        ids.network = (await up(hcloud, urn(T.network, "n"), { name: "honeydue-private", ipRange: "10.0.0.0/16", deleteProtection: true })).id;
        ids.subnet = (await up(hcloud, urn(T.subnet, "s"), { networkId: Number(ids.network), type: "cloud", networkZone: "eu-central", ipRange: "10.0.1.0/24" })).id;
        ids.firewall = (await up(hcloud, urn(T.firewall, "f"), { name: "honeydue-firewall", rules: [] })).id;
        const made = await up(hcloud, urn(T.server, "node-1"), serverArgs());
        ids.server = made.id;
        serverInputs = made.inputs;
        serverOuts = made.outs;
        assert.deepEqual([ids.key, ids.network, ids.firewall, ids.server], ["1000001", "1000002", "1000004", "1000005"]);
        assert.equal(ids.subnet, "1000002-10.0.1.0/24", "the subnet's id is the provider's `<network id>-<ip range>`");
        assert.equal(serverOuts.ipv4Address, "127.0.1.11");
        assert.match(String(serverOuts.ipv6Address), /^2001:db8:/);
        assert.equal(cloud("hcloud").tables.servers[ids.server].name, "node-1");
        assert.deepEqual(
            cloud("hcloud").operations.map((o: { op: string; table: string }) => `${o.op} ${o.table}`),
            ["create sshKeys", "create networks", "create networkSubnets", "create firewalls", "create servers"],
            "the cloud logs every change in order",
        );
    });

    it("replaces a server on image, location, userData or sshKeys, updates it on type or labels (ForceNew in resource.go)", async () => {
        for (const [key, value] of [["image", "debian-12"], ["location", "fsn1"], ["userData", "#cloud-config\nx: 1\n"], ["sshKeys", ["999"]]] as const) {
            const { diff } = await plan(hcloud, urn(T.server, "node-1"), ids.server, serverInputs, serverOuts, { ...serverArgs(), [key]: value });
            assert.deepEqual([diff.changes, diff.replaces], [true, [key]], key);
        }
        for (const [key, value] of [["serverType", "cx43"], ["labels", { node: "x" }], ["firewallIds", []]] as const) {
            const { diff } = await plan(hcloud, urn(T.server, "node-1"), ids.server, serverInputs, serverOuts, { ...serverArgs(), [key]: value });
            assert.deepEqual([diff.changes, diff.replaces], [true, []], key);
        }
        const same = await plan(hcloud, urn(T.server, "node-1"), ids.server, serverInputs, serverOuts, serverArgs());
        assert.equal(same.diff.changes, false);
        const preview = await plan(hcloud, urn(T.server, "node-1"), ids.server, serverInputs, serverOuts, { ...serverArgs(), image: unknown });
        assert.deepEqual(preview.diff.replaces, ["image"], "an unknown ForceNew input is a replacement, as in the bridge");
    });

    it("refuses a second server of the same name, and a taken private IP, as the API does", async () => {
        await assert.rejects(up(hcloud, urn(T.server, "node-1b"), { ...serverArgs(), networks: [] }), /name is already used \(uniqueness_error\)/);
        await assert.rejects(up(hcloud, urn(T.server, "node-2"), { ...serverArgs(), name: "node-2" }), /IP 10\.0\.1\.11 is already in use .*ip_not_available/);
        await assert.rejects(up(hcloud, urn(T.key, "k2"), { name: "other", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperator op" }), /same fingerprint/);
    });

    it("a server without a test host address fails with a message naming the file", async () => {
        await assert.rejects(up(hcloud, urn(T.server, "node-9"), { ...serverArgs(), name: "node-9", networks: [] }), /no test host for server node-9: .*addresses\.json/);
    });

    it("imports a server by its numeric id with the inputs the API knows (no userData, sshKeys, publicNets)", async () => {
        const read = await hcloud.read!(ids.server, urn(T.server, "node-1"), {});
        assert.equal(read.id, ids.server);
        assert.equal(read.inputs.name, "node-1");
        assert.equal(read.inputs.serverType, "cx33");
        for (const k of ["userData", "sshKeys", "publicNets"]) assert.equal(read.inputs[k], undefined, k);
        await assert.rejects(hcloud.read!("424242", urn(T.server, "node-1"), {}), /resource '424242' does not exist/, "importing an unknown id fails");
        assert.equal((await hcloud.read!("424242", urn(T.server, "node-1"), serverOuts)).id, "", "refreshing a vanished server reads as gone");
    });

    it("adopts a hand-written server record: import, then only in-place changes and no boot", async () => {
        const c = cloud("hcloud");
        c.tables.servers["77"] = { name: "node-2", serverType: "cx33", image: "ubuntu-24.04", location: "nbg1", ipv4Address: "127.0.1.12", networks: [{ networkId: Number(ids.network), ip: "10.0.1.12" }], labels: {} };
        writeCloud("hcloud", c);
        const read = await hcloud.read!("77", urn(T.server, "node-2"), {});
        // What the engine sends after ignoreChanges (image, userData, sshKeys, publicNets, placementGroupId take the read values).
        const news: Record<string, unknown> = { ...serverArgs(), name: "node-2", networks: [{ networkId: Number(ids.network), ip: "10.0.1.12" }], labels: { node: "node-2" } };
        for (const k of ["image", "userData", "sshKeys", "publicNets", "placementGroupId"]) news[k] = read.inputs[k];
        const { inputs, diff } = await plan(hcloud, urn(T.server, "node-2"), "77", read.inputs, read.props!, news);
        assert.deepEqual([diff.changes, diff.replaces], [true, []], "labels, firewall and protection change in place");
        await hcloud.update!("77", urn(T.server, "node-2"), read.props!, inputs);
        assert.equal(cloud("hcloud").tables.servers["77"].boots, undefined, "no power cycle");
        assert.equal(cloud("hcloud").tables.servers["77"].ipv4Address, "127.0.1.12");
    });

    it("counts a boot for each change made with the server powered off (placement group, type)", async () => {
        const news = { ...serverArgs(), placementGroupId: 7 };
        await hcloud.update!(ids.server, urn(T.server, "node-1"), serverOuts, news);
        assert.equal(cloud("hcloud").tables.servers[ids.server].boots, 2);
        await hcloud.update!(ids.server, urn(T.server, "node-1"), { ...serverOuts, ...news }, { ...news, labels: { node: "node-1", x: "y" } });
        assert.equal(cloud("hcloud").tables.servers[ids.server].boots, 2, "a label change does not reboot");
    });

    it("refuses to delete a protected server or network, and a firewall in use (protected / resource_in_use)", async () => {
        await assert.rejects(hcloud.delete!(ids.server, urn(T.server, "node-1"), serverOuts), /delete protected.*\(protected\)/);
        await assert.rejects(hcloud.delete!(ids.network, urn(T.network, "n"), {}), /\(protected\)/);
        await assert.rejects(hcloud.delete!(ids.firewall, urn(T.firewall, "f"), {}), /still in use.*resource_in_use/);
        await hcloud.update!(ids.server, urn(T.server, "node-1"), serverOuts, { ...serverArgs(), deleteProtection: false });
        await hcloud.delete!(ids.server, urn(T.server, "node-1"), serverOuts);
        await assert.rejects(hcloud.delete!(ids.firewall, urn(T.firewall, "f"), {}), /in use by server 77/, "the adopted server uses it too");
        const adopted = cloud("hcloud").tables.servers["77"];
        await hcloud.update!("77", urn(T.server, "node-2"), adopted, { ...adopted, deleteProtection: false });
        await hcloud.delete!("77", urn(T.server, "node-2"), adopted);
        await hcloud.delete!(ids.firewall, urn(T.firewall, "f"), {});
        assert.equal(cloud("hcloud").tables.servers[ids.server], undefined);
    });
});

describe("simulated cloudflare", () => {
    const zoneId = zoneIdOf("myhoneydue.com");
    const REC = "cloudflare:index/dnsRecord:DnsRecord";
    const args = { zoneId, name: "api.myhoneydue.com", type: "A", content: "127.0.1.11", proxied: true, ttl: 1, comment: "node node-1" };
    let rec: Awaited<ReturnType<typeof up>>;

    it("answers getZone by name and getIpRanges", async () => {
        const zone = await cloudflare.invoke!("cloudflare:index/getZone:getZone", { filter: { name: "myhoneydue.com" } });
        assert.deepEqual([zone.outputs.id, zone.outputs.name], [zoneId, "myhoneydue.com"]);
        await assert.rejects(cloudflare.invoke!("cloudflare:index/getZone:getZone", { filter: { name: "example.org" } }), /no zone matches/);
        const ranges = await cloudflare.invoke!("cloudflare:index/getIpRanges:getIpRanges", {});
        assert.ok(ranges.outputs.ipv4Cidrs.includes("173.245.48.0/20") && ranges.outputs.ipv6Cidrs.length > 0);
    });

    it("a record is unique per name, type and content (81058)", async () => {
        rec = await up(cloudflare, urn(REC, "api-a-node-1"), args);
        await assert.rejects(up(cloudflare, urn(REC, "dup"), args), /identical record already exists/);
        await up(cloudflare, urn(REC, "api-a-node-2"), { ...args, content: "127.0.1.12" });
    });

    it("replaces on type or zoneId, updates name, content, proxied, ttl (RequiresReplace in schema.go)", async () => {
        const d = async (change: Record<string, unknown>) => (await plan(cloudflare, urn(REC, "api-a-node-1"), rec.id, rec.inputs, rec.outs, { ...args, ...change })).diff;
        assert.deepEqual((await d({ type: "AAAA" })).replaces, ["type"]);
        assert.deepEqual((await d({ zoneId: "other" })).replaces, ["zoneId"]);
        for (const change of [{ content: "127.0.1.13" }, { proxied: false }, { ttl: 300 }, { name: "x.myhoneydue.com" }]) {
            const diff = await d(change);
            assert.deepEqual([diff.changes, diff.replaces], [true, []], JSON.stringify(change));
        }
        assert.equal((await d({})).changes, false);
        const uncommented: Record<string, unknown> = { ...args };
        delete uncommented.comment;
        const updated = await cloudflare.update!(rec.id, urn(REC, "api-a-node-1"), rec.outs, uncommented);
        assert.equal(updated.outs.comment, undefined, "an input no longer set is unset in the cloud");
        assert.equal((await cloudflare.diff!(rec.id, urn(REC, "api-a-node-1"), updated.outs, uncommented)).changes, false);
        rec = { ...rec, outs: (await cloudflare.update!(rec.id, urn(REC, "api-a-node-1"), updated.outs, args)).outs };
    });

    it("imports a record by `<zone_id>/<record_id>` and a setting by `<zone_id>/<setting_id>`", async () => {
        const read = await cloudflare.read!(`${zoneId}/${rec.id}`, urn(REC, "api-a-node-1"), {});
        assert.equal(read.id, rec.id);
        assert.equal(read.inputs.content, "127.0.1.11");
        const SET = "cloudflare:index/zoneSetting:ZoneSetting";
        const made = await up(cloudflare, urn(SET, "ssl"), { zoneId, settingId: "ssl", value: "flexible" });
        assert.equal(made.id, "ssl");
        const imported = await cloudflare.read!(`${zoneId}/ssl`, urn(SET, "ssl"), {});
        assert.deepEqual([imported.id, imported.inputs.value], ["ssl", "flexible"]);
        const refreshed = await cloudflare.read!("ssl", urn(SET, "ssl"), made.outs);
        assert.equal(refreshed.id, "ssl", "a refresh finds the setting by the zone in its state");
    });
});

describe("simulated cloudflare: the origin", () => {
    const zoneId = zoneIdOf("myhoneydue.com");
    const T = {
        cert: "cloudflare:index/originCaCertificate:OriginCaCertificate",
        pull: "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
        pulls: "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
        setting: "cloudflare:index/zoneSetting:ZoneSetting",
    };
    const csr = "-----BEGIN CERTIFICATE REQUEST-----\nx\n-----END CERTIFICATE REQUEST-----\n";
    const certArgs = { csr, hostnames: ["api.myhoneydue.com", "myhoneydue.com"], requestType: "origin-ecc" };

    it("issues an Origin CA certificate for the account's hostnames only, 5475 days unless asked", async () => {
        const made = await up(cloudflare, urn(T.cert, "origin"), certArgs);
        assert.match(String(made.outs.certificate), /^-----BEGIN CERTIFICATE-----/);
        assert.equal(made.outs.requestedValidity, 5475);
        assert.equal(made.outs.expiresOn, "2040-12-28T00:00:00Z");
        await assert.rejects(up(cloudflare, urn(T.cert, "other"), { ...certArgs, hostnames: ["www.example.org"] }), /not in a zone of this account/);
        const bad = await cloudflare.check!(urn(T.cert, "x"), {}, { ...certArgs, requestedValidity: 100 });
        assert.deepEqual(bad.failures?.map((f) => f.property), ["requestedValidity"]);
        const d = async (change: Record<string, unknown>) => (await plan(cloudflare, urn(T.cert, "origin"), made.id, made.inputs, made.outs, { ...certArgs, ...change })).diff;
        assert.deepEqual((await d({ hostnames: ["api.myhoneydue.com"] })).replaces, ["hostnames"]);
        assert.deepEqual((await d({ csr: csr.replace("x", "y") })).replaces, ["csr"]);
        assert.equal((await d({})).changes, false);
    });

    it("uploads a zone's origin-pull certificate (not updatable: a new certificate replaces it; the key is not read back)", async () => {
        const args = { zoneId, certificate: "-----BEGIN CERTIFICATE-----\nc\n-----END CERTIFICATE-----\n", privateKey: secret("-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n") };
        const made = await up(cloudflare, urn(T.pull, "pull"), args);
        assert.equal(made.outs.status, "active");
        assert.deepEqual(made.outs.privateKey, args.privateKey, "the key stays secret in the outputs");
        const d = await plan(cloudflare, urn(T.pull, "pull"), made.id, made.inputs, made.outs, { ...args, certificate: args.certificate.replace("c", "d") });
        assert.deepEqual(d.diff.replaces, ["certificate"]);
        const read = await cloudflare.read!(`${zoneId}/${made.id}`, urn(T.pull, "pull"), {});
        assert.deepEqual([read.id, read.inputs.privateKey], [made.id, undefined]);
        await assert.rejects(up(cloudflare, urn(T.pull, "nozone"), { ...args, zoneId: "0".repeat(32) }), /not found/);
    });

    it("turns AOP on per zone, id the zone id; deleting the resource leaves AOP on at Cloudflare", async () => {
        const made = await up(cloudflare, urn(T.pulls, "pulls"), { zoneId, enabled: true });
        assert.equal(made.id, zoneId);
        await cloudflare.delete!(made.id, urn(T.pulls, "pulls"), made.outs);
        assert.deepEqual(cloud("cloudflare").tables.originPullSettings[zoneId], { zoneId, enabled: true });
    });

    it("answers getZoneSetting with the zone's current value, or a new zone's default", async () => {
        const ask = async (settingId: string) => (await cloudflare.invoke!("cloudflare:index/getZoneSetting:getZoneSetting", { zoneId, settingId })).outputs.value;
        assert.equal(await ask("min_tls_version"), "1.0", "never written: a new zone's value");
        await up(cloudflare, urn(T.setting, "ssl-strict"), { zoneId, settingId: "ssl", value: "strict" });
        assert.equal(await ask("ssl"), "strict");
        await assert.rejects(cloudflare.invoke!("cloudflare:index/getZoneSetting:getZoneSetting", { zoneId, settingId: "waf" }), /no value for zone setting waf/);
    });

    it("lists the zone's origin-pull certificates with their status (the ssl switch waits for an active one)", async () => {
        const token = "cloudflare:index/getAuthenticatedOriginPullsCertificates:getAuthenticatedOriginPullsCertificates";
        const listed = (await cloudflare.invoke!(token, { zoneId })).outputs.results as { status: string }[];
        // The upload above is in this zone's table.
        assert.ok(listed.length >= 1);
        assert.ok(listed.every((c) => c.status === "active"), JSON.stringify(listed));
        await assert.rejects(cloudflare.invoke!(token, { zoneId: "0".repeat(32) }), /not found/);
    });
});

describe("simulated kubernetes", () => {
    const NS = "kubernetes:core/v1:Namespace";
    const JOB = "kubernetes:batch/v1:Job";
    const DEP = "kubernetes:apps/v1:Deployment";
    const SECRET = "kubernetes:core/v1:Secret";
    const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
    const pod = (image: string) => ({ containers: [{ name: "c", image }], restartPolicy: "Never" });
    const job = (image: string) => ({ metadata: { name: "migrate-v1", namespace: "honeydue", annotations: { "pulumi.com/replaceUnready": "true" } }, spec: { backoffLimit: 1, template: { spec: pod(image) } } });
    const deployment = (image: string, app = "api") => ({
        metadata: { name: "api", namespace: "honeydue" },
        spec: { replicas: 2, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: pod(image) } },
    });

    it("creates a namespaced object only in an existing namespace, with id `namespace/name`", async () => {
        await assert.rejects(up(kubernetes, urn(DEP, "api"), deployment("api:1")), /namespaces "honeydue" not found/);
        assert.equal((await up(kubernetes, urn(NS, "ns"), { metadata: { name: "honeydue" } })).id, "honeydue");
        const dep = await up(kubernetes, urn(DEP, "api"), deployment("api:1"));
        assert.equal(dep.id, "honeydue/api");
        assert.equal((dep.outs.status as { availableReplicas: number }).availableReplicas, 2, "rolled out");
    });

    it("refuses an object that already exists unless upsertExistingObjects is on", async () => {
        await assert.rejects(up(kubernetes, urn(DEP, "api-again"), deployment("api:1")), /deployments "api" already exists/);
        writeCloud("kubernetes", { ...cloud("kubernetes"), upsertExistingObjects: true });
        await up(kubernetes, urn(DEP, "api-again"), deployment("api:1"));
        writeCloud("kubernetes", { ...cloud("kubernetes"), upsertExistingObjects: false });
    });

    it("replaces on the immutable fields of diff.go's forceNew table, updates the rest", async () => {
        const dep = await kubernetes.read!("honeydue/api", urn(DEP, "api"), {});
        const depDiff = async (news: Record<string, unknown>) => (await plan(kubernetes, urn(DEP, "api"), "honeydue/api", dep.inputs, dep.props!, news)).diff;
        assert.equal((await depDiff(deployment("api:1"))).changes, false);
        assert.deepEqual((await depDiff(deployment("api:2"))).replaces, [], "a new image rolls the Deployment in place");
        const selector = await depDiff(deployment("api:1", "other"));
        assert.ok(selector.replaces!.includes("spec.selector.matchLabels.app") && selector.deleteBeforeReplace, "a new selector replaces, delete first (same name)");

        const claim = { metadata: { name: "redis-data", namespace: "honeydue" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "local-path", resources: { requests: { storage: "1Gi" } } } };
        const pvc = await up(kubernetes, urn(PVC, "redis-data"), claim);
        const pvcDiff = async (spec: Record<string, unknown>) => (await plan(kubernetes, urn(PVC, "redis-data"), pvc.id, pvc.inputs, pvc.outs, { ...claim, spec: { ...claim.spec, ...spec } })).diff;
        assert.deepEqual((await pvcDiff({ resources: { requests: { storage: "2Gi" } } })).replaces, [], "a PVC grows in place");
        assert.deepEqual((await pvcDiff({ storageClassName: "other" })).replaces, ["spec.storageClassName"]);
    });

    it("updates a CronJob in place, whatever changes in its job template (diff.go forceNew lists no CronJob field)", async () => {
        // pulumi-kubernetes provider/pkg/provider/diff.go: the batch group's table names Job only, so a
        // CronJob is replaced only on metadata.name/namespace, like any kind.
        const CRON = "kubernetes:batch/v1:CronJob";
        const cron = (schedule: string, image: string) => ({
            metadata: { name: "redis-backup", namespace: "honeydue" },
            spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "upload", image }] } } } } },
        });
        const made = await up(kubernetes, urn(CRON, "honeydue-redis-backup"), cron("30 */6 * * *", "rclone/rclone:1.75.0"));
        assert.equal(made.id, "honeydue/redis-backup");
        const changed = await plan(kubernetes, urn(CRON, "honeydue-redis-backup"), made.id, made.inputs, made.outs, cron("5 3 * * *", "rclone/rclone:1.75.1"));
        assert.equal(changed.diff.changes, true);
        assert.deepEqual(changed.diff.replaces, []);
        assert.ok(forceNewPaths("batch/v1", "CronJob").every((p) => p.startsWith(".metadata.")));
    });

    it("autonames an unnamed Secret, keeps the name, and replaces it (create first) when its data changes", async () => {
        const news = { metadata: { namespace: "honeydue" }, type: "Opaque", stringData: secret({ DATABASE_URL: "postgres://x" }) };
        const made = await up(kubernetes, urn(SECRET, "honeydue-app"), news);
        assert.match(made.id, /^honeydue\/honeydue-app-[0-9a-f]{8}$/);
        assert.deepEqual(made.outs.stringData, news.stringData, "a secret input stays secret in the outputs");
        const again = await plan(kubernetes, urn(SECRET, "honeydue-app"), made.id, made.inputs, made.outs, news);
        assert.equal(`honeydue/${(again.inputs.metadata as { name: string }).name}`, made.id, "AdoptOldAutonameIfUnnamed");
        assert.equal(again.diff.changes, false);
        const changed = await plan(kubernetes, urn(SECRET, "honeydue-app"), made.id, made.inputs, made.outs, { ...news, stringData: secret({ DATABASE_URL: "postgres://y" }) });
        assert.deepEqual([changed.diff.replaces, changed.diff.deleteBeforeReplace], [["stringData.DATABASE_URL"], false]);
    });

    it("a Job completes; a scenario's failing image fails it with the Job's reason, and the next run replaces it (replaceUnready)", async () => {
        const done = await up(kubernetes, urn(JOB, "migrate"), job("migrate:1"));
        assert.equal(((done.outs.status as { conditions: { type: string }[] }).conditions)[0].type, "Complete");
        const replaced = await plan(kubernetes, urn(JOB, "migrate"), done.id, done.inputs, done.outs, job("migrate:2"));
        assert.deepEqual([replaced.diff.replaces, replaced.diff.deleteBeforeReplace], [["spec.template.spec.containers[0].image"], true]);
        await kubernetes.delete!(done.id, urn(JOB, "migrate"), done.outs);

        writeCloud("kubernetes", { ...cloud("kubernetes"), jobOutcomes: { "migrate:2": { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" } } });
        const failed = await up(kubernetes, urn(JOB, "migrate"), job("migrate:2")).then(
            () => assert.fail("the Job should fail"),
            (e: { message: string; id: string; reasons: string[] }) => e,
        );
        assert.equal(failed.message, "Resource 'migrate-v1' was created but failed to initialize");
        assert.equal(failed.id, "honeydue/migrate-v1", "the Job exists: the engine records it (ErrorResourceInitFailed)");
        assert.deepEqual(failed.reasons, ["[BackoffLimitExceeded] Job has reached the specified backoff limit"]);
        assert.deepEqual(cloud("kubernetes").operations.slice(-3), ["create batch/v1/Job/honeydue/migrate-v1", "delete batch/v1/Job/honeydue/migrate-v1", "create batch/v1/Job/honeydue/migrate-v1"]);
        const live = await kubernetes.read!("honeydue/migrate-v1", urn(JOB, "migrate"), {});
        const retry = await plan(kubernetes, urn(JOB, "migrate"), "honeydue/migrate-v1", live.inputs, live.props!, job("migrate:2"));
        assert.deepEqual(retry.diff.replaces, ['metadata.annotations["pulumi.com/replaceUnready"]']);
    });

    it("a Service's assigned clusterIP is no change; setting another one replaces it (diff.go: .spec.clusterIP)", async () => {
        const SVC = "kubernetes:core/v1:Service";
        const svc = { metadata: { name: "redis", namespace: "honeydue" }, spec: { type: "ClusterIP", ports: [{ port: 6379 }] } };
        const made = await up(kubernetes, urn(SVC, "redis"), svc);
        assert.match(String((made.outs.spec as { clusterIP: string }).clusterIP), /^10\.43\./);
        assert.equal((await plan(kubernetes, urn(SVC, "redis"), made.id, made.inputs, made.outs, svc)).diff.changes, false);
        const pinned = await plan(kubernetes, urn(SVC, "redis"), made.id, made.inputs, made.outs, { ...svc, spec: { ...svc.spec, clusterIP: "10.43.0.99" } });
        assert.deepEqual(pinned.diff.replaces, ["spec.clusterIP"]);
    });

    it("a RoleBinding's new roleRef replaces it; new subjects update it in place (diff.go: roleBinding .roleRef)", async () => {
        const RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
        const binding = { metadata: { name: "honeydue-traefik", namespace: "honeydue" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "honeydue-traefik" }, subjects: [{ kind: "ServiceAccount", name: "honeydue-traefik", namespace: "kube-system" }] };
        const made = await up(kubernetes, urn(RB, "honeydue-traefik"), binding);
        assert.equal(made.id, "honeydue/honeydue-traefik");
        const diff = async (news: Record<string, unknown>) => (await plan(kubernetes, urn(RB, "honeydue-traefik"), made.id, made.inputs, made.outs, { ...binding, ...news })).diff;
        assert.deepEqual((await diff({ subjects: [{ kind: "ServiceAccount", name: "other", namespace: "kube-system" }] })).replaces, []);
        assert.deepEqual((await diff({ roleRef: { ...binding.roleRef, name: "other" } })).replaces, ["roleRef.name"]);
    });

    it("an adopted object (written into the cluster file by hand) imports and then shows no change", async () => {
        const key = "v1/ConfigMap/honeydue/adopted";
        const live = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "adopted", namespace: "honeydue", uid: "u-1", resourceVersion: "9" }, data: { A: "1" } };
        writeCloud("kubernetes", { ...cloud("kubernetes"), objects: { ...cloud("kubernetes").objects, [key]: live } });
        const CM = "kubernetes:core/v1:ConfigMap";
        const read = await kubernetes.read!("honeydue/adopted", urn(CM, "adopted"), {});
        const news = { metadata: { name: "adopted", namespace: "honeydue" }, data: { A: "1" } };
        assert.equal((await plan(kubernetes, urn(CM, "adopted"), read.id!, read.inputs, read.props!, news)).diff.changes, false);
        const changed = await plan(kubernetes, urn(CM, "adopted"), read.id!, read.inputs, read.props!, { ...news, data: { A: "2" } });
        assert.deepEqual(changed.diff.replaces, ["data.A"], "ConfigMap data is immutable while enableConfigMapMutable is off");
    });

    it("imports by `namespace/name` with the live object's inputs (no status, uid or resourceVersion)", async () => {
        const read = await kubernetes.read!("honeydue/api", urn(DEP, "api"), {});
        assert.equal(read.id, "honeydue/api");
        assert.equal((read.inputs.metadata as Record<string, unknown>).uid, undefined);
        assert.equal(read.inputs.status, undefined);
        await assert.rejects(kubernetes.read!("honeydue/nope", urn(DEP, "x"), {}), /does not exist/);
        assert.equal((await kubernetes.read!("honeydue/nope", urn(DEP, "x"), read.props)).id, "", "a refresh of a deleted object reads as gone");
    });
});

describe("simulated random", () => {
    const PW = "random:index/randomPassword:RandomPassword";
    it("makes a deterministic password of the asked length and classes; any argument change replaces it", async () => {
        const made = await up(random, urn(PW, "token"), { length: 48, special: false });
        assert.match(String(made.outs.result), /^[A-Za-z0-9]{48}$/);
        const diff = await random.diff!(made.id, urn(PW, "token"), made.outs, { ...made.inputs, length: 32 });
        assert.deepEqual(diff.replaces, ["length"]);
        assert.equal((await random.diff!(made.id, urn(PW, "token"), made.outs, made.inputs)).changes, false);
    });
});
