// Every bad value stops the program with one message naming the key, what was wrong and what is
// expected. loadConfig reads only configuration, so many cases can share this process.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, keySchemas, loadConfig, plainKeyNames, secretKeyNames } from "../config";
import { offlineConfig, placeholderSecrets } from "../offline/stack";
import { load, problems, rejects, withEnv } from "./support/config";

const fourNodes = [1, 2, 3, 4].map((i) => ({ name: `ubuntu-8gb-nbg1-${i}`, privateIp: `10.0.1.${10 + i}` }));

describe("configuration", () => {
    it("accepts the prod stack and applies the book's defaults", () => {
        const c = load({});
        assert.equal(c.location, "nbg1");
        assert.equal(c.serverType, "cx33");
        assert.equal(c.networkZone, "eu-central");
        assert.deepEqual(
            c.nodes.map((n) => [n.name, n.sshAlias]),
            [["ubuntu-8gb-nbg1-1", "hetzner2"], ["ubuntu-8gb-nbg1-2", "hetzner1"], ["ubuntu-8gb-nbg1-3", "hetzner3"]],
        );
        assert.equal(c.k3sVersion, "v1.34.6+k3s1");
        assert.equal(c.api.replicas, 2);
        assert.equal(c.b2Endpoint, "s3.us-east-005.backblazeb2.com");
    });

    it("hands every configured secret on as a secret Output, never as plain text", async () => {
        const c = load({});
        const entries = Object.entries(c.secrets);
        assert.ok(entries.length >= 6, `the prod stack's secrets: ${entries.map(([k]) => k).join(", ")}`);
        for (const [key, value] of entries) {
            assert.ok(pulumi.Output.isInstance(value), key);
            assert.equal(await pulumi.isSecret(value as pulumi.Output<unknown>), true, `${key} reaches the program unwrapped`);
        }
    });

    it("applies defaults in code when the stack file sets nothing", () => {
        const bare = Object.fromEntries(Object.keys(offlineConfig().config).filter((k) => !/adminCidrs|sshPublicKey|registryUsername|b2KeyId|smtpUsername|k3sInstallerSha256|k3sBinarySha256|hcloud|cloudflare|sshPrivateKey|registryPassword|databaseUrl|b2ApplicationKey|smtpPassword|appSecrets/.test(k)).map((k) => [k, undefined]));
        const c = load(bare);
        // The book's three servers, their ssh aliases out of order as the estate runs (DESIGN §1):
        // a default is not validated again (zod v4 $ZodDefault), so only this says what a stack gets.
        assert.deepEqual(c.nodes, [
            { name: "ubuntu-8gb-nbg1-1", privateIp: "10.0.1.11", sshAlias: "hetzner2" },
            { name: "ubuntu-8gb-nbg1-2", privateIp: "10.0.1.12", sshAlias: "hetzner1" },
            { name: "ubuntu-8gb-nbg1-3", privateIp: "10.0.1.13", sshAlias: "hetzner3" },
        ]);
        assert.equal(c.sslMode, "flexible");
        assert.equal(c.redis.node, "ubuntu-8gb-nbg1-2");
        assert.deepEqual(c.routes, { "api.myhoneydue.com": "api", "admin.myhoneydue.com": "admin", "myhoneydue.com": "api" });
        // The book's estate (DESIGN §1) and the sizing for 8 GB nodes (config/workloads.ts), whole.
        const scalars = ["location", "serverType", "image", "networkCidr", "subnetCidr", "protect", "ipv6", "sshUser", "allowBroadAdminCidrs", "k3sVersion", "clusterCidr", "serviceCidr", "etcdSnapshotSchedule", "etcdSnapshotRetention", "b2Bucket", "b2Region", "etcdSnapshotFolder", "privateInterface", "flannelBackend", "zone", "minTlsVersion", "originPort80", "registry", "smtpHost", "smtpPort"] as const;
        assert.deepEqual(Object.fromEntries(scalars.map((k) => [k, c[k]])), {
            location: "nbg1", serverType: "cx33", image: "ubuntu-24.04", networkCidr: "10.0.0.0/16", subnetCidr: "10.0.1.0/24", protect: true, ipv6: true, sshUser: "root", allowBroadAdminCidrs: false,
            k3sVersion: "v1.34.6+k3s1", clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", etcdSnapshotSchedule: "0 */6 * * *", etcdSnapshotRetention: 28, b2Bucket: "honeyDueProd", b2Region: "us-east-005",
            etcdSnapshotFolder: "etcd-snapshots", privateInterface: "enp7s0", flannelBackend: "vxlan", zone: "myhoneydue.com", minTlsVersion: "1.2", originPort80: "auto", registry: "gitea.treytartt.com", smtpHost: "smtp.fastmail.com", smtpPort: 587,
        });
        const gitea = "gitea.treytartt.com/treytartt";
        assert.deepEqual(c.api, { image: `${gitea}/honeydue-api:8d9ca2e6ed`, replicas: 2, port: 8000, healthPath: "/api/health", cpu: "100m", memory: "256Mi", memoryLimit: "512Mi", runAsUser: 65532, writablePaths: ["/tmp"] });
        assert.deepEqual(c.admin, { image: `${gitea}/honeydue-admin:8d9ca2e6ed`, replicas: 2, port: 3000, healthPath: "/", cpu: "50m", memory: "192Mi", memoryLimit: "384Mi", runAsUser: 1001, writablePaths: ["/tmp", "/app/.next/cache"] });
        assert.deepEqual(c.worker, { image: `${gitea}/honeydue-worker:8d9ca2e6ed`, replicas: 1, port: 8001, healthPath: "/healthz", cpu: "100m", memory: "256Mi", memoryLimit: "512Mi", runAsUser: 65532, writablePaths: ["/tmp"] });
        assert.deepEqual(c.migrations, { image: `${gitea}/honeydue-migrate:8d9ca2e6ed`, replicas: 1, command: ["goose", "up"], cpu: "50m", memory: "64Mi", memoryLimit: "256Mi", runAsUser: 65532, writablePaths: ["/tmp"] });
        assert.deepEqual({ ...c.redis, denied: undefined }, {
            image: "docker.io/library/redis:7.4.7-alpine", node: "ubuntu-8gb-nbg1-2", storage: "5Gi", claimName: "redis-data", maxMemory: "300Mi", memoryLimit: "512Mi", denied: undefined,
            backupSchedule: "30 */6 * * *", backupFolder: "redis-backups", backupImage: "docker.io/rclone/rclone:1.75.0",
        });
        assert.deepEqual(c.prices, { currency: "USD", servers: { cx23: 4.59, cx33: 7.49, cx43: 13.79, cx53: 26.49 }, primaryIpv4: 0.6, fixed: { "Neon Postgres (Launch)": 10, "Backblaze B2": 1, "Cloudflare Free": 0, "Gitea (self-hosted)": 0 } });
    });

    // Pulumi.yaml's declarations are checked against these schemas (tests/project.test.ts): a stack
    // must set exactly the keys without a default, and every key the program reads has one.
    it("exports a schema for every key it reads, and exactly these have no default: what a stack must set", () => {
        assert.deepEqual(Object.keys(keySchemas).sort(), [...plainKeyNames, ...secretKeyNames].sort());
        const required = Object.keys(keySchemas).filter((k) => !keySchemas[k].safeParse(undefined).success).sort();
        assert.deepEqual(required, ["adminCidrs", "b2ApplicationKey", "b2KeyId", "databaseUrl", "k3sBinarySha256", "k3sInstallerSha256", "registryPassword", "registryUsername", "smtpPassword", "smtpUsername", "sshPrivateKey", "sshPublicKey"]);
        assert.deepEqual(secretKeyNames, ["sshPrivateKey", "registryPassword", "databaseUrl", "b2ApplicationKey", "etcdB2ApplicationKey", "redisBackupB2ApplicationKey", "smtpPassword", "k3sToken", "appSecrets"]);
    });
    it("rejects an even node count", () => rejects({ "honeydue:nodes": fourNodes }, "honeydue:nodes", /got 4 nodes; expected an odd number, at least 3/));
    it("rejects fewer than three nodes", () => rejects({ "honeydue:nodes": [fourNodes[0]] }, "honeydue:nodes", /got 1 nodes; expected an odd number, at least 3/));
    it("rejects nodes that are not JSON", () => rejects({ "honeydue:nodes": "three please" }, "honeydue:nodes", /expected a JSON list of nodes/));
    it("rejects two nodes with one name", () =>
        rejects({ "honeydue:nodes": [fourNodes[0], fourNodes[1], { ...fourNodes[2], name: fourNodes[0].name }] }, "honeydue:nodes", /^honeydue:nodes: name ubuntu-8gb-nbg1-1 appears twice; expected every node to have its own$/));
    it("rejects two nodes with one private IP", () =>
        rejects({ "honeydue:nodes": [fourNodes[0], fourNodes[1], { name: "ubuntu-8gb-nbg1-9", privateIp: fourNodes[0].privateIp }] }, "honeydue:nodes", /privateIp 10\.0\.1\.11 appears twice/));
    it("rejects a node outside the subnet", () =>
        rejects({ "honeydue:nodes": [fourNodes[0], fourNodes[1], { name: "ubuntu-8gb-nbg1-9", privateIp: "10.0.2.5" }] }, "honeydue:nodes", /ubuntu-8gb-nbg1-9 has privateIp 10\.0\.2\.5, outside subnetCidr 10\.0\.1\.0\/24/));
    it("rejects a node name that is not a host name", () =>
        rejects({ "honeydue:nodes": [fourNodes[0], fourNodes[1], { name: "Node_9", privateIp: "10.0.1.30" }] }, "honeydue:nodes.2.name", /expected a lower-case host name/));
    it("rejects an unparsable CIDR", () => rejects({ "honeydue:networkCidr": "10.0.0.0/33" }, "honeydue:networkCidr (got 10.0.0.0/33)", /expected a CIDR/));
    it("rejects an admin CIDR that is not one", () => rejects({ "honeydue:adminCidrs": ["my-laptop"] }, "honeydue:adminCidrs.0 (got my-laptop)", /expected a CIDR/));
    it("rejects two nodes with one sshAlias (ssh would reach the first for both)", () =>
        rejects({ "honeydue:nodes": [fourNodes[0], { ...fourNodes[1], sshAlias: "hetzner1" }, { ...fourNodes[2], sshAlias: "hetzner1" }] }, "honeydue:nodes", /sshAlias hetzner1 appears twice/));
    it("rejects the subnet's broadcast and network addresses as a node IP", () => {
        for (const ip of ["10.0.1.255", "10.0.1.0"]) {
            rejects({ "honeydue:nodes": [fourNodes[0], fourNodes[1], { name: "ubuntu-8gb-nbg1-9", privateIp: ip }] }, "honeydue:nodes", new RegExp(`privateIp ${ip.replace(/\./g, "\\.")}, which is reserved`));
        }
    });
    it("rejects a subnet broader than its network", () =>
        rejects({ "honeydue:subnetCidr": "10.0.0.0/8" }, "honeydue:subnetCidr", /10\.0\.0\.0\/8 is not inside networkCidr 10\.0\.0\.0\/16/));
    // Hetzner takes a cloud subnet that is the network's whole range: vitobotta/hetzner-k3s
    // src/hetzner/network/create.cr `network_config` has long created its networks with one cloud
    // subnet of the same ip_range (10.0.0.0/16 for both in its first versions, the configured subnet
    // for both later, e.g. at commit 01c830c; a later variant takes a wider network), and its issues
    // #597 and #760, 2025-2026, describe such networks in use. Only vswitch subnets must be smaller
    // (ansible-collections/hetzner.hcloud pull request #359).
    it("takes a subnet as wide as its network (one cloud subnet for the whole range)", () => {
        const c = load({ "honeydue:networkCidr": "10.0.0.0/16", "honeydue:subnetCidr": "10.0.0.0/16" });
        assert.equal(c.subnetCidr, "10.0.0.0/16");
        assert.equal(c.networkCidr, "10.0.0.0/16");
    });
    it("rejects SSH open to the IPv6 world", () => rejects({ "honeydue:adminCidrs": ["198.51.100.7/32", "::/0"] }, "honeydue:adminCidrs", /must not be open to the world/));
    it("rejects SSH open to the world", () => rejects({ "honeydue:adminCidrs": ["0.0.0.0/0"] }, "honeydue:adminCidrs", /must not be open to the world/));
    it("rejects a missing adminCidrs with how to set it", () => rejects({ "honeydue:adminCidrs": undefined }, "honeydue:adminCidrs is missing", /pulumi config set honeydue:adminCidrs/));
    it("rejects an unknown location", () => rejects({ "honeydue:location": "nuremberg" }, "honeydue:location (got nuremberg)", /expected one of the Hetzner locations fsn1, nbg1/));
    it("rejects a server type Hetzner does not have", () => rejects({ "honeydue:serverType": "t3.large" }, "honeydue:serverType", /expected a Hetzner Cloud server type such as cx33/));
    it("rejects a k3s channel instead of a pinned version", () => rejects({ "honeydue:k3sVersion": "stable" }, "honeydue:k3sVersion (got stable)", /expected a pinned k3s release such as v1\.34\.6\+k3s1/));
    it("rejects a partial k3s version", () => rejects({ "honeydue:k3sVersion": "v1.34" }, "honeydue:k3sVersion", /pinned k3s release/));
    it("rejects an image without a tag", () => rejects({ "honeydue:api": { image: "gitea.treytartt.com/treytartt/honeydue-api" } }, "honeydue:api.image", /expected an image with an explicit tag or digest/));
    it("rejects an image on :latest", () => rejects({ "honeydue:admin": { image: "gitea.treytartt.com/treytartt/honeydue-admin:latest" } }, "honeydue:admin.image", /':latest' is not a pinned tag/));
    it("rejects an app image from another registry", () => rejects({ "honeydue:worker": { image: "docker.io/someone/worker:1.0" } }, "honeydue:worker", /expected an image from the registry gitea\.treytartt\.com/));
    it("rejects a hostname outside the zone", () =>
        rejects({ "honeydue:routes": { "api.example.org": "api", "admin.myhoneydue.com": "admin" } }, "honeydue:routes", /api\.example\.org is outside the zone myhoneydue\.com/));
    it("rejects a route to an unknown app", () => rejects({ "honeydue:routes": { "api.myhoneydue.com": "billing" } }, "honeydue:routes.api.myhoneydue.com", /expected an app name: api or admin/));
    it("rejects an unknown SSL mode", () => rejects({ "honeydue:sslMode": "off" }, "honeydue:sslMode (got off)", /expected flexible, full or strict/));
    it("rejects overlapping pod and node ranges", () => rejects({ "honeydue:clusterCidr": "10.0.0.0/16" }, "honeydue:clusterCidr", /overlaps networkCidr 10\.0\.0\.0\/16/));
    it("rejects a single API replica", () => rejects({ "honeydue:api": { replicas: 1 } }, "honeydue:api.replicas (got 1)", /expected a whole number from 2 to 20/));
    it("rejects a Redis node that is not a node", () => rejects({ "honeydue:redis": { node: "ubuntu-8gb-nbg1-9" } }, "honeydue:redis", /: node ubuntu-8gb-nbg1-9 is not one of the nodes \(ubuntu-8gb-nbg1-1, ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3\); expected one of them$/));
    it("rejects a malformed SSH public key", () => rejects({ "honeydue:sshPublicKey": "not a key" }, "honeydue:sshPublicKey", /expected one OpenSSH public key line/));
    it("rejects a key it does not read, naming it", () => rejects({ "honeydue:serverTyp": "cx33" }, "honeydue:serverTyp is not a key this program reads", /expected one of: location, serverType/));

    it("rejects a missing secret with the command that sets it", () => {
        const found = problems({ "honeydue:databaseUrl": undefined });
        assert.deepEqual(found, [
            "honeydue:databaseUrl is missing: expected a Postgres connection string such as postgresql://user:password@host/db?sslmode=require (set it with `pulumi config set --secret honeydue:databaseUrl`)",
        ]);
    });
    it("rejects a missing provider token", () => {
        withEnv({ HCLOUD_TOKEN: undefined }, () =>
            assert.deepEqual(problems({ "hcloud:token": undefined }), [
                "hcloud:token is missing: expected the provider's API token (set it with `pulumi config set --secret hcloud:token` or export HCLOUD_TOKEN)",
            ]),
        );
    });
    it("puts each Hetzner location in its network zone (where its private network's subnet lives)", () => {
        const zones = Object.fromEntries(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"].map((location) => [location, load({ "honeydue:location": location }).networkZone]));
        assert.deepEqual(zones, { fsn1: "eu-central", nbg1: "eu-central", hel1: "eu-central", ash: "us-east", hil: "us-west", sin: "ap-southeast" });
    });
    it("refuses every provider credential stored in plain text, the Cloudflare API key forms included", () => {
        for (const key of ["cloudflare:apiKey", "cloudflare:apiUserServiceKey"]) {
            const { config, secretKeys } = offlineConfig({ [key]: "PLACEHOLDER-provider-credential" });
            pulumi.runtime.setAllConfig(config, secretKeys.filter((k) => k !== key));
            assert.throws(loadConfig, (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && e.problems[0].startsWith(`${key} is stored in plain text; expected a secret`), key);
        }
    });
    it("rejects a missing Cloudflare token, naming its environment variable", () => {
        withEnv({ CLOUDFLARE_API_TOKEN: undefined }, () =>
            assert.deepEqual(problems({ "cloudflare:apiToken": undefined }), [
                "cloudflare:apiToken is missing: expected the provider's API token (set it with `pulumi config set --secret cloudflare:apiToken` or export CLOUDFLARE_API_TOKEN)",
            ]),
        );
    });
    it("rejects a secret stored in plain text", () => {
        const { config, secretKeys } = offlineConfig();
        pulumi.runtime.setAllConfig(config, secretKeys.filter((k) => k !== "honeydue:smtpPassword"));
        assert.throws(loadConfig, (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && /honeydue:smtpPassword is stored in plain text/.test(e.problems[0]));
    });
    it("refuses a stack where no secret is marked secret in one line, listing them", () => {
        const { config } = offlineConfig();
        pulumi.runtime.setAllConfig(config, []);
        assert.throws(loadConfig, (e: unknown) => {
            assert.ok(e instanceof ConfigError);
            assert.equal(e.problems.length, 1, e.problems.join("\n"));
            assert.match(e.problems[0], /^none of the secret keys is marked secret \(honeydue:sshPrivateKey, .*, hcloud:token, cloudflare:apiToken are all in plain text in Pulumi\.<stack>\.yaml\); expected each set with `pulumi config set --secret <key>`/);
            return true;
        });
    });
    it("names the one secret set, in plain text, as that key (not as 'none is marked secret')", () => {
        withEnv({ HCLOUD_TOKEN: "from-the-environment", CLOUDFLARE_API_TOKEN: "from-the-environment" }, () => {
            const { config } = offlineConfig();
            const only = Object.fromEntries(Object.entries(config).filter(([k]) => !(k in placeholderSecrets) || k === "honeydue:smtpPassword"));
            pulumi.runtime.setAllConfig(only, []);
            assert.throws(loadConfig, (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.equal(e.problems.filter((p) => /plain text/.test(p)).join("\n"), "honeydue:smtpPassword is stored in plain text; expected a secret (set it again with `pulumi config set --secret honeydue:smtpPassword`)");
                return true;
            });
        });
    });
    it("refuses a provider token in plain text, saying to commit the stack file again", () => {
        const { config, secretKeys } = offlineConfig();
        pulumi.runtime.setAllConfig(config, secretKeys.filter((k) => k !== "hcloud:token"));
        assert.throws(loadConfig, (e: unknown) => {
            assert.ok(e instanceof ConfigError);
            assert.deepEqual(e.problems, ["hcloud:token is stored in plain text; expected a secret (set it again with `pulumi config set --secret hcloud:token` < the credential's file, and commit Pulumi.prod.yaml)"]);
            return true;
        });
    });
    // An SDK that cannot say which keys are secret (no runtime.isConfigSecret) refuses nothing for it:
    // the stack still loads, its secrets still wrapped by loadConfig. (The runtime module's exports
    // are plain properties, copied by `__export(require("./config"))` in @pulumi/pulumi
    // runtime/index.js, so the test can take the function away and put it back.)
    it("loads with a Pulumi SDK that cannot tell which keys are secret", async () => {
        const runtime = pulumi.runtime as unknown as { isConfigSecret?: unknown };
        const saved = runtime.isConfigSecret;
        runtime.isConfigSecret = undefined;
        try {
            const c = load({});
            assert.equal(await pulumi.isSecret(c.secrets.databaseUrl), true);
        } finally {
            runtime.isConfigSecret = saved;
        }
    });
    it("never repeats a secret's value in a message", () => {
        const leaked = "postgres-not-a-url-SENTINEL";
        const found = problems({ "honeydue:databaseUrl": leaked });
        assert.equal(found.length, 1);
        assert.ok(!found[0].includes(leaked), found[0]);
        assert.match(found[0], /^honeydue:databaseUrl: expected a Postgres connection string/);
    });
    // Each secret's whole value must have its shape: a value with junk before or after is refused,
    // with the key's own message (never the value).
    const pem = (body: string) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`;
    const b2 = "K005abcdefghijklmnopqrstuv";
    for (const [key, good, bad, message] of [
        ["sshPrivateKey", [pem("b3BlbnNzaA"), `${pem("b3BlbnNzaA")}\n`, "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n"], [`x${pem("b3BlbnNzaA")}`, `${pem("b3BlbnNzaA")}\nssh-ed25519 AAAA`, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END RSA PRIVATE KEY-----"], /expected an unencrypted OpenSSH private key \(the whole PEM block\)$/],
        ["registryPassword", ["12345678"], ["1234567"], /expected the Gitea registry password or token \(8 characters or more\)$/],
        ["smtpPassword", ["12345678"], ["1234567"], /expected the Fastmail app password \(8 characters or more\)$/],
        ["databaseUrl", ["postgresql://u:p@h/db?sslmode=require", "postgres://u:p@h/db"], ["jdbc:postgresql://u:p@h/db", "postgresql://u:p@h/db extra", "postgresql://h/db"], /expected a Postgres connection string such as postgresql:\/\/user:password@host\/db\?sslmode=require$/],
        ["b2ApplicationKey", [b2], [`-${b2}`, `${b2}-`, "K005short"], /expected a Backblaze B2 application key \(20-64 characters\)$/],
        ["k3sToken", ["a".repeat(16)], [`${"a".repeat(16)}!`, `!${"a".repeat(16)}`], /expected a k3s cluster token of 16-128 letters and digits/],
        // A bad name is told as a bad name (zod reports it as the record's invalid_key issue).
        ["appSecrets", [{ JWT_SECRET: "x" }], [{ jwt_SECRET: "x" }, { "JWT-secret": "x" }, { _JWT: "x" }], /^honeydue:appSecrets\.[\w-]+: expected upper-case environment-variable names such as JWT_SECRET$/],
        ["appSecrets", [{}], [["JWT_SECRET"], "JWT_SECRET=x"], /^honeydue:appSecrets: expected a JSON object of NAME → value$/],
        ["appSecrets", [{ JWT_SECRET: "1" }], [{ JWT_SECRET: 1 }, { JWT_SECRET: null }], /^honeydue:appSecrets\.JWT_SECRET: expected the secret's value as a string$/],
    ] as const) {
        it(`takes honeydue:${key} only in its whole shape, naming what is expected (refusing ${bad.map((v) => JSON.stringify(v)).join(", ").slice(0, 60)})`, () => {
            const secret = [`honeydue:${key}`];
            for (const value of good) assert.doesNotThrow(() => load({ [`honeydue:${key}`]: value }, secret), `${key}: ${JSON.stringify(value)}`);
            for (const value of bad) {
                const found = problems({ [`honeydue:${key}`]: value }, secret);
                assert.equal(found.length, 1, `${key}: ${JSON.stringify(value)}: ${found.join("\n")}`);
                assert.ok(found[0].startsWith(`honeydue:${key}`), found[0]);
                assert.match(found[0], message, `${key}: ${JSON.stringify(value)}`);
            }
        });
    }

    it("stops with every problem on its own line under a count, as a ConfigError", () => {
        assert.throws(
            () => load({ "honeydue:location": "mars", "honeydue:smtpPort": 0 }),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.equal(e.name, "ConfigError");
                assert.equal(
                    e.message,
                    "the stack's configuration has 2 problem(s):\n  - honeydue:location (got mars): expected one of the Hetzner locations fsn1, nbg1, hel1, ash, hil, sin\n  - honeydue:smtpPort (got 0): expected a whole number from 1 to 65535",
                );
                return true;
            },
        );
    });
    it("shows a bad value as given up to 60 characters, and a longer one cut to 57 and an ellipsis", () => {
        assert.deepEqual(problems({ "honeydue:serverType": "x".repeat(60) }), [`honeydue:serverType (got ${"x".repeat(60)}): expected a Hetzner Cloud server type such as cx33`]);
        assert.deepEqual(problems({ "honeydue:serverType": "x".repeat(61) }), [`honeydue:serverType (got ${"x".repeat(57)}…): expected a Hetzner Cloud server type such as cx33`]);
        assert.deepEqual(problems({ "honeydue:api": { replicas: 30 } }), ["honeydue:api.replicas (got 30): expected a whole number from 2 to 20"]);
    });
    it("shows a plain key's value exactly as given, quotes and blanks included, so what was refused is visible", () => {
        // `pulumi config set honeydue:location '"fsn1"'` stores the quotes: shown without them, the
        // value would look like the very one the message expects.
        assert.deepEqual(problems({ "honeydue:location": '"fsn1"' }), ['honeydue:location (got "fsn1"): expected one of the Hetzner locations fsn1, nbg1, hel1, ash, hil, sin']);
        assert.deepEqual(problems({ "honeydue:zone": '"example.com"' }), ['honeydue:zone (got "example.com"): expected a fully qualified host name such as api.example.com']);
        assert.deepEqual(problems({ "honeydue:smtpPort": "587 " }), ["honeydue:smtpPort (got 587 ): expected a whole number from 1 to 65535"]);
    });
    it("does not repeat the value when the message already says what was got", () =>
        assert.deepEqual(problems({ "honeydue:nodes": fourNodes }), ["honeydue:nodes: got 4 nodes; expected an odd number, at least 3 (etcd keeps quorum only with a majority)"]));
    it("takes a provider token from its environment variable, but not a blank one", () => {
        withEnv({ HCLOUD_TOKEN: "from-the-environment" }, () => assert.doesNotThrow(() => load({ "hcloud:token": undefined })));
        withEnv({ HCLOUD_TOKEN: " " }, () =>
            assert.deepEqual(problems({ "hcloud:token": undefined }), [
                "hcloud:token is missing: expected the provider's API token (set it with `pulumi config set --secret hcloud:token` or export HCLOUD_TOKEN)",
            ]),
        );
    });
    it("reports every bad value at once", () => {
        const found = problems({ "honeydue:location": "mars", "honeydue:k3sVersion": "latest", "honeydue:sslMode": "none" });
        assert.deepEqual(found.map((p) => p.split(/[ :]/)[1]), ["location", "k3sVersion", "sslMode"]);
    });
});
