// Whole-stack policies over hand-made estates: servers, round-robin records, the API and its
// migrations, the k3s servers' configs. Each reports nothing when its layer is absent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as s from "../policy/stack";
import { UNKNOWN, type Registration } from "../offline/capture";
import { COMMAND, configMap, deployment, installCommand, k3sConfig, messages, migrationJob, record, reg, server, verdictOf } from "./policy-fixtures";

const nodes = () => [server("ubuntu-8gb-nbg1-1", "10.0.1.11"), server("ubuntu-8gb-nbg1-2", "10.0.1.12"), server("ubuntu-8gb-nbg1-3", "10.0.1.13")];
const hosts = ["api.myhoneydue.com", "admin.myhoneydue.com", "myhoneydue.com"];
const records = (ns: Registration[]) => hosts.flatMap((h) => ns.map((n) => record(h, n)));

describe("stack-odd-server-count", () => {
    it("passes three servers, refuses two and four, and is not applicable without servers", async () => {
        assert.equal((await verdictOf(s.oddServerCount, nodes())).status, "passed");
        assert.deepEqual(messages(await verdictOf(s.oddServerCount, nodes().slice(0, 2))), [
            "the stack has 2 servers; etcd needs an odd number, at least 3: set honeydue:nodes to 3 nodes",
        ]);
        assert.equal((await verdictOf(s.oddServerCount, [...nodes(), server("ubuntu-8gb-nbg1-4", "10.0.1.14")])).status, "violated");
        assert.equal((await verdictOf(s.oddServerCount, [])).status, "not applicable");
    });

    it("refuses a single server and an even count, asking for the next odd count that keeps quorum, and says why it does not apply", async () => {
        const four = [...nodes(), server("ubuntu-8gb-nbg1-4", "10.0.1.14")];
        assert.deepEqual(messages(await verdictOf(s.oddServerCount, nodes().slice(0, 1))), ["the stack has 1 servers; etcd needs an odd number, at least 3: set honeydue:nodes to 3 nodes"]);
        assert.deepEqual(messages(await verdictOf(s.oddServerCount, four)), ["the stack has 4 servers; etcd needs an odd number, at least 3: set honeydue:nodes to 5 nodes"]);
        assert.deepEqual(messages(await verdictOf(s.oddServerCount, nodes(), { "stack-odd-server-count": { minServers: 5 } })), [
            "the stack has 3 servers; etcd needs an odd number, at least 5: set honeydue:nodes to 5 nodes",
        ]);
        assert.deepEqual((await verdictOf(s.oddServerCount, [])).reasons, ["the stack has no Hetzner servers"]);
    });
});

describe("stack-round-robin-complete", () => {
    it("passes one proxied A record per node per hostname", async () => {
        const ns = nodes();
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...records(ns)])).status, "passed");
    });

    it("reports nothing when the estate has no DNS records yet, or no servers, and says why", async () => {
        for (const rs of [nodes(), records(nodes())]) {
            const v = await verdictOf(s.roundRobin, rs);
            assert.equal(v.status, "not applicable");
            assert.deepEqual(v.reasons, ["the stack has no DNS records or no servers"]);
        }
    });

    // Only A and AAAA records make the round robin: a TXT record built from a node's address (SPF) is not one,
    // nor is an A record that points at no node at all (mail at a provider's address).
    it("holds A and AAAA records to the round robin, not a TXT built from a node nor a name that points at no node", async () => {
        const ns = nodes();
        const spf = { ...record("myhoneydue.com", ns[0]), name: "spf", urn: "urn:pulumi:prod::honeydue::cloudflare:index/dnsRecord:DnsRecord::spf" };
        spf.inputs = { ...spf.inputs, type: "TXT", content: "v=spf1 ip4:203.0.113.11 -all", proxied: false };
        const mail = { ...record("mail.myhoneydue.com", ns[0]), name: "mail", urn: "urn:pulumi:prod::honeydue::cloudflare:index/dnsRecord:DnsRecord::mail", propertyDependencies: {}, dependencies: [] };
        mail.inputs = { ...mail.inputs, content: "192.0.2.25", proxied: false };
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...records(ns), spf, mail])).status, "passed");
        const aaaa = ns.slice(0, 2).map((n) => {
            const r = { ...record("api.myhoneydue.com", n), name: `api-v6-${n.name}`, urn: `urn:pulumi:prod::honeydue::cloudflare:index/dnsRecord:DnsRecord::api-v6-${n.name}` };
            r.inputs = { ...r.inputs, type: "AAAA", content: "2001:db8::1" };
            return r;
        });
        assert.deepEqual(messages(await verdictOf(s.roundRobin, [...ns, ...records(ns), ...aaaa])), [
            "AAAA api.myhoneydue.com has no record for node ubuntu-8gb-nbg1-3; add one AAAA record per node (or list ubuntu-8gb-nbg1-3 in outOfRotation to take it out on purpose)",
        ]);
    });

    it("refuses a hostname missing a node's record, and a node with two", async () => {
        const ns = nodes();
        const rs = records(ns).filter((r) => r.name !== "admin.myhoneydue.com-ubuntu-8gb-nbg1-2");
        rs.push({ ...record("myhoneydue.com", ns[0]), name: "again", urn: "urn:pulumi:prod::honeydue::cloudflare:index/dnsRecord:DnsRecord::again" });
        assert.deepEqual(messages(await verdictOf(s.roundRobin, [...ns, ...rs])), [
            "A admin.myhoneydue.com has no record for node ubuntu-8gb-nbg1-2; add one A record per node (or list ubuntu-8gb-nbg1-2 in outOfRotation to take it out on purpose)",
            "A myhoneydue.com has 2 records for node ubuntu-8gb-nbg1-1; keep exactly one per node",
        ]);
    });

    it("matches a record to its node through the content's dependency while the address is unknown (the first preview)", async () => {
        const ns = nodes();
        const rs = records(ns);
        rs[0].inputs = { ...rs[0].inputs, content: UNKNOWN };
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...rs])).status, "passed");
    });

    it("matches records to nodes by address when the content carries no dependency", async () => {
        const ns = nodes();
        const rs = records(ns).map((r) => ({ ...r, propertyDependencies: {}, dependencies: [] }));
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...rs])).status, "passed");
        rs[0].inputs = { ...rs[0].inputs, content: "192.0.2.99" };
        assert.match(messages(await verdictOf(s.roundRobin, [...ns, ...rs]))[0], /record api\.myhoneydue\.com-ubuntu-8gb-nbg1-1 points at no node; remove it/);
    });

    // AAAA records are matched by the node's IPv6 address as A records by its IPv4 one.
    it("matches an AAAA record to its node by IPv6 address when the content carries no dependency", async () => {
        const ns = nodes().map((n, i) => ({ ...n, state: { ...n.state, ipv6Address: `2001:db8::${i + 11}` } }));
        const aaaa = ns.map((n, i) => {
            const r = record("api.myhoneydue.com", n);
            Object.assign(r.inputs, { type: "AAAA", content: `2001:db8::${i + 11}` });
            return i === 2 ? { ...r, propertyDependencies: {}, dependencies: [] } : r;
        });
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...aaaa])).status, "passed");
    });

    // The first preview: the nodes' addresses are unknown, and so is a record's that is no node's (a load balancer's, say).
    it("does not take a record of unknown address for a node's while the nodes' addresses are unknown too", async () => {
        const ns = nodes().map((n) => ({ ...n, state: { ...n.state, ipv4Address: UNKNOWN } }));
        const other = { ...record("api.myhoneydue.com", ns[0]), name: "api-lb", urn: "urn:pulumi:prod::honeydue::cloudflare:index/dnsRecord:DnsRecord::api-lb", propertyDependencies: {}, dependencies: [] };
        other.inputs = { ...other.inputs, content: UNKNOWN };
        const rs = ns.map((n) => record("api.myhoneydue.com", n));
        assert.deepEqual(messages(await verdictOf(s.roundRobin, [...ns, ...rs, other])), ["A api.myhoneydue.com record api-lb points at no node; remove it"]);
    });

    it("accepts a node taken out of rotation, from the policy config or the stack's outOfRotation output", async () => {
        const ns = nodes();
        const rs = records(ns).filter((r) => !r.name.endsWith("ubuntu-8gb-nbg1-3"));
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...rs])).status, "violated");
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...rs], { "stack-round-robin-complete": { outOfRotation: ["ubuntu-8gb-nbg1-3"] } })).status, "passed");
        const stack = reg("pulumi:pulumi:Stack", "honeydue-prod", {}, { custom: false, outputs: { outOfRotation: ["ubuntu-8gb-nbg1-3"] } });
        assert.equal((await verdictOf(s.roundRobin, [stack, ...ns, ...rs])).status, "passed");
        const nested = reg("pulumi:pulumi:Stack", "honeydue-prod", {}, { custom: false, outputs: { dns: { zone: "myhoneydue.com", outOfRotation: ["ubuntu-8gb-nbg1-3"] } } });
        assert.equal((await verdictOf(s.roundRobin, [nested, ...ns, ...rs])).status, "passed");
        // Only the stack's outputs declare it, not a resource's inputs; outputs unknown in a preview are skipped.
        const custom = reg("kubernetes:traefik.io/v1alpha1:Middleware", "note", { spec: { outOfRotation: ["ubuntu-8gb-nbg1-3"] } });
        assert.equal((await verdictOf(s.roundRobin, [custom, ...ns, ...rs])).status, "violated", "a custom resource's input is no declaration");
        // A null output is skipped like any value that is no object.
        const withNull = reg("pulumi:pulumi:Stack", "honeydue-prod", {}, { custom: false, outputs: { apiEndpoint: null, dns: { outOfRotation: ["ubuntu-8gb-nbg1-3"] } } });
        assert.equal((await verdictOf(s.roundRobin, [withNull, ...ns, ...rs])).status, "passed");
        const previewed = reg("pulumi:pulumi:Stack", "honeydue-prod", {}, { custom: false, outputs: { dns: UNKNOWN, outOfRotation: ["ubuntu-8gb-nbg1-3"] } });
        assert.equal((await verdictOf(s.roundRobin, [previewed, ...ns, ...rs])).status, "violated", "outputs unknown during a preview are skipped, not a crash");
        // The search stops three levels down (it walks every output of the stack).
        const deep = (levels: string[]) => reg("pulumi:pulumi:Stack", "honeydue-prod", {}, { custom: false, outputs: levels.reduceRight<Record<string, unknown>>((inner, k) => ({ [k]: inner }), { outOfRotation: ["ubuntu-8gb-nbg1-3"] }) });
        assert.equal((await verdictOf(s.roundRobin, [deep(["a", "b", "c"]), ...ns, ...rs])).status, "passed", "three levels down");
        assert.equal((await verdictOf(s.roundRobin, [deep(["a", "b", "c", "d"]), ...ns, ...rs])).status, "violated", "four levels down is not read");
        // Every node out of rotation leaves the hostnames with nothing to serve them.
        const allOut = { "stack-round-robin-complete": { outOfRotation: ns.map((n) => n.name) } };
        assert.ok(messages(await verdictOf(s.roundRobin, [...ns, ...records(ns)], allOut)).includes("A api.myhoneydue.com: every node is out of rotation; keep at least one node in the round robin"));
        // Out of rotation means absent everywhere: a leftover record is reported.
        assert.match(messages(await verdictOf(s.roundRobin, [stack, ...ns, ...records(ns)]))[0], /still has a record for ubuntu-8gb-nbg1-3, which is out of rotation/);
    });

    // The engine tells stack policies nothing of custom versus component (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go AnalyzeResources: type, outputs, options, provider, parent,
    // dependencies), and a command's outputs echo its inputs, `triggers` (any JSON) included
    // (pulumi/pulumi-command provider/pkg/provider/local/command.go, and remote/ alike: CommandOutputs
    // embeds CommandInputs): so such a value must not take a node out of the round robin.
    it("takes a node out of rotation only by the stack's outputs, not by a command whose triggers mention it", async () => {
        const ns = nodes();
        const rs = records(ns).filter((r) => !r.name.endsWith("ubuntu-8gb-nbg1-3"));
        for (const type of [COMMAND, "command:local:Command"]) {
            const drain = reg(type, "drain-3", { create: "true" }, { state: { triggers: [{ outOfRotation: ["ubuntu-8gb-nbg1-3"] }], stdout: "" } });
            const v = await verdictOf(s.roundRobin, [drain, ...ns, ...rs]);
            assert.ok(
                messages(v).includes("A api.myhoneydue.com has no record for node ubuntu-8gb-nbg1-3; add one A record per node (or list ubuntu-8gb-nbg1-3 in outOfRotation to take it out on purpose)"),
                `${type}: ${messages(v).join("\n")}`,
            );
        }
        const stack = reg("pulumi:pulumi:Stack", "honeydue-prod", {}, { custom: false, outputs: { dns: { outOfRotation: ["ubuntu-8gb-nbg1-3"] } } });
        assert.equal((await verdictOf(s.roundRobin, [stack, ...ns, ...rs])).status, "passed", "the stack's dns.outOfRotation output declares it");
    });

    it("names nodes by their Hetzner name (not the Pulumi name) in outOfRotation and in its messages", async () => {
        const ns = nodes().map((n, i) => ({ ...n, name: `node-${i + 1}`, urn: n.urn.replace(/::[^:]+$/, `::node-${i + 1}`) }));
        const rs = records(ns).filter((r) => !r.name.endsWith("node-3"));
        assert.equal((await verdictOf(s.roundRobin, [...ns, ...rs], { "stack-round-robin-complete": { outOfRotation: ["ubuntu-8gb-nbg1-3"] } })).status, "passed");
        assert.match(messages(await verdictOf(s.roundRobin, [...ns, ...rs]))[0], /^A api\.myhoneydue\.com has no record for node ubuntu-8gb-nbg1-3;/);
    });

    it("refuses a configured hostname that has no records at all", async () => {
        const ns = nodes();
        const rs = records(ns).filter((r) => r.inputs.name !== "myhoneydue.com");
        const v = await verdictOf(s.roundRobin, [...ns, ...rs], { "stack-round-robin-complete": { hostnames: hosts } });
        assert.deepEqual(messages(v), ["myhoneydue.com has no A records; add one proxied A record per node"]);
    });
});

describe("stack-api-after-migrations", () => {
    it("passes an API that depends on the migrations Job, directly or through a component", async () => {
        const job = migrationJob();
        assert.equal((await verdictOf(s.apiAfterMigrations, [job, deployment("api", undefined, {}, { dependencies: [job.urn] })])).status, "passed");
        const comp = reg("honeydue:workloads:Migrations", "migrations", {}, { custom: false });
        const inside = { ...job, parent: comp.urn };
        assert.equal((await verdictOf(s.apiAfterMigrations, [comp, inside, deployment("api", undefined, {}, { dependencies: [comp.urn] })])).status, "passed");
    });

    it("refuses an API that does not wait for the Job, and one with no Job at all", async () => {
        const api = deployment();
        assert.deepEqual(messages(await verdictOf(s.apiAfterMigrations, [migrationJob(), api])), [
            "Deployment api does not depend on the migrations Job migrations-8d9ca2e6ed; add dependsOn: [migrations] so it rolls only after the migration succeeded",
        ]);
        assert.match(messages(await verdictOf(s.apiAfterMigrations, [api]))[0], /^Deployment api has no migrations Job to wait for/);
    });

    it("is not applicable before the workloads exist, and says why", async () => {
        const v = await verdictOf(s.apiAfterMigrations, nodes());
        assert.equal(v.status, "not applicable");
        assert.deepEqual(v.reasons, ["the stack has no Deployment named api"]);
    });

    // Waiting through anything in between counts (the API's ConfigMap waits for the Job); waiting for another Job
    // (a backup) does not; the migrations Job is known by its metadata.name as well as its Pulumi name.
    it("follows the wait through resources in between, and tells the migrations Job from other Jobs", async () => {
        const job = migrationJob();
        const settingsMap = { ...configMap({ PORT: "8000" }), dependencies: [job.urn] };
        assert.equal((await verdictOf(s.apiAfterMigrations, [job, settingsMap, deployment("api", undefined, {}, { dependencies: [settingsMap.urn] })])).status, "passed");
        const backup = reg("kubernetes:batch/v1:Job", "redis-backup", { metadata: { name: "redis-backup", namespace: "honeydue" } });
        assert.deepEqual(messages(await verdictOf(s.apiAfterMigrations, [job, backup, deployment("api", undefined, {}, { dependencies: [backup.urn] })])), [
            "Deployment api does not depend on the migrations Job migrations-8d9ca2e6ed; add dependsOn: [migrations] so it rolls only after the migration succeeded",
        ]);
        const schema = { ...migrationJob(), name: "db-schema", urn: "urn:pulumi:prod::honeydue::kubernetes:batch/v1:Job::db-schema" };
        assert.equal((await verdictOf(s.apiAfterMigrations, [schema, deployment("api", undefined, {}, { dependencies: [schema.urn] })])).status, "passed");
        // Only migrations Jobs are waited for: an API that waits for the migrations but not for another Job passes.
        assert.equal((await verdictOf(s.apiAfterMigrations, [job, backup, deployment("api", undefined, {}, { dependencies: [job.urn] })])).status, "passed");
    });

    // A failed migration must stop the roll whichever Job it is: the API waits for every migrations Job, and the message names the ones it does not.
    it("holds the API to every migrations Job, naming the ones it does not wait for", async () => {
        const job = (name: string) => ({ ...migrationJob(), name, urn: `urn:pulumi:prod::honeydue::kubernetes:batch/v1:Job::${name}` });
        const [schema, data, seed] = [job("migrate-schema"), job("migrate-data"), job("migrate-seed")];
        assert.equal((await verdictOf(s.apiAfterMigrations, [schema, data, deployment("api", undefined, {}, { dependencies: [schema.urn, data.urn] })])).status, "passed");
        assert.deepEqual(messages(await verdictOf(s.apiAfterMigrations, [schema, data, seed, deployment("api", undefined, {}, { dependencies: [schema.urn] })])), [
            "Deployment api does not depend on the migrations Jobs migrate-data, migrate-seed; add dependsOn: [migrations] so it rolls only after the migration succeeded",
        ]);
    });

    // The config names the Deployments to hold ("add worker to hold it too"); each is found by its
    // metadata.name, by its Pulumi name when auto-named, or by a Pulumi name that ends in -<name>.
    it("holds every Deployment the config names, found by metadata.name, by Pulumi name, or by a prefixed Pulumi name", async () => {
        const named = (pulumiName: string, metaName: string | undefined) => {
            const d = deployment(pulumiName);
            if (metaName === undefined) delete (d.inputs.metadata as any).name;
            else (d.inputs.metadata as any).name = metaName;
            return d;
        };
        const apps = [named("backend", "api"), named("worker", undefined), named("honeydue-admin", "admin-web")];
        const held = { "stack-api-after-migrations": { deployments: ["api", "worker", "admin"] } };
        const waits = (d: string) => `Deployment ${d} does not depend on the migrations Job migrations-8d9ca2e6ed; add dependsOn: [migrations] so it rolls only after the migration succeeded`;
        assert.deepEqual(messages(await verdictOf(s.apiAfterMigrations, [migrationJob(), ...apps], held)), [waits("api"), waits("worker"), waits("admin-web")]);
        // An auto-named migrations Job is found by its Pulumi name.
        const job = migrationJob();
        delete (job.inputs.metadata as any).name;
        const api = deployment("api", undefined, {}, { dependencies: [job.urn] });
        assert.equal((await verdictOf(s.apiAfterMigrations, [job, api])).status, "passed");
    });
});

describe("stack-k3s-identical-server-config", () => {
    /** A node script that writes `cfg` as the k3s config by a heredoc, then restarts k3s. */
    const heredoc = (cfg: string) => `cat > /etc/rancher/k3s/config.yaml <<'EOF'\n${cfg}EOF\nsystemctl restart k3s`;
    const installs = () => [installCommand("n1", "10.0.1.11"), installCommand("n2", "10.0.1.12"), installCommand("n3", "10.0.1.13")];

    it("passes servers whose configs differ only in per-node values", async () => {
        assert.equal((await verdictOf(s.identicalK3sConfig, installs())).status, "passed");
    });

    it("refuses a server whose cluster CIDR or disabled add-ons drifted", async () => {
        const rs = installs();
        rs[2] = installCommand("n3", "10.0.1.13", k3sConfig("10.0.1.13").replace("10.42.0.0/16", "10.52.0.0/16").replace("  - servicelb\n", ""));
        assert.deepEqual(messages(await verdictOf(s.identicalK3sConfig, rs)), [
            'k3s config of n3-k3s-install differs from n1-k3s-install in cluster-cidr ("10.52.0.0/16" vs "10.42.0.0/16"), disable (["traefik"] vs ["servicelb","traefik"]); render every server\'s config.yaml from the one typed object',
        ]);
    });

    it("finds a config written by a heredoc in the script", async () => {
        const rs = installs();
        rs[1] = reg(COMMAND, "n2-k3s-install", { create: heredoc(k3sConfig("10.0.1.12").replace("secrets-encryption: true", "secrets-encryption: false")) });
        assert.match(messages(await verdictOf(s.identicalK3sConfig, rs))[0], /^k3s config of n2-k3s-install differs from n1-k3s-install in secrets-encryption \(false vs true\)/);
    });

    it("finds a config sent as a base64 payload line on stdin (script, then \"<file> <base64>\" lines)", async () => {
        const payload = (ip: string, cfg = k3sConfig(ip)) =>
            reg(COMMAND, `k3s-${ip}`, { create: "bash -s -- --role join", stdin: { secret: `#!/usr/bin/env bash\nmain "$@"\nconfig.yaml ${Buffer.from(cfg).toString("base64")}\ntoken ${Buffer.from("K10abc::server:x\n").toString("base64")}\n` } });
        assert.equal((await verdictOf(s.identicalK3sConfig, [payload("10.0.1.11"), payload("10.0.1.12")])).status, "passed");
        const drifted = payload("10.0.1.12", k3sConfig("10.0.1.12").replace("flannel-backend: vxlan", "flannel-backend: wireguard-native"));
        assert.match(messages(await verdictOf(s.identicalK3sConfig, [payload("10.0.1.11"), drifted]))[0], /flannel-backend \("wireguard-native" vs "vxlan"\)/);
    });

    // A config copied as a file (command.remote.CopyToRemote with a StringAsset: its text, a promise in the pack's process).
    it("finds a config copied to the node as a file", async () => {
        const copy = (ip: string, cfg = k3sConfig(ip)) => reg("command:remote:CopyToRemote", `config-${ip}`, { source: { text: cfg }, remotePath: "/etc/rancher/k3s/config.yaml" });
        assert.equal((await verdictOf(s.identicalK3sConfig, [copy("10.0.1.11"), copy("10.0.1.12")])).status, "passed");
        const drifted = copy("10.0.1.12", k3sConfig("10.0.1.12").replace("10.43.0.0/16", "10.53.0.0/16"));
        assert.match(messages(await verdictOf(s.identicalK3sConfig, [copy("10.0.1.11"), drifted]))[0], /^k3s config of config-10\.0\.1\.12 differs from config-10\.0\.1\.11 in service-cidr/);
        // A copy of a file by path (its text is not in the stack), or one with no source at all (null), holds nothing to read.
        const unread = [
            reg("command:remote:CopyToRemote", "config-by-path", { source: { path: "/srv/k3s/config.yaml" }, remotePath: "/etc/rancher/k3s/config.yaml" }),
            reg("command:remote:CopyToRemote", "config-of-nothing", { source: null, remotePath: "/etc/rancher/k3s/config.yaml" }),
        ];
        assert.equal((await verdictOf(s.identicalK3sConfig, [copy("10.0.1.11"), copy("10.0.1.12"), ...unread])).status, "passed");
    });

    // A command's text is read as YAML: one that expands past yaml's alias limit (a "billion laughs") is no config, not a crash.
    it("reads a text that yaml refuses to expand as holding no config", async () => {
        const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]", "cluster-cidr: 10.52.0.0/16", ""].join("\n");
        const rs = [installCommand("n1", "10.0.1.11"), installCommand("n2", "10.0.1.12"), reg(COMMAND, "odd", { create: "bash -s", stdin: bomb })];
        assert.equal((await verdictOf(s.identicalK3sConfig, rs)).status, "passed");
    });

    it("compares every setting k3s requires to match: cluster DNS and domain, the network policy controller, egress selection", async () => {
        const same = { "cluster-dns": "10.43.0.10", "cluster-domain": "cluster.local", "disable-network-policy": false, "egress-selector-mode": "agent" };
        const drift = { "cluster-dns": "10.43.0.53", "cluster-domain": "honeydue.local", "disable-network-policy": true, "egress-selector-mode": "pod" };
        const rs = [installCommand("n1", "10.0.1.11", k3sConfig("10.0.1.11", same)), installCommand("n2", "10.0.1.12", k3sConfig("10.0.1.12", drift))];
        assert.match(messages(await verdictOf(s.identicalK3sConfig, rs))[0], /differs from n1-k3s-install in cluster-dns \("10\.43\.0\.53" vs "10\.43\.0\.10"\), cluster-domain \("honeydue\.local" vs "cluster\.local"\), disable-network-policy \(true vs false\), egress-selector-mode \("pod" vs "agent"\);/);
    });

    // Heredocs as scripts write them: an unquoted delimiter, a space before it; the body's first line is read too.
    it("finds a config in an unquoted heredoc, or one with a space before its delimiter", async () => {
        for (const open of ["<<EOF", "<< 'EOF'"]) {
            const rs = [installCommand("n1", "10.0.1.11"), reg(COMMAND, "n2-k3s-install", { create: `cat > /etc/rancher/k3s/config.yaml ${open}\nflannel-backend: host-gw\n${k3sConfig("10.0.1.12").replace("flannel-backend: vxlan\n", "")}EOF\nsystemctl restart k3s` })];
            assert.match(messages(await verdictOf(s.identicalK3sConfig, rs))[0] ?? "", /flannel-backend \("host-gw" vs "vxlan"\)/, open);
        }
    });

    // bash ends a heredoc at the line that is its delimiter alone (after tabs, for <<-): words may follow the opening
    // delimiter on its line (a redirect, a pipe to tee), and the closing line may be the script's last, with no newline.
    it("finds a config in a heredoc however the script opens and closes it, up to the line that is the delimiter alone", async () => {
        const body = (ip: string) => k3sConfig(ip).replace("flannel-backend: vxlan\n", "flannel-backend: host-gw\n");
        const scripts = {
            "words after the delimiter": `cat <<'EOF' > /etc/rancher/k3s/config.yaml\n${body("10.0.1.12")}EOF\nsystemctl restart k3s`,
            "a pipe to tee": `cat <<EOF | tee /etc/rancher/k3s/config.yaml >/dev/null\n${body("10.0.1.12")}EOF\n`,
            "a tab-indented close (<<-)": `if true; then\n\tcat > /etc/rancher/k3s/config.yaml <<-EOF\n${body("10.0.1.12")}\tEOF\nfi`,
            "a close on the last line": `cat > /etc/rancher/k3s/config.yaml <<'EOF'\n${body("10.0.1.12")}EOF`,
            // A line that only begins with the delimiter's word (`node-label:` opening a list, delimiter node) is body.
            "a body line that begins with the delimiter": `cat > /etc/rancher/k3s/config.yaml <<'node'\ndata-dir: /var/lib/rancher/k3s\nnode-label:\n  - role=server\n${body("10.0.1.12")}node\n`,
        };
        for (const [how, create] of Object.entries(scripts)) {
            const rs = [installCommand("n1", "10.0.1.11"), reg(COMMAND, "n2-k3s-install", { create })];
            assert.match(messages(await verdictOf(s.identicalK3sConfig, rs))[0] ?? "", /^k3s config of n2-k3s-install differs from n1-k3s-install in flannel-backend \("host-gw" vs "vxlan"\);/, how);
        }
    });

    // The node's script reads its payload with `IFS=' ' read -r name data` (infra/scripts/k3s-server.sh read_payload):
    // spaces around the content are separators, not content; a line that is not "<name> <base64>" alone is no file.
    it("reads payload lines as the node's script does: spaces around the content, and nothing from a line that is no payload entry", async () => {
        const b64 = (cfg: string) => Buffer.from(cfg).toString("base64");
        const drift = b64(k3sConfig("10.0.1.12").replace("10.42.0.0/16", "10.52.0.0/16"));
        const payload = (lines: string) => reg(COMMAND, "k3s-10.0.1.12", { create: "bash -s -- --role join", stdin: { secret: `#!/usr/bin/env bash\nmain "$@"\n${lines}` } });
        for (const [how, line] of Object.entries({ "two spaces before it": `config.yaml  ${drift}\n`, "spaces after it": `config.yaml ${drift}  \n` })) {
            assert.match(messages(await verdictOf(s.identicalK3sConfig, [installCommand("n1", "10.0.1.11"), payload(line)]))[0] ?? "", /differs from n1-k3s-install in cluster-cidr \("10\.52\.0\.0\/16" vs "10\.42\.0\.0\/16"\)/, how);
        }
        // A commented-out entry, and an entry with more words after its content (the script refuses it: not base64).
        const same = `config.yaml ${b64(k3sConfig("10.0.1.12"))}\n`;
        for (const [how, line] of Object.entries({ "a comment": `# was: config.yaml ${drift}\n`, "words after the content": `config.yaml ${drift} # old\n` })) {
            assert.equal((await verdictOf(s.identicalK3sConfig, [installCommand("n1", "10.0.1.11"), payload(`${line}${same}`)])).status, "passed", how);
        }
    });

    // A YAML stream is Unicode text (YAML 1.2 §5.2, UTF-8/16/32): a payload file that is not UTF-8 (a binary file sent
    // beside the config) is no config k3s could read, whatever text its bytes hold.
    it("reads no config from a payload file that is not UTF-8 text, and reads UTF-8 text whatever characters it holds", async () => {
        const binary = Buffer.concat([Buffer.from(k3sConfig("10.0.1.12").replace("10.42.0.0/16", "10.52.0.0/16")), Buffer.from("# "), Buffer.from([0xff, 0x0a])]).toString("base64");
        const same = `config.yaml ${Buffer.from(k3sConfig("10.0.1.12")).toString("base64")}\n`;
        const n2 = reg(COMMAND, "k3s-10.0.1.12", { create: "bash -s -- --role join", stdin: { secret: `#!/usr/bin/env bash\nmain "$@"\nblob.bin ${binary}\n${same}` } });
        assert.equal((await verdictOf(s.identicalK3sConfig, [installCommand("n1", "10.0.1.11"), n2])).status, "passed");
        // UTF-8 text that holds U+FFFD itself (a replacement character in a comment) is text, and read.
        const text = Buffer.from(`${k3sConfig("10.0.1.12").replace("10.42.0.0/16", "10.52.0.0/16")}# owner: ops \uFFFD\n`).toString("base64");
        const drifted = reg(COMMAND, "k3s-10.0.1.12", { create: "bash -s -- --role join", stdin: { secret: `#!/usr/bin/env bash\nmain "$@"\nconfig.yaml ${text}\n` } });
        assert.match(messages(await verdictOf(s.identicalK3sConfig, [installCommand("n1", "10.0.1.11"), drifted]))[0] ?? "", /differs from n1-k3s-install in cluster-cidr \("10\.52\.0\.0\/16" vs "10\.42\.0\.0\/16"\)/);
    });

    it("reads the update script too: a config an update rewrites", async () => {
        const n2 = reg(COMMAND, "n2-k3s-install", { create: heredoc(k3sConfig("10.0.1.12")), update: heredoc(k3sConfig("10.0.1.12").replace("secrets-encryption: true", "secrets-encryption: false")) });
        assert.match(messages(await verdictOf(s.identicalK3sConfig, [installCommand("n1", "10.0.1.11"), n2]))[0] ?? "", /^k3s config of n2-k3s-install differs from n1-k3s-install in secrets-encryption \(false vs true\)/);
    });

    // A config the operator's machine renders (a local command) is no server's: only what goes to the nodes is compared.
    it("compares only what is sent to the nodes, not a config a local command writes", async () => {
        const local = reg("command:local:Command", "render-kind-config", { create: `cat > kind-k3s.yaml <<'EOF'\n${k3sConfig("127.0.0.1").replace("10.42.0.0/16", "10.99.0.0/16")}EOF` });
        assert.equal((await verdictOf(s.identicalK3sConfig, [...installs(), local])).status, "passed");
    });

    it("names a setting one server leaves unset as (unset)", async () => {
        const rs = [installCommand("n1", "10.0.1.11"), installCommand("n2", "10.0.1.12", k3sConfig("10.0.1.12").replace("secrets-encryption: true\n", ""))];
        assert.match(messages(await verdictOf(s.identicalK3sConfig, rs))[0] ?? "", /differs from n1-k3s-install in secrets-encryption \(\(unset\) vs true\);/);
    });

    it("reports nothing without k3s commands, or with one server's config only, and says why", async () => {
        for (const rs of [nodes(), installs().slice(0, 1)]) {
            const v = await verdictOf(s.identicalK3sConfig, rs);
            assert.equal(v.status, "not applicable");
            assert.deepEqual(v.reasons, ["fewer than two k3s server configs in the stack"]);
        }
    });
});

describe("stack-namespace-default-deny", () => {
    const NS = "kubernetes:core/v1:Namespace";
    const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    const ns = reg(NS, "honeydue", { metadata: { name: "honeydue" } });
    const policy = (name: string, spec: Record<string, unknown>, namespace = "honeydue") => reg(NP, name, { metadata: { name, namespace }, spec });
    const deny = (types = ["Ingress", "Egress"]) => policy("default-deny", { podSelector: {}, policyTypes: types });
    const allowDns = policy("allow-dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: "UDP", port: 53 }] }] });

    it("is mandatory and passes a namespace denied both ways, whatever allows sit beside the deny", async () => {
        assert.equal(s.namespaceDefaultDeny.enforcementLevel, "mandatory");
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [ns, deny(), allowDns])).status, "passed");
    });

    it("refuses a namespace without a deny, a deny for one direction, a deny in another namespace, and an 'allow' posing as one", async () => {
        assert.deepEqual(messages(await verdictOf(s.namespaceDefaultDeny, [ns, allowDns])), [
            'namespace honeydue has no default-deny NetworkPolicy for Ingress and Egress; add one with podSelector: {}, policyTypes: ["Ingress", "Egress"] and no rules',
        ]);
        assert.match(messages(await verdictOf(s.namespaceDefaultDeny, [ns, deny(["Ingress"])]))[0], /no default-deny NetworkPolicy for Egress;/);
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [ns, policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, "default")])).status, "violated");
        // Selecting every pod with a rule that lets everything out is no deny.
        const open = policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] });
        assert.match(messages(await verdictOf(s.namespaceDefaultDeny, [ns, open]))[0], /for Egress;/);
        const someApps = policy("default-deny", { podSelector: { matchLabels: { app: "api" } }, policyTypes: ["Ingress", "Egress"] });
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [ns, someApps])).status, "violated");
        // Nor is one that selects some pods by expression.
        const someByExpression = policy("default-deny", { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["api"] }] }, policyTypes: ["Ingress", "Egress"] });
        assert.match(messages(await verdictOf(s.namespaceDefaultDeny, [ns, someByExpression]))[0], /^namespace honeydue has no default-deny NetworkPolicy for Ingress and Egress;/);
    });

    // A NetworkPolicy that names no namespace is in default, where Kubernetes puts it.
    it("counts a NetworkPolicy with no namespace for default, and one without policyTypes for nothing", async () => {
        const defaultNs = reg(NS, "default", { metadata: { name: "default" } });
        const unplaced = reg(NP, "default-deny", { metadata: { name: "default-deny" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [defaultNs, unplaced])).status, "passed");
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [ns, unplaced])).status, "violated");
        // Without policyTypes the API server infers them; the policy asks for them written out.
        assert.match(messages(await verdictOf(s.namespaceDefaultDeny, [ns, policy("default-deny", { podSelector: {} })]))[0], /no default-deny NetworkPolicy for Ingress and Egress;/);
    });

    it("leaves exempt namespaces and stacks without namespaces alone, and says why", async () => {
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [reg(NS, "kube-system", { metadata: { name: "kube-system" } })])).status, "passed");
        const none = await verdictOf(s.namespaceDefaultDeny, nodes());
        assert.equal(none.status, "not applicable");
        assert.deepEqual(none.reasons, ["the stack creates no namespace"]);
    });

    // The NetworkPolicies name the namespace as Kubernetes knows it (metadata.name), whatever the Pulumi name.
    it("finds a namespace's NetworkPolicies by its Kubernetes name, not its Pulumi name", async () => {
        const named = reg(NS, "honeydue-namespace", { metadata: { name: "honeydue" } });
        assert.equal((await verdictOf(s.namespaceDefaultDeny, [named, deny()])).status, "passed");
        assert.match(messages(await verdictOf(s.namespaceDefaultDeny, [named, allowDns]))[0], /^namespace honeydue has no default-deny NetworkPolicy for Ingress and Egress;/);
    });
});
