// The edge's configuration errors: one message per bad value, naming the key, what was wrong and
// what is expected. loadConfig reads only configuration, so many cases share this process.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { originTls } from "../config/edge";
import { load, problems, rejects } from "./support/config";

describe("edge configuration", () => {
    it("defaults to flexible, TLS 1.2, the book's three hostnames and every node in rotation", () => {
        const c = load({ "honeydue:sslMode": undefined, "honeydue:routes": undefined, "honeydue:zone": undefined });
        assert.equal(c.zone, "myhoneydue.com");
        assert.equal(c.sslMode, "flexible");
        assert.equal(c.minTlsVersion, "1.2");
        assert.deepEqual(Object.keys(c.routes), ["api.myhoneydue.com", "admin.myhoneydue.com", "myhoneydue.com"]);
        assert.deepEqual(c.outOfRotation, []);
        assert.deepEqual(c.unroutedApps, [], "every app serves a hostname unless listed");
        assert.equal(c.zoneId, undefined);
        assert.equal(c.smokeThroughEdge, true, "the hostnames are smoke-checked through Cloudflare unless said otherwise");
        assert.equal(originTls(c), false, "Flexible: the origin serves plain HTTP");
    });
    it("serves the origin over TLS itself on full and strict", () => {
        for (const sslMode of ["full", "strict"]) assert.equal(originTls(load({ "honeydue:sslMode": sslMode })), true, sslMode);
    });

    it("accepts a node out of rotation and a DNS-only API hostname in the zone", () => {
        const c = load({ "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-3"], "honeydue:apiHostname": "K8s.MyHoneyDue.com." });
        assert.deepEqual(c.outOfRotation, ["ubuntu-8gb-nbg1-3"]);
        assert.equal(c.apiHostname, "k8s.myhoneydue.com");
    });

    it("rejects an app hostname outside the zone", () =>
        rejects({ "honeydue:routes": { "api.myhoneydue.com": "api", "www.example.org": "admin" } }, "honeydue:routes", /www\.example\.org is outside the zone myhoneydue\.com; expected myhoneydue\.com or a name under it/));
    it("rejects a hostname that only ends like the zone", () =>
        rejects({ "honeydue:routes": { "notmyhoneydue.com": "api", "admin.myhoneydue.com": "admin" } }, "honeydue:routes", /notmyhoneydue\.com is outside the zone myhoneydue\.com/));
    it("rejects an API hostname outside the zone", () =>
        rejects({ "honeydue:apiHostname": "k8s.example.org" }, "honeydue:apiHostname", /k8s\.example\.org is outside the zone myhoneydue\.com; expected a name under it/));
    it("rejects an API hostname that is also an app route", () =>
        rejects({ "honeydue:apiHostname": "api.myhoneydue.com" }, "honeydue:apiHostname", /is also an app route; expected a DNS-only name of its own/));
    it("rejects an unknown SSL mode, naming Cloudflare's ids", () => rejects({ "honeydue:sslMode": "full (strict)" }, "honeydue:sslMode (got full (strict))", /expected flexible, full or strict/));
    it("rejects an app listed as unrouted that a hostname routes to", () =>
        rejects({ "honeydue:unroutedApps": ["admin"] }, "honeydue:unroutedApps", /^honeydue:unroutedApps: lists admin, yet honeydue:routes routes a hostname to it; expected only apps without a route$/));
    it("rejects SSL off", () => rejects({ "honeydue:sslMode": "off" }, "honeydue:sslMode (got off)", /expected flexible, full or strict/));
    // Set explicitly, not defaulted: zod hands back a default without checking it.
    it("takes each SSL mode, minimum TLS version and port 80 setting set explicitly", () => {
        for (const sslMode of ["flexible", "full", "strict"]) assert.equal(load({ "honeydue:sslMode": sslMode }).sslMode, sslMode);
        for (const v of ["1.2", "1.3"]) assert.equal(load({ "honeydue:minTlsVersion": v }).minTlsVersion, v);
        for (const p of ["auto", "open"]) assert.equal(load({ "honeydue:originPort80": p }).originPort80, p);
    });
    it("rejects a minimum TLS version below 1.2", () => rejects({ "honeydue:minTlsVersion": "1.1" }, "honeydue:minTlsVersion (got 1.1)", /expected 1\.2 or 1\.3/));
    it("defaults port 80 to auto, and accepts it closed or open under strict", () => {
        assert.equal(load({}).originPort80, "auto");
        assert.equal(load({ "honeydue:sslMode": "strict", "honeydue:originPort80": "closed" }).originPort80, "closed");
        assert.equal(load({ "honeydue:sslMode": "strict", "honeydue:originPort80": "open" }).originPort80, "open");
    });
    it("rejects port 80 closed on Flexible, which reaches the nodes on 80 only", () =>
        rejects({ "honeydue:sslMode": "flexible", "honeydue:originPort80": "closed" }, "honeydue:originPort80", /is closed while honeydue:sslMode is flexible.*expected auto or open, or set honeydue:sslMode strict first/));
    it("rejects an unknown port 80 setting", () => rejects({ "honeydue:originPort80": "shut" }, "honeydue:originPort80 (got shut)", /expected auto, open or closed/));
    it("rejects a zone id with anything before or after its 32 hex characters", () => {
        for (const id of [`z${"0".repeat(32)}`, `${"0".repeat(32)}0`]) rejects({ "honeydue:zoneId": id }, `honeydue:zoneId (got ${id})`, /: expected a Cloudflare zone id \(32 hex characters\)$/);
    });
    it("rejects two routes that differ only by a trailing dot (one name in DNS)", () =>
        rejects({ "honeydue:routes": { "api.myhoneydue.com": "api", "api.myhoneydue.com.": "admin" } }, "honeydue:routes", /: api\.myhoneydue\.com and api\.myhoneydue\.com\. are the same hostname \(names are compared in lower case\); expected each hostname once$/));
    // Compared as DNS compares names, in lower case: ß and ss are two names (and ß is no host name).
    it("does not take two names that only upper-casing would make one for the same hostname", () =>
        assert.deepEqual(problems({ "honeydue:routes": { "ß.myhoneydue.com": "api", "ss.myhoneydue.com": "admin" } }), [
            'honeydue:routes.ß.myhoneydue.com (got api): expected a JSON object of hostname → app, such as {"api.example.com": "api"}',
        ]));
    it("rejects routes that are empty, null or not an object, saying what is expected", () => {
        rejects({ "honeydue:routes": {} }, "honeydue:routes", /: expected at least one hostname$/);
        for (const routes of ["null", '["api.myhoneydue.com"]']) {
            rejects({ "honeydue:routes": routes }, `honeydue:routes (got ${routes})`, /: expected a JSON object of hostname → app, such as \{"api\.example\.com": "api"\}$/);
        }
    });
    it("rejects unroutedApps that is not a list of apps", () => {
        rejects({ "honeydue:unroutedApps": "admin" }, "honeydue:unroutedApps (got admin)", /: expected a JSON list of app names such as \["admin"\]$/);
        rejects({ "honeydue:unroutedApps": ["worker"] }, "honeydue:unroutedApps.0 (got worker)", /: expected an app name: api or admin$/);
    });
    it("names a node that is not one, and only that, when the list also holds every node", () =>
        assert.deepEqual(problems({ "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3", "ubuntu-8gb-nbg1-9"] }), [
            "honeydue:outOfRotation: ubuntu-8gb-nbg1-9 is not one of the nodes (ubuntu-8gb-nbg1-1, ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3); expected node names from honeydue:nodes",
        ]));
    it("rejects a zone id that is not one", () => rejects({ "honeydue:zoneId": "myhoneydue.com" }, "honeydue:zoneId (got myhoneydue.com)", /expected a Cloudflare zone id \(32 hex characters\)/));
    it("rejects a node out of rotation that is not a node", () =>
        rejects({ "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-9"] }, "honeydue:outOfRotation", /ubuntu-8gb-nbg1-9 is not one of the nodes \(ubuntu-8gb-nbg1-1, ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3\); expected node names from honeydue:nodes/));
    it("rejects a node out of rotation twice", () =>
        rejects({ "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-2"] }, "honeydue:outOfRotation", /ubuntu-8gb-nbg1-2 appears twice; expected each node at most once/));
    it("rejects taking every node out of rotation", () =>
        rejects({ "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"] }, "honeydue:outOfRotation", /takes every node out of rotation.*expected at least one node left serving/));
    it("rejects outOfRotation that is not a list", () =>
        rejects({ "honeydue:outOfRotation": "ubuntu-8gb-nbg1-3" }, "honeydue:outOfRotation (got ubuntu-8gb-nbg1-3)", /expected a JSON list of node names/));
});
