// Adoption's configuration errors: ids in the form each provider imports, for resources the program
// actually creates; one message per bad value, naming the key, what was wrong and what is expected.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { load, problems, rejects as rejectsWith } from "./support/config";
import { hostKeysFor } from "./support/hostKeys";

const zone = "023e105f4ecef8ad9ca31a8372d0c353";
const record = "372e67954025e0ba6aaa6d586b9e0b59";

// Adopting only some servers creates the others: that needs honeydue:newEstate (tests/config-new-estate.test.ts).
function rejects(adopt: unknown, key: string, expected: RegExp, more: Record<string, unknown> = {}) {
    const servers = (adopt as { servers?: Record<string, unknown> })?.servers;
    rejectsWith({ "honeydue:adopt": adopt, "honeydue:newEstate": true, "honeydue:hostKeys": hostKeysFor(servers), ...more }, key, expected);
}

describe("adoption configuration", () => {
    it("adopts nothing by default", () => {
        const c = load({});
        assert.deepEqual(c.adopt, { servers: {}, dnsRecords: {}, zoneSettings: {}, k3s: false, kubernetes: [] });
    });

    it("accepts every id in the form its provider imports", () => {
        const c = load({
            "honeydue:newEstate": true,
            "honeydue:hostKeys": hostKeysFor({ "ubuntu-8gb-nbg1-1": 1, "ubuntu-8gb-nbg1-3": 1 }),
            "honeydue:adopt": {
                sshKey: "101",
                placementGroup: "102",
                network: "103",
                subnet: "103-10.0.1.0/24",
                firewall: "104",
                servers: { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-3": "203" },
                dnsRecords: { "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a": `${zone}/${record}`, "myhoneydue.com-ubuntu-8gb-nbg1-2-aaaa": `${zone}/${record.replace("3", "4")}` },
                zoneSettings: { ssl: `${zone}/ssl`, always_use_https: `${zone}/always_use_https` },
            },
        });
        assert.equal(c.adopt.subnet, "103-10.0.1.0/24");
        assert.deepEqual(c.adopt.servers, { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-3": "203" });
        assert.equal(c.adopt.zoneSettings.ssl, `${zone}/ssl`);
    });

    it("rejects every key it does not adopt in one message", () =>
        rejects({ loadBalancer: "5", volume: "6" }, "honeydue:adopt", /: loadBalancer, volume is not something this program adopts; expected only sshKey, placementGroup, network, subnet, firewall, servers, dnsRecords, zoneSettings, k3s, kubernetes$/));
    it("rejects a key it does not adopt, listing what it does", () =>
        rejects({ loadBalancer: "5" }, "honeydue:adopt", /loadBalancer is not something this program adopts; expected only sshKey, placementGroup, network, subnet, firewall, servers, dnsRecords, zoneSettings, k3s/));
    it("rejects adopting a running k3s without its token", () =>
        rejects({ k3s: true }, "honeydue:adopt", /k3s is true but honeydue:k3sToken is not set; expected the running cluster's token/));
    it("adopts a running k3s with its token", () => {
        const c = load({ "honeydue:adopt": { k3s: true }, "honeydue:k3sToken": "runningClusterToken0123" }, ["honeydue:k3sToken"]);
        assert.equal(c.adopt.k3s, true);
    });
    it("rejects a server id that is not a Hetzner id", () =>
        rejects({ servers: { "ubuntu-8gb-nbg1-1": "ubuntu-8gb-nbg1-1" } }, "honeydue:adopt.servers.ubuntu-8gb-nbg1-1 (got ubuntu-8gb-nbg1-1)", /expected a Hetzner id \(digits\)/));
    it("takes an id stored as a number (`pulumi config set --path` stores digits as one)", () => {
        const c = load({ "honeydue:newEstate": true, "honeydue:adopt": { firewall: 104, servers: { "ubuntu-8gb-nbg1-1": 201 } }, "honeydue:hostKeys": hostKeysFor({ "ubuntu-8gb-nbg1-1": 1 }) });
        assert.equal(c.adopt.firewall, "104");
        assert.equal(c.adopt.servers["ubuntu-8gb-nbg1-1"], "201");
    });
    it("rejects a server id that is a fraction", () =>
        rejects({ servers: { "ubuntu-8gb-nbg1-1": 20.5 } }, "honeydue:adopt.servers.ubuntu-8gb-nbg1-1 (got 20.5)", /expected a Hetzner id \(digits\)/));
    // JSON keeps a whole number exact only up to 2^53: a longer id stored as a number may already have
    // lost its last digits, and 0 or a negative number is no Hetzner id; neither may be imported.
    it("takes an id stored as a number only when it is a positive whole number JSON kept exact", () => {
        for (const id of [0, -5, 2 ** 53 + 2]) {
            rejects({ servers: { "ubuntu-8gb-nbg1-1": id } }, `honeydue:adopt.servers.ubuntu-8gb-nbg1-1 (got ${JSON.stringify(id)})`, /: expected a Hetzner id \(digits\)$/);
        }
        assert.equal(load({ "honeydue:newEstate": true, "honeydue:adopt": { servers: { "ubuntu-8gb-nbg1-1": 2 ** 53 - 1 } }, "honeydue:hostKeys": hostKeysFor({ "ubuntu-8gb-nbg1-1": 1 }) }).adopt.servers["ubuntu-8gb-nbg1-1"], String(2 ** 53 - 1));
    });
    it("rejects a server id with anything after the digits, saying where the id is listed", () => {
        for (const id of ["201a", "201 web", "x201"]) {
            rejects({ servers: { "ubuntu-8gb-nbg1-1": id } }, `honeydue:adopt.servers.ubuntu-8gb-nbg1-1 (got ${id})`, /: expected a Hetzner id \(digits\), as `hcloud … list -o columns=id,name` prints it$/);
        }
    });
    it("rejects a server for a node that is not one", () =>
        rejects({ servers: { "ubuntu-8gb-nbg1-9": "209" } }, "honeydue:adopt.servers", /ubuntu-8gb-nbg1-9 is not one of the nodes \(ubuntu-8gb-nbg1-1, ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3\); expected node names/));
    it("rejects one server given for two nodes", () =>
        rejects({ servers: { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-2": "201" } }, "honeydue:adopt.servers", /server 201 is given for ubuntu-8gb-nbg1-1 and ubuntu-8gb-nbg1-2; expected one server per node/));
    it("rejects a subnet given by its range alone", () =>
        rejects({ subnet: "10.0.1.0/24" }, "honeydue:adopt.subnet (got 10.0.1.0/24)", /expected <network id>-<ip range>, such as 1234567-10\.0\.1\.0\/24/));
    it("rejects a subnet id with anything before the network id, or not given as a string", () => {
        rejects({ subnet: "net103-10.0.1.0/24" }, "honeydue:adopt.subnet (got net103-10.0.1.0/24)", /: expected <network id>-<ip range>, such as 1234567-10\.0\.1\.0\/24$/);
        rejects({ subnet: "103-10.0.1.0/24x" }, "honeydue:adopt.subnet (got 103-10.0.1.0/24x)", /: expected <network id>-<ip range>, such as 1234567-10\.0\.1\.0\/24$/);
        rejects({ subnet: 103 }, "honeydue:adopt.subnet (got 103)", /: expected <network id>-<ip range>$/);
    });
    it("accepts a subnet id whose range has octets of two and three digits", () => {
        const nodes = [11, 12, 13].map((i, n) => ({ name: `ubuntu-8gb-nbg1-${n + 1}`, privateIp: `10.0.110.${i}` }));
        const c = load({ "honeydue:subnetCidr": "10.0.110.0/24", "honeydue:nodes": nodes, "honeydue:adopt": { network: "1234567", subnet: "1234567-10.0.110.0/24" } });
        assert.equal(c.adopt.subnet, "1234567-10.0.110.0/24");
    });
    it("rejects a subnet whose range is not subnetCidr (a subnet cannot change range in place)", () =>
        rejects({ subnet: "103-10.0.2.0/24" }, "honeydue:adopt.subnet", /is the subnet 10\.0\.2\.0\/24, but honeydue:subnetCidr is 10\.0\.1\.0\/24/));
    it("rejects a subnet of another network than the adopted one", () =>
        rejects({ network: "103", subnet: "999-10.0.1.0/24" }, "honeydue:adopt.subnet", /belongs to network 999, not the adopted network 103/));
    it("rejects a DNS record id without its zone", () =>
        rejects({ dnsRecords: { "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a": record } }, "honeydue:adopt.dnsRecords.api.myhoneydue.com-ubuntu-8gb-nbg1-1-a", /expected <zone id>\/<record id>/));
    it("rejects a record or setting id that is not <zone id>/<id> as text, saying the form", () => {
        const name = "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a";
        rejects({ dnsRecords: { [name]: 12345 } }, `honeydue:adopt.dnsRecords.${name} (got 12345)`, /: expected <zone id>\/<record id>$/);
        rejects({ dnsRecords: { [name]: `${zone}/${record.slice(1)}` } }, `honeydue:adopt.dnsRecords.${name}`, /: expected <zone id>\/<record id>, two 32-character hex ids, as the Cloudflare API lists them$/);
        rejects({ zoneSettings: { ssl: 12345 } }, "honeydue:adopt.zoneSettings.ssl (got 12345)", /: expected <zone id>\/<setting id>$/);
        rejects({ zoneSettings: { ssl: "ssl" } }, "honeydue:adopt.zoneSettings.ssl (got ssl)", /: expected <zone id>\/<setting id>, such as 023e105f4ecef8ad9ca31a8372d0c353\/ssl$/);
        rejects({ zoneSettings: ["ssl"] }, "honeydue:adopt.zoneSettings", /: expected a JSON object of setting id → <zone id>\/<setting id>$/);
        rejects({ dnsRecords: [`${zone}/${record}`] }, "honeydue:adopt.dnsRecords", /: expected a JSON object of record name → <zone id>\/<record id>$/);
        rejects({ servers: ["201"] }, "honeydue:adopt.servers", /: expected a JSON object of node name → server id$/);
    });
    it("rejects a record the edge does not create, listing the records it does", () =>
        rejects({ dnsRecords: { "www.myhoneydue.com-ubuntu-8gb-nbg1-1-a": `${zone}/${record}` } }, "honeydue:adopt.dnsRecords", /www\.myhoneydue\.com-ubuntu-8gb-nbg1-1-a is not a record the edge creates; expected one of: api\.myhoneydue\.com-ubuntu-8gb-nbg1-1-a, api\.myhoneydue\.com-ubuntu-8gb-nbg1-1-aaaa, .*myhoneydue\.com-ubuntu-8gb-nbg1-3-aaaa$/));
    it("rejects a record of a node out of rotation (the edge does not create it)", () =>
        rejects({ dnsRecords: { "api.myhoneydue.com-ubuntu-8gb-nbg1-3-a": `${zone}/${record}` } }, "honeydue:adopt.dnsRecords", /api\.myhoneydue\.com-ubuntu-8gb-nbg1-3-a is not a record the edge creates/, { "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-3"] }));
    it("accepts the API hostname's record once apiHostname is set", () => {
        const c = load({ "honeydue:apiHostname": "k8s.myhoneydue.com", "honeydue:adopt": { dnsRecords: { "k8s.myhoneydue.com-ubuntu-8gb-nbg1-2-a": `${zone}/${record}` } } });
        assert.deepEqual(Object.keys(c.adopt.dnsRecords), ["k8s.myhoneydue.com-ubuntu-8gb-nbg1-2-a"]);
    });
    it("rejects a zone setting the edge does not manage", () =>
        rejects({ zoneSettings: { tls_1_3: `${zone}/tls_1_3` } }, "honeydue:adopt.zoneSettings", /tls_1_3 is not a zone setting the edge manages; expected ssl, always_use_https, min_tls_version/));
    it("rejects every zone setting the edge does not manage in one message", () =>
        rejects({ zoneSettings: { tls_1_3: `${zone}/tls_1_3`, http3: `${zone}/http3` } }, "honeydue:adopt.zoneSettings", /: tls_1_3, http3 is not a zone setting the edge manages; expected ssl, always_use_https, min_tls_version$/));
    it("rejects a zone setting imported under another setting's id", () =>
        rejects({ zoneSettings: { ssl: `${zone}/min_tls_version` } }, "honeydue:adopt.zoneSettings", /ssl is given .*\/min_tls_version; expected <zone id>\/ssl/));
    it("rejects records and settings in a zone other than honeydue:zoneId", () =>
        rejects({ zoneSettings: { ssl: `${"f".repeat(32)}/ssl` } }, "honeydue:adopt", /names zone\(s\) f{32}, but honeydue:zoneId is 0{32}; expected every record and setting in that zone/, { "honeydue:zoneId": "0".repeat(32) }));
    it("names only the zones other than honeydue:zoneId", () =>
        rejects(
            { zoneSettings: { ssl: `${"f".repeat(32)}/ssl`, always_use_https: `${"e".repeat(32)}/always_use_https`, min_tls_version: `${"0".repeat(32)}/min_tls_version` } },
            "honeydue:adopt",
            /: names zone\(s\) f{32}, e{32}, but honeydue:zoneId is 0{32}; expected every record and setting in that zone$/,
            { "honeydue:zoneId": "0".repeat(32) },
        ));
    it("takes records and settings all in the zone of honeydue:zoneId", () => {
        const c = load({ "honeydue:zoneId": zone, "honeydue:adopt": { zoneSettings: { ssl: `${zone}/ssl` }, dnsRecords: { "api.myhoneydue.com-ubuntu-8gb-nbg1-1-a": `${zone}/${record}` } } });
        assert.deepEqual(Object.keys(c.adopt.zoneSettings), ["ssl"], "only the settings given");
    });
    it("rejects records and settings spread over two zones", () =>
        rejects({ zoneSettings: { ssl: `${"f".repeat(32)}/ssl`, min_tls_version: `${zone}/min_tls_version` } }, "honeydue:adopt", /: names 2 zones \(f{32}, 023e105f4ecef8ad9ca31a8372d0c353\); expected every record and setting in the one zone of honeydue:zone$/));
    it("takes the running Kubernetes objects as Kind/name, the Redis claim under its configured name", () => {
        const c = load({ "honeydue:adopt": { kubernetes: ["Namespace/honeydue", "PersistentVolumeClaim/redis-queue", "Ingress/api-myhoneydue-com"] }, "honeydue:redis": { claimName: "redis-queue" } });
        assert.deepEqual(c.adopt.kubernetes, ["Namespace/honeydue", "PersistentVolumeClaim/redis-queue", "Ingress/api-myhoneydue-com"]);
    });
    it("rejects a Kubernetes object the workloads do not create, listing those they do", () =>
        rejects({ kubernetes: ["PersistentVolumeClaim/redis-queue"] }, "honeydue:adopt.kubernetes", /PersistentVolumeClaim\/redis-queue is not an object the workloads create; expected some of: Namespace\/honeydue, Secret\/registry, PersistentVolumeClaim\/redis-data, .*Ingress\/myhoneydue-com$/));
    it("lists, when refusing an object, exactly the fixed-name objects the workloads create, a disruption budget only for an app of two replicas or more", () =>
        rejects(
            { kubernetes: ["Deployment/migrations"] },
            "honeydue:adopt.kubernetes",
            /^honeydue:adopt\.kubernetes: Deployment\/migrations is not an object the workloads create; expected some of: Namespace\/honeydue, Secret\/registry, PersistentVolumeClaim\/redis-data, Deployment\/redis, Service\/redis, NetworkPolicy\/redis-clients, Deployment\/api, Service\/api, Deployment\/admin, Service\/admin, Deployment\/worker, PodDisruptionBudget\/api, PodDisruptionBudget\/admin, Ingress\/api-myhoneydue-com, Ingress\/admin-myhoneydue-com, Ingress\/myhoneydue-com$/,
        ));
    it("takes the worker's disruption budget once the worker runs two replicas", () => {
        rejects({ kubernetes: ["PodDisruptionBudget/worker"] }, "honeydue:adopt.kubernetes", /PodDisruptionBudget\/worker is not an object the workloads create/);
        assert.deepEqual(load({ "honeydue:adopt": { kubernetes: ["PodDisruptionBudget/worker"] }, "honeydue:worker": { replicas: 2 } }).adopt.kubernetes, ["PodDisruptionBudget/worker"]);
    });
    it("rejects the list of Kubernetes objects given as one string", () =>
        rejects({ kubernetes: "Namespace/honeydue" }, "honeydue:adopt.kubernetes (got Namespace/honeydue)", /: expected a list of Kind\/name, such as \["Namespace\/honeydue", "PersistentVolumeClaim\/redis-data"\]$/));
    it("rejects a Kubernetes object listed twice (a `pulumi config set --path …[n]` that repeated one)", () =>
        rejects({ kubernetes: ["Namespace/honeydue", "Namespace/honeydue"] }, "honeydue:adopt.kubernetes", /lists an object twice; expected each once/));
    it("rejects a Kubernetes object not given as Kind/name", () =>
        rejects({ kubernetes: ["honeydue/redis-data"] }, "honeydue:adopt.kubernetes.0 (got honeydue/redis-data)", /expected Kind\/name, such as PersistentVolumeClaim\/redis-data/));
    it("takes an object whose name is one character (a claim named r)", () =>
        assert.deepEqual(load({ "honeydue:adopt": { kubernetes: ["PersistentVolumeClaim/r"] }, "honeydue:redis": { claimName: "r" } }).adopt.kubernetes, ["PersistentVolumeClaim/r"]));
    it("rejects a Kubernetes object with anything before its Kind or after its name", () => {
        for (const o of ["the Namespace/honeydue", "Namespace/honeydue/x"]) rejects({ kubernetes: [o] }, `honeydue:adopt.kubernetes.0 (got ${o})`, /: expected Kind\/name, such as PersistentVolumeClaim\/redis-data$/);
    });
    it("rejects adopt that is not an object", () => rejects("12345", "honeydue:adopt", /expected a JSON object of provider ids to import/));
});

describe("host keys of adopted servers (honeydue:hostKeys)", () => {
    const servers = { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-2": "202", "ubuntu-8gb-nbg1-3": "203" };
    const keys = hostKeysFor(servers);
    const withKeys = (hostKeys: Record<string, string>) => ({ "honeydue:adopt": { servers }, "honeydue:hostKeys": hostKeys });

    it("takes one recorded key per adopted server", () => {
        assert.deepEqual(load(withKeys(keys)).hostKeys, keys);
    });
    it("refuses an adopted server without a recorded key, naming it and how to set it (no silent unpinned connection)", () => {
        const rest = Object.fromEntries(Object.entries(keys).filter(([n]) => n !== "ubuntu-8gb-nbg1-2"));
        rejectsWith(withKeys(rest), "honeydue:hostKeys", /no host key for the adopted server ubuntu-8gb-nbg1-2: .*unpinned connection would trust whoever answers.*pulumi config set --path 'honeydue:hostKeys\.ubuntu-8gb-nbg1-2'/);
        // The whole message an operator reads, one server spoken of in the singular.
        assert.deepEqual(problems(withKeys(rest)), [
            "honeydue:hostKeys: has no host key for the adopted server ubuntu-8gb-nbg1-2: the program did not build it, so it cannot know the key, and an unpinned connection would trust whoever answers. " +
                "Expected the key each presents, fetched and checked as the README says (\"SSH\"), e.g. `pulumi config set --path 'honeydue:hostKeys.ubuntu-8gb-nbg1-2' 'ssh-ed25519 AAAA…'`",
        ]);
    });
    it("refuses every adopted server without a recorded key, naming them all", () => {
        const one = Object.fromEntries(Object.entries(keys).filter(([n]) => n === "ubuntu-8gb-nbg1-1"));
        rejectsWith(withKeys(one), "honeydue:hostKeys", /: has no host key for the adopted servers ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3: the program did not build them, so it cannot know the key/);
    });
    it("refuses a key line that is not one, and a key type the provider cannot pin, listing the types it can", () => {
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": "ssh-ed25519" }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /: expected one public key line such as 'ssh-ed25519 AAAA…' \(the second and third fields of an ssh-keyscan line\)$/);
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": "ssh-dss AAAAB3NzaC1kc3MAAACBAP root@node" }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /: is a ssh-dss key; expected one of ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521 \(ssh-keyscan -t ed25519\)$/);
    });
    it("refuses an RSA key (the provider would offer only ssh-rsa, which sshd refuses)", () => {
        const rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDQ root@node";
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": rsa }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /is an RSA key.*expected the node's ssh-ed25519 key \(ssh-keyscan -t ed25519\)/);
    });
    it("refuses an ssh-keyscan line pasted whole (host name first)", () => {
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": `203.0.113.11 ${keys["ubuntu-8gb-nbg1-1"]}` }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /starts with a host name.*expected the key alone/);
    });
    it("refuses an RSA ssh-keyscan line as a line with a host name first", () => {
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": "203.0.113.11 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDQ" }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /: starts with a host name \(an ssh-keyscan or known_hosts line\); expected the key alone, 'ssh-ed25519 AAAA…'$/);
    });
    it("refuses an ssh-keyscan line however it is spaced, as a line with a host name first", () => {
        for (const line of [` 203.0.113.11 ${keys["ubuntu-8gb-nbg1-1"]}`, `203.0.113.11  ${keys["ubuntu-8gb-nbg1-1"]}`, `203.0.113.11\t${keys["ubuntu-8gb-nbg1-1"]}`]) {
            rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": line }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /: starts with a host name \(an ssh-keyscan or known_hosts line\); expected the key alone/);
        }
    });
    it("refuses a key with a blank before it, junk after its data, or a second line", () => {
        const key = keys["ubuntu-8gb-nbg1-1"];
        for (const line of [` ${key}`, `${key}!!`, `${key} root@node\nssh-ed25519 AAAA`]) {
            rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": line }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /: expected one public key line such as 'ssh-ed25519 AAAA…' \(the second and third fields of an ssh-keyscan line\)$/);
        }
    });
    it("takes a key with its comment and a final newline, as a .pub file holds it", () => {
        const line = `${keys["ubuntu-8gb-nbg1-1"]} root@ubuntu-8gb-nbg1-1\n`;
        assert.equal(load(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": line })).hostKeys["ubuntu-8gb-nbg1-1"], line);
    });
    it("refuses key data of another type under ssh-ed25519 (a truncated or mixed-up paste)", () => {
        const ecdsa = "ssh-ed25519 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH9xkcp+k1O8Gxpxrv/p/rSE0tVCP/Ie365VYEHykCETUix2LAegkLbc9cmZ7QzwHa0+JoTBYVhY8N1vgAi9Upw=";
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": ecdsa }), "honeydue:hostKeys.ubuntu-8gb-nbg1-1", /the key data is not an ssh-ed25519 key/);
    });
    it("refuses host keys not given as an object of key lines, saying the form", () => {
        rejectsWith(withKeys(["ssh-ed25519 AAAA"] as unknown as Record<string, string>), "honeydue:hostKeys", /: expected a JSON object of node name → public host key \('ssh-ed25519 AAAA…'\)$/);
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-1": 5 } as unknown as Record<string, string>), "honeydue:hostKeys.ubuntu-8gb-nbg1-1 (got 5)", /: expected a public key line such as 'ssh-ed25519 AAAA…'$/);
    });
    it("refuses a key for a node that is not one", () => {
        rejectsWith(withKeys({ ...keys, "ubuntu-8gb-nbg1-9": keys["ubuntu-8gb-nbg1-1"] }), "honeydue:hostKeys", /: ubuntu-8gb-nbg1-9 is not one of the nodes \(ubuntu-8gb-nbg1-1, ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3\); expected node names from honeydue:nodes$/);
    });
});
