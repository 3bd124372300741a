// Typos never pass silently, and values are checked as deeply as they can be offline: every
// configuration object refuses a field it does not know and names the nearest real one; CIDRs,
// cron, the private network, image references, hostnames, routes, quantities, numbers given as
// strings, JSON syntax and the providers' own keys (issue 11, "The configuration").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as hcloudConfig from "@pulumi/hcloud/config/vars";
import { coversEverything, cronProblem, imageTag, nearest, overlaps, parseImage, quantityValue } from "../config/fields";
import { load, problems, rejects } from "./support/config";

const book = [
    { name: "ubuntu-8gb-nbg1-1", privateIp: "10.0.1.11", sshAlias: "hetzner2" },
    { name: "ubuntu-8gb-nbg1-2", privateIp: "10.0.1.12", sshAlias: "hetzner1" },
    { name: "ubuntu-8gb-nbg1-3", privateIp: "10.0.1.13", sshAlias: "hetzner3" },
];

describe("unknown fields are refused, with the nearest real one", () => {
    it("in a node (sshAlais)", () =>
        rejects({ "honeydue:nodes": [{ ...book[0], sshAlias: undefined, sshAlais: "hetzner2" }, book[1], book[2]] }, "honeydue:nodes.0", /unknown field sshAlais \(did you mean sshAlias\?\); expected only name, privateIp, sshAlias/));
    it("in an app (replica)", () => rejects({ "honeydue:api": { replica: 3 } }, "honeydue:api", /unknown field replica \(did you mean replicas\?\)/));
    it("in Redis (maxmemory, in the wrong case)", () => rejects({ "honeydue:redis": { maxmemory: "256Mi" } }, "honeydue:redis", /unknown field maxmemory \(did you mean maxMemory\?\)/));
    it("in Traefik", () => rejects({ "honeydue:traefik": { chartVersoin: "37.1.2" } }, "honeydue:traefik", /unknown field chartVersoin \(did you mean chartVersion\?\)/));
    it("in the prices", () => rejects({ "honeydue:prices": { currncy: "EUR" } }, "honeydue:prices", /unknown field currncy \(did you mean currency\?\)/));
    it("in the restore object", () =>
        assert.ok(problems({ "honeydue:etcdRestore": { snapshots: "x" } }).some((p) => /^honeydue:etcdRestore: got unknown field snapshots \(did you mean snapshot\?\)/.test(p))));
    it("as a top-level key (serverTyp)", () => rejects({ "honeydue:serverTyp": "cx33" }, "honeydue:serverTyp is not a key this program reads (did you mean honeydue:serverType?)", /expected one of/));
    it("naming every unknown field at once, each with its nearest real one", () =>
        rejects({ "honeydue:api": { replica: 3, imag: "x" } }, "honeydue:api", /: got unknown fields replica \(did you mean replicas\?\), imag \(did you mean image\?\); expected only image, replicas/));
    it("as a top-level key or a provider's key with nothing near, listing the keys there are", () => {
        rejects({ "honeydue:zzzzzzzzzzzz": "x" }, "honeydue:zzzzzzzzzzzz is not a key this program reads; expected one of: location, serverType", /./);
        rejects({ "hcloud:zzzzzzzzzzzz": "x" }, "hcloud:zzzzzzzzzzzz is not a key the hcloud provider reads; expected one of: endpoint", /token$/);
        // Each key the provider reads, one by one: the names its SDK's config module exports
        // (node_modules/@pulumi/hcloud/config/vars.d.ts), so the list holds whatever this SDK version reads.
        const [line] = problems({ "hcloud:zzzzzzzzzzzz": "x" });
        assert.deepEqual(line.split("; expected one of: ")[1].split(", "), Object.keys(hcloudConfig));
    });
    it("without a suggestion when nothing is near", () => rejects({ "honeydue:api": { zzzzzzzz: 1 } }, "honeydue:api", /unknown field zzzzzzzz; expected only image/));
});

describe("admin CIDRs", () => {
    it("refuse an address with host bits set", () =>
        rejects({ "honeydue:adminCidrs": ["198.51.100.7/24"] }, "honeydue:adminCidrs.0 (got 198.51.100.7/24)", /has host bits set; expected the network address 198\.51\.100\.0\/24 .* or 198\.51\.100\.7\/32/));
    it("refuse a prefix too broad for an operator", () => rejects({ "honeydue:adminCidrs": ["10.0.0.0/8"] }, "honeydue:adminCidrs", /10\.0\.0\.0\/8 is broader than \/16/));
    it("refuse a broad IPv6 prefix", () => rejects({ "honeydue:adminCidrs": ["2001:db8::/32"] }, "honeydue:adminCidrs", /2001:db8::\/32 is broader than \/48/));
    it("take an operator's own IPv6 address or small range beside an IPv4 one", () =>
        assert.deepEqual(load({ "honeydue:adminCidrs": ["198.51.100.7/32", "2001:db8::7/128", "2001:db8:0:1::/96"] }).adminCidrs, ["198.51.100.7/32", "2001:db8::7/128", "2001:db8:0:1::/96"]));
    it("take a broad prefix when that is said on purpose", () => assert.deepEqual(load({ "honeydue:adminCidrs": ["10.0.0.0/8"], "honeydue:allowBroadAdminCidrs": true }).adminCidrs, ["10.0.0.0/8"]));
    it("refuse sources that together cover the internet, even on purpose", () =>
        rejects({ "honeydue:adminCidrs": ["0.0.0.0/1", "128.0.0.0/1"], "honeydue:allowBroadAdminCidrs": true }, "honeydue:adminCidrs", /together cover every IPv4 address/));
    it("refuse IPv4 sources that together cover every IPv4 address when an IPv6 range is listed with them", () =>
        rejects({ "honeydue:adminCidrs": ["0.0.0.0/1", "128.0.0.0/1", "2001:db8:1::/48"], "honeydue:allowBroadAdminCidrs": true }, "honeydue:adminCidrs", /: together cover every IPv4 address \(0\.0\.0\.0\/1 \+ 128\.0\.0\.0\/1\), which opens SSH/));
    it("take broad sources on purpose that leave a gap in the middle of IPv4, the last reaching its top", () =>
        assert.deepEqual(load({ "honeydue:adminCidrs": ["0.0.0.0/1", "192.0.0.0/2"], "honeydue:allowBroadAdminCidrs": true }).adminCidrs, ["0.0.0.0/1", "192.0.0.0/2"]));
    // 0.0.0.0/1, then 128.0.0.0/32, 128.0.0.1/32, 128.0.0.2/31, 128.0.0.4/30 … 192.0.0.0/2: every address once.
    it("know that sources pieced together from single addresses up still cover everything", () => {
        const quad = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
        const pieces = ["0.0.0.0/1", "128.0.0.0/32", ...Array.from({ length: 31 }, (_, k) => `${quad(2 ** 31 + 2 ** k)}/${32 - k}`)];
        assert.ok(coversEverything(pieces, "ipv4"));
        assert.ok(!coversEverything(pieces.filter((p) => p !== "128.0.0.1/32"), "ipv4"));
    });
    it("know what covers everything", () => {
        assert.ok(coversEverything(["128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"], "ipv4"));
        assert.ok(!coversEverything(["0.0.0.0/1", "128.0.0.0/2"], "ipv4"));
        assert.ok(coversEverything(["::/1", "8000::/1"], "ipv6"));
    });
    // An IPv4-mapped source (::ffff:a.b.c.d) is never what an IPv4 packet comes from: the operator would be locked out.
    it("refuse an IPv4 address written as IPv6, saying the IPv4 form to use", () => {
        const found = problems({ "honeydue:adminCidrs": ["::ffff:198.51.100.7/128", "::ffff:0:0/96"], "honeydue:allowBroadAdminCidrs": true });
        assert.deepEqual(found, [
            "honeydue:adminCidrs: ::ffff:198.51.100.7/128 is an IPv4 address written as IPv6; expected 198.51.100.7/32",
            "honeydue:adminCidrs: ::ffff:0:0/96 is an IPv4 address written as IPv6; expected 0.0.0.0/0",
        ]);
    });
    it("refuse IPv6 sources that together cover every IPv6 address, even on purpose, naming them", () =>
        rejects({ "honeydue:adminCidrs": ["198.51.100.7/32", "::/1", "8000::/1"], "honeydue:allowBroadAdminCidrs": true }, "honeydue:adminCidrs", /: together cover every IPv6 address \(::\/1 \+ 8000::\/1\), which opens SSH/));
    it("refuse a prefix broader than /16 or /48, saying how one address is written in its family; take /16 itself", () => {
        assert.deepEqual(problems({ "honeydue:adminCidrs": ["10.0.0.0/15", "2001:db8::/47"] }), [
            "honeydue:adminCidrs: 10.0.0.0/15 is broader than /16; expected an operator's own address or range (/32 for one address), or set honeydue:allowBroadAdminCidrs to true on purpose",
            "honeydue:adminCidrs: 2001:db8::/47 is broader than /48; expected an operator's own address or range (/128 for one address), or set honeydue:allowBroadAdminCidrs to true on purpose",
        ]);
        assert.deepEqual(load({ "honeydue:adminCidrs": ["10.0.0.0/16"] }).adminCidrs, ["10.0.0.0/16"]);
    });
    it("refuse one CIDR given bare instead of as a list, showing the list form", () =>
        rejects({ "honeydue:adminCidrs": "198.51.100.7/32" }, "honeydue:adminCidrs (got 198.51.100.7/32)", /: expected a JSON list of CIDRs such as \["198\.51\.100\.7\/32"\]$/));
    it("refuse an empty list (the operator would be locked out of SSH and the Kubernetes API)", () =>
        rejects({ "honeydue:adminCidrs": [] }, "honeydue:adminCidrs (got [])", /: expected at least one CIDR \(the address `pulumi up` runs from\)$/));
    // `pulumi config set honeydue:adminCidrs "$MY_IP"` with the variable unset stores "". It stays
    // that string (not JSON, so parseJson hands it back as given), and zod runs a length check even
    // after the type check failed when the value has a length (zod v4/core/checks.js,
    // $ZodCheckMinLength: `when` is _whenHasLength; v4/core/schemas.js runChecks runs a check with
    // a `when` on an aborted payload): so the operator is also told the list needs a CIDR.
    it("refuse an empty value (a shell variable that was unset), saying a list of at least one CIDR is expected", () =>
        assert.deepEqual(problems({ "honeydue:adminCidrs": "" }), [
            'honeydue:adminCidrs (got ): expected a JSON list of CIDRs such as ["198.51.100.7/32"]',
            "honeydue:adminCidrs (got ): expected at least one CIDR (the address `pulumi up` runs from)",
        ]));
    it("accept an operator's /32 and /48", () => assert.equal(load({ "honeydue:adminCidrs": ["198.51.100.7/32", "2001:db8:1::/48"] }).adminCidrs.length, 2));
});

describe("cron, network, images, hostnames, routes", () => {
    it("refuses a cron field out of range", () => rejects({ "honeydue:etcdSnapshotSchedule": "61 */6 * * *" }, "honeydue:etcdSnapshotSchedule", /the minute field "61" is not valid/));
    it("refuses an @every schedule that is not a Go duration, quoting it as written", () =>
        rejects({ "honeydue:etcdSnapshotSchedule": " @every 6 hours " }, "honeydue:etcdSnapshotSchedule", /: "@every 6 hours" is not @every <duration> such as @every 6h; expected a five-field cron expression/));
    // robfig/cron parser.go parseDescriptor hands everything after "@every " to time.ParseDuration.
    it("refuses an @every schedule with anything before or after its duration", () => {
        for (const v of ["@every x@every 6h", "@every 6hx"]) assert.equal(cronProblem(v), `"${v}" is not @every <duration> such as @every 6h`);
    });
    // robfig/cron parser.go Parse splits a five-field spec with strings.Fields: runs of blanks (tabs
    // too) between fields are fine. (Blanks around a schedule are dropped before it is read: config-k3s.)
    it("reads runs of blanks between a schedule's fields as robfig/cron does", () => {
        for (const v of ["0  3\t* * *", "0 \t 3 * * *"]) assert.equal(load({ "honeydue:etcdSnapshotSchedule": v }).etcdSnapshotSchedule, v);
        assert.equal(cronProblem("0 3 * *\t\t*"), undefined);
    });
    it("refuses a cron day of week 7 (robfig/cron stops at 6) and a zero step", () => {
        assert.match(cronProblem("0 0 * * 7") ?? "", /day of week/);
        assert.match(cronProblem("0 0 * * 1-7") ?? "", /the day of week field "1-7" is not valid/);
        assert.match(cronProblem("*/0 * * * *") ?? "", /minute/);
        assert.match(cronProblem("0 0 * *") ?? "", /has 4 field/);
        assert.equal(cronProblem("0 3 1-15/2 jan,jul mon-fri"), undefined);
        assert.equal(cronProblem("@daily"), undefined);
        assert.equal(cronProblem("@every 6h"), undefined);
        assert.match(cronProblem("@sometimes") ?? "", /not a descriptor/);
    });
    it("refuses the network's gateway as a node IP (Hetzner takes the network's first address)", () =>
        rejects(
            { "honeydue:subnetCidr": "10.0.0.0/24", "honeydue:nodes": [{ ...book[0], privateIp: "10.0.0.1" }, { ...book[1], privateIp: "10.0.0.12" }, { ...book[2], privateIp: "10.0.0.13" }] },
            "honeydue:nodes",
            /: ubuntu-8gb-nbg1-1 has privateIp 10\.0\.0\.1, which is reserved \(network, broadcast or gateway address\); expected a host address$/,
        ));
    it("refuses a subnet outside the network", () => assert.equal(problems({ "honeydue:subnetCidr": "10.1.1.0/24" }).at(-1), "honeydue:subnetCidr: 10.1.1.0/24 is not inside networkCidr 10.0.0.0/16; expected a subnet of it"));
    it("refuses a server type or system image with anything around it", () => {
        for (const t of ["xcx33", "cx33x"]) rejects({ "honeydue:serverType": t }, `honeydue:serverType (got ${t})`, /: expected a Hetzner Cloud server type such as cx33$/);
        for (const i of ["ubuntu-24.04x", "Ubuntu-24.04", "my-ubuntu-24.04"]) rejects({ "honeydue:image": i }, `honeydue:image (got ${i})`, /: expected a Hetzner system image such as ubuntu-24\.04$/);
        assert.deepEqual([load({ "honeydue:serverType": "cax21", "honeydue:prices": { servers: { cax21: 6 } } }).serverType, load({ "honeydue:image": "debian-12" }).image], ["cax21", "debian-12"]);
    });
    // A schedule k3s cannot parse means no snapshots and no message (fields.ts cronProblem): each
    // field's whole range, names in any case, descriptors and Go durations are taken; the rest named.
    // robfig/cron v3 parser.go: months jan…dec are 1…12, weekdays sun…sat are 0…6, in any case.
    it("reads each month and weekday name as its own number, in any case", () => {
        const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
        const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
        for (const [i, m] of months.entries()) {
            for (const month of [`${m}-${i + 1}`, `${i + 1}-${m.toUpperCase()}`]) assert.equal(cronProblem(`0 0 1 ${month} *`), undefined, month);
            assert.notEqual(cronProblem(`0 0 1 ${m}-${i} *`), undefined, `${m} is not month ${i}`);
        }
        for (const [i, d] of days.entries()) {
            for (const day of [`${d}-${i}`, `${i}-${d.toUpperCase()}`]) assert.equal(cronProblem(`0 0 * * ${day}`), undefined, day);
        }
    });
    it("takes every schedule robfig/cron takes, and names the field of one it would not", () => {
        for (const e of ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@every 1h30m", "@every 1.5h", "@every 1.25h", "@every 500ms", "0 3 * JAN MON", "59 23 31 12 6", "0 0 1 1 0", "0-30/10 * * * *", "0 0 * * sun-sat", "0 0 * dec *"]) {
            assert.equal(cronProblem(e), undefined, e);
        }
        const bad = (name: string, part: string, range: string) => `the ${name} field "${part}" is not valid (expected ${range}, *, a range a-b, a list a,b or a step */n)`;
        for (const [e, problem] of [
            ["@dailyx", '"@dailyx" is not a descriptor (expected @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>)'],
            ["x@daily", "has 1 field(s)"],
            ["@every 6", '"@every 6" is not @every <duration> such as @every 6h'],
            ["0 0 0 * *", bad("day of month", "0", "1-31")],
            ["0 0 32 * *", bad("day of month", "32", "1-31")],
            ["0 0 1 0 *", bad("month", "0", "1-12")],
            ["0 0 1 13 *", bad("month", "13", "1-12")],
            ["0 24 * * *", bad("hour", "24", "0-23")],
            ["0 5-3 * * *", bad("hour", "5-3", "0-23")],
            ["0 0 * * mon-", bad("day of week", "mon-", "0-6")],
            ["0 0 * * -mon", bad("day of week", "-mon", "0-6")],
            ["0 0 * * x", bad("day of week", "x", "0-6")],
            ["0 0 * foo *", bad("month", "foo", "1-12")],
            ["1,2,,3 * * * *", bad("minute", "1,2,,3", "0-59")],
            ["1.5 * * * *", bad("minute", "1.5", "0-59")],
            // Number() reads these; robfig/cron does not (robfig/cron parser.go, mustParseInt: strconv.Atoi).
            ["1e1 * * * *", bad("minute", "1e1", "0-59")],
            ["0x5 * * * *", bad("minute", "0x5", "0-59")],
            ["* * * * * *", "has 6 field(s)"],
        ]) {
            assert.equal(cronProblem(e), problem, e);
        }
    });
    it("refuses an IPv6 private network under an IPv4 subnet with both problems, as a configuration error", () =>
        // Every node's address lies in the IPv4 subnet, so the reserved-address check runs against an IPv6 network.
        assert.deepEqual(problems({ "honeydue:networkCidr": "fd00::/8" }), [
            "honeydue:networkCidr: fd00::/8 is not a private RFC 1918 range; expected a range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, as Hetzner requires",
            "honeydue:subnetCidr: 10.0.1.0/24 is not inside networkCidr fd00::/8; expected a subnet of it",
        ]));
    it("refuses a private network outside RFC 1918", () => rejects({ "honeydue:networkCidr": "100.64.0.0/16", "honeydue:subnetCidr": "100.64.1.0/24", "honeydue:nodes": book.map((n) => ({ ...n, privateIp: n.privateIp.replace("10.0.", "100.64.") })) }, "honeydue:networkCidr", /not a private RFC 1918 range/));
    it("refuses a digest that is not 64 hex digits", () => rejects({ "honeydue:redis": { image: "docker.io/library/redis@sha256:abc" } }, "honeydue:redis.image", /expected registry\/name:tag or registry\/name@sha256:<64 hex digits>/));
    it("accepts an image by digest, and by tag and digest", () => {
        const digest = `sha256:${"a".repeat(64)}`;
        assert.equal(load({ "honeydue:redis": { image: `docker.io/library/redis@${digest}` } }).redis.image, `docker.io/library/redis@${digest}`);
        assert.deepEqual(parseImage(`localhost:5000/x/y:1.2@${digest}`), { domain: "localhost:5000", path: "x/y", tag: "1.2", digest });
        assert.equal(parseImage("Gitea.treytartt.com/treytartt/API:1"), undefined, "upper-case repository");
    });
    it("compares hostnames in lower case, so two routes cannot collide", () =>
        rejects({ "honeydue:routes": { "api.myhoneydue.com": "api", "API.myhoneydue.com": "admin" } }, "honeydue:routes", /api\.myhoneydue\.com and API\.myhoneydue\.com are the same hostname/));
    it("refuses an app that serves HTTP without a route, unless said on purpose", () => {
        rejects({ "honeydue:routes": { "api.myhoneydue.com": "api" } }, "honeydue:routes", /no hostname routes to admin/);
        assert.deepEqual(load({ "honeydue:routes": { "api.myhoneydue.com": "api" }, "honeydue:unroutedApps": ["admin"] }).unroutedApps, ["admin"]);
    });
});

describe("quantities, numbers, JSON, provider keys", () => {
    it("accepts decimal quantities (512M, 1G) and compares them with binary ones", () => {
        const c = load({ "honeydue:api": { memory: "256M", memoryLimit: "1G" } });
        assert.equal(c.api.memoryLimit, "1G");
        assert.equal(quantityValue("1G"), 1e9);
        assert.equal(quantityValue("1.5Gi"), 1.5 * 2 ** 30);
        rejects({ "honeydue:api": { memory: "1G", memoryLimit: "512Mi" } }, "honeydue:api", /memory 1G is above memoryLimit 512Mi/);
    });
    // k8s.io/apimachinery pkg/api/resource/quantity.go parseQuantityString reads an exponent's digits
    // in a loop, as many as there are.
    it("compares a quantity written with an exponent, of one digit or more, by its value (1e9 and 1e10 bytes are above 512Mi)", () => {
        rejects({ "honeydue:api": { memory: "1e9" } }, "honeydue:api", /: memory 1e9 is above memoryLimit 512Mi/);
        rejects({ "honeydue:api": { memory: "1e10" } }, "honeydue:api", /: memory 1e10 is above memoryLimit 512Mi/);
        assert.equal(load({ "honeydue:api": { memory: "5e8" } }).api.memory, "5e8");
    });
    it("refuses a memory size in thousandths of a byte, suggesting the Mi the operator meant", () =>
        rejects({ "honeydue:api": { memory: "100m" } }, "honeydue:api.memory (got 100m)", /: is a fraction of a byte \(m, u and n are thousandths, millionths, billionths\); did you mean 100Mi\?$/));
    it("refuses a size that is no quantity at all with that one problem, not also as a fraction of a byte", () => {
        for (const size of ["512mb", "-100m", "x100m"]) rejects({ "honeydue:api": { memory: size } }, `honeydue:api.memory (got ${size})`, /: expected a Kubernetes quantity such as 256Mi \(or 512M, 1G, 1\.5Gi\)$/);
    });
    it("takes an app image without a registry as Docker Hub's, and names it when refusing it", () => {
        rejects({ "honeydue:api": { image: "honeydue-api:1.0" } }, "honeydue:api", /: image honeydue-api:1\.0 comes from docker\.io; expected an image from the registry gitea\.treytartt\.com$/);
        for (const [image, from] of [["localhost/x:1", "localhost"], ["localhost:5000/x:1", "localhost:5000"], ["localhostx/y:1", "docker.io"], ["xlocalhost/y:1", "docker.io"]]) {
            rejects({ "honeydue:api": { image } }, "honeydue:api", new RegExp(`: image ${image.replace(/[.]/g, "\\.")} comes from ${from.replace(/[.]/g, "\\.")}; expected`));
        }
    });
    it("tells ranges of two families apart: an IPv4 and an IPv6 range never overlap", () => {
        assert.equal(overlaps("10.0.0.0/8", "fd00::/8"), false);
        assert.equal(overlaps("fd00::/8", "10.0.0.0/8"), false);
        assert.equal(overlaps("10.0.0.0/8", "10.42.0.0/16"), true);
    });
    it("accepts a number given as a string where a number is wanted (the prices hint stores one)", () => {
        const c = load({ "honeydue:prices": { servers: { cx33: "7.49" } } });
        assert.equal(c.prices.servers.cx33, 7.49);
        assert.equal(load({ "honeydue:api": { replicas: "3" } }).api.replicas, 3);
    });
    it("shows the parser's position for a JSON syntax error", () =>
        rejects({ "honeydue:nodes": '[{"name": "ubuntu-8gb-nbg1-1",}]' }, "honeydue:nodes", /got invalid JSON: .* at position \d+ \(line 1, column \d+\)/));
    it("refuses an empty provider token, and a key the provider does not read", () => {
        assert.deepEqual(problems({ "hcloud:token": "" }, ["hcloud:token"]).map((p) => p.split(" ")[0]), ["hcloud:token"]);
        assert.match(problems({ "hcloud:token": " " }, ["hcloud:token"])[0], /hcloud:token is empty/);
        rejects({ "hcloud:tokn": "x" }, "hcloud:tokn is not a key the hcloud provider reads (did you mean hcloud:token?)", /expected one of: endpoint/);
    });
});

describe("what each setting says when it is not of its form", () => {
    it("every settings object, given something else, names the object it expected", () => {
        for (const [key, expected] of [
            ["api", "expected a JSON object of app settings"],
            ["admin", "expected a JSON object of app settings"],
            ["worker", "expected a JSON object of app settings"],
            ["migrations", "expected a JSON object of app settings"],
            ["redis", "expected a JSON object of Redis settings"],
            ["traefik", "expected a JSON object of Traefik settings"],
            ["prices", "expected a JSON object of unit prices { currency, servers, primaryIpv4, fixed }"],
        ]) {
            assert.deepEqual(problems({ [`honeydue:${key}`]: "[1]" }), [`honeydue:${key} (got [1]): ${expected}`]);
        }
        assert.deepEqual(problems({ "honeydue:nodes": ["ubuntu-8gb-nbg1-1", book[1], book[2]] }), ["honeydue:nodes.0 (got ubuntu-8gb-nbg1-1): expected an object { name, privateIp, sshAlias? }"]);
    });
    it("reads true and false given as text, and refuses anything else", () => {
        const c = load({ "honeydue:protect": "false", "honeydue:allowBroadAdminCidrs": "true" });
        assert.deepEqual([c.protect, c.allowBroadAdminCidrs], [false, true]);
        rejects({ "honeydue:protect": "yes" }, "honeydue:protect (got yes)", /: expected true or false$/);
    });
    it("refuses an IPv6 CIDR with host bits set, naming its network and its one address", () =>
        rejects({ "honeydue:adminCidrs": ["2001:db8::1/48"] }, "honeydue:adminCidrs.0 (got 2001:db8::1/48)", /: has host bits set; expected the network address 2001:db8::\/48 \(the whole range\) or 2001:db8::1\/128 \(that one address\)$/));
    it("takes a private network in each RFC 1918 range, and refuses one broader than its range", () => {
        for (const [net, subnet, prefix] of [["172.16.0.0/16", "172.16.1.0/24", "172.16.1."], ["192.168.0.0/16", "192.168.1.0/24", "192.168.1."]]) {
            const nodes = book.map((n, i) => ({ ...n, privateIp: `${prefix}${11 + i}` }));
            assert.equal(load({ "honeydue:networkCidr": net, "honeydue:subnetCidr": subnet, "honeydue:nodes": nodes }).networkCidr, net);
        }
        assert.match(problems({ "honeydue:networkCidr": "10.0.0.0/7" })[0], /^honeydue:networkCidr: 10\.0\.0\.0\/7 is not a private RFC 1918 range; expected a range inside 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, as Hetzner requires$/);
    });
    it("places a JSON syntax error by line and column, after leading blanks too", () => {
        rejects({ "honeydue:nodes": '[\n  {"name": "ubuntu-8gb-nbg1-1",}\n]' }, "honeydue:nodes", /^honeydue:nodes: got invalid JSON: PropertyNameExpected at position 33 \(line 2, column 32\); expected valid JSON \(keys and strings in double quotes, no trailing comma\)$/);
        rejects({ "honeydue:nodes": '  [{"name": "ubuntu-8gb-nbg1-1",}]' }, "honeydue:nodes", /: got invalid JSON: PropertyNameExpected at position 32 \(line 1, column 33\)/);
        rejects({ "honeydue:outOfRotation": "ubuntu-8gb-nbg1-3 [x]" }, "honeydue:outOfRotation (got ubuntu-8gb-nbg1-3 [x])", /: expected a JSON list of node names/);
    });
    it("refuses a comment in JSON and places it (the value is read with JSON.parse, which has no comments)", () =>
        rejects({ "honeydue:adminCidrs": '["198.51.100.7/32" /* home */]' }, "honeydue:adminCidrs", /^honeydue:adminCidrs: got invalid JSON: InvalidCommentToken at position 19 \(line 1, column 20\); expected valid JSON/));
    // JSON's true and null are no numbers, though Number() would read them as 1 and 0.
    it("refuses true or null where a count or a price is wanted", () => {
        for (const v of [true, null]) {
            assert.deepEqual(problems({ "honeydue:worker": { replicas: v } }), [`honeydue:worker.replicas (got ${v}): expected a whole number from 1 to 20`]);
            assert.deepEqual(problems({ "honeydue:prices": { primaryIpv4: v } }), [`honeydue:prices.primaryIpv4 (got ${v}): expected a price, a number ≥ 0`]);
        }
    });
    it("refuses a count with a fraction, as a number or as text, saying a whole number is expected", () => {
        for (const v of [1.5, "1.5"]) {
            assert.deepEqual(problems({ "honeydue:worker": { replicas: v } }), [`honeydue:worker.replicas (got ${v}): expected a whole number from 1 to 20`]);
        }
    });
    // As for prices: Number() would read "0x10" as 16, "1e1" as 10 and [3] as 3.
    it("refuses a count in hex, with an exponent or as a list of one number, rather than reading it as a number", () => {
        for (const v of ["0x10", "1e1", [3]]) {
            assert.deepEqual(problems({ "honeydue:worker": { replicas: v } }), [`honeydue:worker.replicas (got ${typeof v === "string" ? v : JSON.stringify(v)}): expected a whole number from 1 to 20`]);
        }
    });
    it("refuses a CIDR that is not text, or not one, saying the form", () => {
        assert.deepEqual(problems({ "honeydue:adminCidrs": [5] }), ["honeydue:adminCidrs.0 (got 5): expected a CIDR such as 10.0.0.0/16"]);
        assert.deepEqual(problems({ "honeydue:adminCidrs": ["10.0.0.0/33"] }), ["honeydue:adminCidrs.0 (got 10.0.0.0/33): expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32"]);
    });
    it("takes a price written as text as a whole number or with several digits before the point", () =>
        assert.deepEqual(load({ "honeydue:prices": { servers: { cx33: "12", cx43: "12.49" } } }).prices.servers, { cx33: 12, cx43: 12.49 }));
    // Number() reads "0x10" as 16, "1e3" as 1000 and [0.5] as 0.5: a price is taken from text only
    // when the text is a plain decimal, so a mistyped one is refused rather than read as another number.
    it("refuses a price in hex, with an exponent or as a list of one number, rather than reading it as a number", () => {
        for (const v of ["0x10", "1e3", [0.5]]) {
            assert.deepEqual(problems({ "honeydue:prices": { primaryIpv4: v } }), [`honeydue:prices.primaryIpv4 (got ${typeof v === "string" ? v : JSON.stringify(v)}): expected a price, a number ≥ 0`]);
        }
    });
    it("takes a price written with blanks around it", () => assert.equal(load({ "honeydue:prices": { servers: { cx33: " 7.49 " } } }).prices.servers.cx33, 7.49));
    it("suggests the key a name written in capitals means (names are compared case-insensitively)", () =>
        rejects({ "honeydue:SERVERTYPE": "cx33" }, "honeydue:SERVERTYPE is not a key this program reads (did you mean honeydue:serverType?)", /./));
    // offline/policyConfig.ts asks for the setting nearest a misspelt one of a policy that has
    // none: the answer is no suggestion, not a crash (fastest-levenshtein 1.0.16 mod.js `closest`
    // returns arr[0], undefined for an empty list, and `distance` reads its length).
    it("suggests nothing, and does not fail, when there is no name to suggest", () => assert.equal(nearest("spread", []), undefined));
    it("suggests the nearest key for a long name up to a third of its letters away", () =>
        rejects({ "honeydue:serverTypeXYZ": "cx33" }, "honeydue:serverTypeXYZ is not a key this program reads (did you mean honeydue:serverType?)", /./));
    it("refuses nodes outside an IPv6 subnet (an IPv4 address is in no IPv6 range)", () =>
        assert.match(problems({ "honeydue:subnetCidr": "fd00::/64" })[0], /^honeydue:nodes: ubuntu-8gb-nbg1-1 has privateIp 10\.0\.1\.11, outside subnetCidr fd00::\/64; expected an address inside it$/));
    it("takes a host name of 253 characters, DNS's longest, and refuses 254 or a single label", () => {
        const name = (n: number) => `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(n)}.myhoneydue.com`;
        assert.equal(name(46).length, 253);
        assert.equal(load({ "honeydue:apiHostname": name(46) }).apiHostname, name(46));
        rejects({ "honeydue:apiHostname": name(47) }, "honeydue:apiHostname", /: expected a fully qualified host name such as api\.example\.com$/);
        rejects({ "honeydue:apiHostname": "localhost" }, "honeydue:apiHostname (got localhost)", /: expected a fully qualified host name such as api\.example\.com$/);
        rejects({ "honeydue:apiHostname": "k8s..myhoneydue.com" }, "honeydue:apiHostname (got k8s..myhoneydue.com)", /: expected a fully qualified host name such as api\.example\.com$/);
    });
});

describe("image references, quantities and host name labels, as their own grammars read them", () => {
    // distribution/reference regexp.go: [domain/]path[:tag][@digest]; the first part is a registry
    // only when it looks like a host (a dot, a port, localhost) or is not lower-case.
    it("splits an image reference into registry, path, tag and digest as the distribution grammar does", () => {
        const sha256 = `sha256:${"f".repeat(64)}`;
        const sha512 = `sha512:${"f".repeat(128)}`;
        for (const [ref, parsed] of [
            ["gitea.treytartt.com/treytartt/honeydue-api:8d9ca2e6ed", { domain: "gitea.treytartt.com", path: "treytartt/honeydue-api", tag: "8d9ca2e6ed" }],
            ["redis:7.4.7-alpine", { path: "redis", tag: "7.4.7-alpine" }],
            ["library/redis:7", { path: "library/redis", tag: "7" }],
            ["localhost/x:1", { domain: "localhost", path: "x", tag: "1" }],
            ["localhostx/y:1", { path: "localhostx/y", tag: "1" }],
            ["xlocalhost/y:1", { path: "xlocalhost/y", tag: "1" }],
            ["Registry.Example.COM:5000/a/b:1", { domain: "Registry.Example.COM:5000", path: "a/b", tag: "1" }],
            ["host-1.example:80/x:1", { domain: "host-1.example:80", path: "x", tag: "1" }],
            ["MyHub/x:1", { domain: "MyHub", path: "x", tag: "1" }],
            ["a/b/c/d:1", { path: "a/b/c/d", tag: "1" }],
            ["a__b.c_d-e---f:1", { path: "a__b.c_d-e---f", tag: "1" }],
            [`a:${"t".repeat(128)}`, { path: "a", tag: "t".repeat(128) }],
            ["a:_t", { path: "a", tag: "_t" }],
            [`a@${sha512}`, { path: "a", digest: sha512 }],
            [`a:1@${sha256}`, { path: "a", tag: "1", digest: sha256 }],
        ] as const) {
            const got = parseImage(ref);
            assert.deepEqual(got && Object.fromEntries(Object.entries(got).filter(([, v]) => v !== undefined)), parsed, ref);
        }
        for (const ref of ["a___b:1", "-a:1", "a-:1", "a..b:1", `a:${"t".repeat(129)}`, "a:.t", "a:1:2", "-host.example/x:1", "host-.example/x:1", "a.example./x:1", "x/:1", "/x:1", "a/B:1", `a@sha256:${"f".repeat(63)}`, `a@sha256:${"F".repeat(64)}`]) {
            assert.equal(parseImage(ref), undefined, ref);
        }
        assert.equal(imageTag(`a:1@${sha256}`), sha256, "a digest pins the image even beside a tag");
        assert.equal(imageTag("a:1"), "1");
        assert.equal(imageTag("a"), undefined);
    });
    it("refuses an image that is not a reference, or a quantity not text, saying the form; takes :latest pinned by a digest", () => {
        rejects({ "honeydue:api": { image: 5 } }, "honeydue:api.image (got 5)", /: expected an image reference such as registry\/name:1\.2\.3$/);
        rejects({ "honeydue:api": { cpu: 5 } }, "honeydue:api.cpu (got 5)", /: expected a Kubernetes quantity such as 100m$/);
        const pinned = `gitea.treytartt.com/treytartt/honeydue-api:latest@sha256:${"a".repeat(64)}`;
        assert.equal(load({ "honeydue:api": { image: pinned } }).api.image, pinned, "latest pinned by its digest is pinned");
        rejects({ "honeydue:api": { image: "gitea.treytartt.com/treytartt/API:1" } }, "honeydue:api.image", /: is not an image reference; expected registry\/name:tag or registry\/name@sha256:<64 hex digits> \(lower-case name\)$/);
    });
    // k8s.io/apimachinery pkg/api/resource/quantity.go, ParseQuantity: binary (Ki…Ei) and decimal
    // (n u m k M G T P E) suffixes, or an exponent.
    it("reads a quantity's value with each suffix Kubernetes knows", () => {
        for (const [q, v] of [
            ["1", 1], [".5", 0.5], [".25", 0.25], ["1.", 1], ["1n", 1e-9], ["1u", 1e-6], ["100m", 0.1], ["1k", 1e3], ["512M", 512e6], ["1G", 1e9], ["1T", 1e12], ["1P", 1e15],
            ["1Ki", 1024], ["1Mi", 2 ** 20], ["1.5Gi", 1.5 * 2 ** 30], ["2Ti", 2 * 2 ** 40], ["1Pi", 2 ** 50], ["1e3", 1e3], ["1E+3", 1e3], ["1e-3", 1e-3],
            // The exa suffixes begin like an exponent but are units (quantity.go: "E" alone is exa).
            ["1E", 1e18], ["1Ei", 2 ** 60], ["2E3", 2e3],
        ] as const) {
            assert.equal(quantityValue(q), v, q);
        }
        for (const q of ["1K", "1Ki2", "-1", "1.5.5", "Mi", ""]) assert.ok(Number.isNaN(quantityValue(q)), q);
    });
    it("compares a memory request in exabytes with its limit, and refuses it", () =>
        rejects({ "honeydue:api": { memory: "1E" } }, "honeydue:api", /: memory 1E is above memoryLimit 512Mi; expected a request at or below the limit$/));
    it("refuses a memory limit in fractions of a byte, whatever the digits", () =>
        rejects({ "honeydue:redis": { memoryLimit: "1.5m" } }, "honeydue:redis.memoryLimit (got 1.5m)", /did you mean 1\.5Mi\?$/));
    it("takes a host name label of 63 characters, DNS's longest, and no label that starts or ends with '-'", () => {
        assert.equal(load({ "honeydue:sshUser": "a".repeat(63) }).sshUser, "a".repeat(63));
        assert.equal(load({ "honeydue:sshUser": "a" }).sshUser, "a");
        for (const u of ["a".repeat(64), "-root", "root-", "Root"]) rejects({ "honeydue:sshUser": u }, "honeydue:sshUser (got ", /: expected a lower-case host name of letters, digits and '-' \(at most 63 characters\)$/);
        rejects({ "honeydue:nodes": [{ ...book[0], name: 5 }, book[1], book[2]] }, "honeydue:nodes.0.name (got 5)", /: expected a lower-case host name$/);
    });
    it("takes a node's private IP only as four decimal parts", () => {
        assert.deepEqual(problems({ "honeydue:nodes": [{ ...book[0], privateIp: 5 }, { ...book[1], privateIp: "10.0.1.012" }, book[2]] }), [
            "honeydue:nodes.0.privateIp (got 5): expected an IPv4 address",
            "honeydue:nodes.1.privateIp (got 10.0.1.012): expected an IPv4 address such as 10.0.1.11",
        ]);
    });
    it("knows when ranges cover a whole family, whatever their order and overlaps", () => {
        assert.ok(coversEverything(["0.0.0.0/1", "0.0.0.0/2", "128.0.0.0/1"], "ipv4"), "a range inside an earlier one");
        assert.ok(coversEverything(["128.0.0.0/1", "0.0.0.0/1"], "ipv4"), "given out of order");
        assert.ok(coversEverything(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"], "ipv4"));
        assert.ok(!coversEverything(["::/1"], "ipv6"), "half of IPv6");
        assert.ok(!coversEverything(["0.0.0.0/1", "::/1", "8000::/1"], "ipv4"), "IPv6 ranges cover no IPv4 address");
    });
});
