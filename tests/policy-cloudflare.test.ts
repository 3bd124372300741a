// Cloudflare policies, each over a compliant hand-made record or zone setting and a broken copy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UNKNOWN } from "../offline/capture";
import * as c from "../policy/cloudflare";
import { messages, record, reg, server, verdictOf, zoneSetting } from "./policy-fixtures";

const node = server();

describe("cloudflare-record-proxied", () => {
    it("passes a proxied A record and ignores TXT records", async () => {
        assert.equal((await verdictOf(c.recordProxied, [record("api.myhoneydue.com", node)])).status, "passed");
        const txt = record("myhoneydue.com", node);
        Object.assign(txt.inputs, { type: "TXT", content: "v=spf1 -all", proxied: false });
        assert.equal((await verdictOf(c.recordProxied, [txt])).violations.length, 0);
    });

    it("refuses an app record that is DNS-only, unless it is named as DNS-only on purpose", async () => {
        const bad = record("api.myhoneydue.com", node);
        bad.inputs.proxied = false;
        assert.deepEqual(messages(await verdictOf(c.recordProxied, [bad])), [
            "A record api.myhoneydue.com is not proxied; set proxied: true (and ttl: 1), or list api.myhoneydue.com in dnsOnlyNames if it is DNS-only on purpose",
        ]);
        assert.equal((await verdictOf(c.recordProxied, [bad], { "cloudflare-record-proxied": { dnsOnlyNames: ["api.myhoneydue.com"] } })).status, "passed");
    });

    // An AAAA record gives away the node's IPv6 address as an A record its IPv4 one; a CNAME the name behind it.
    it("refuses a DNS-only AAAA or CNAME app record as it does an A record", async () => {
        for (const [type, content] of [["AAAA", "2001:db8::11"], ["CNAME", "origin.myhoneydue.com"]]) {
            const bad = record("api.myhoneydue.com", node);
            Object.assign(bad.inputs, { type, content, proxied: false });
            assert.deepEqual(messages(await verdictOf(c.recordProxied, [bad])), [
                `${type} record api.myhoneydue.com is not proxied; set proxied: true (and ttl: 1), or list api.myhoneydue.com in dnsOnlyNames if it is DNS-only on purpose`,
            ]);
        }
    });
});

describe("cloudflare-ssl-not-off", () => {
    it("passes flexible and refuses off", async () => {
        assert.equal((await verdictOf(c.sslNotOff, [zoneSetting("ssl", "flexible")])).status, "passed");
        assert.deepEqual(messages(await verdictOf(c.sslNotOff, [zoneSetting("ssl", "off")])), [
            "the zone's SSL mode is off; set the ssl ZoneSetting to one of flexible, full, strict (honeydue:sslMode)",
        ]);
    });

    it("leaves other settings alone", async () => {
        assert.equal((await verdictOf(c.sslNotOff, [zoneSetting("always_use_https", "off")])).violations.length, 0);
    });

    // ZoneSetting's value is any JSON (@pulumi/cloudflare 6.22.1 zoneSetting.d.ts: string, number, list or
    // object by setting); the message shows what was set, not a string it happens to print as.
    it("refuses an SSL mode that is no mode name, showing the value as written", async () => {
        assert.deepEqual(messages(await verdictOf(c.sslNotOff, [zoneSetting("ssl", ["strict"])])), [
            'the zone\'s SSL mode is ["strict"]; set the ssl ZoneSetting to one of flexible, full, strict (honeydue:sslMode)',
        ]);
    });
});

describe("cloudflare-min-tls-version", () => {
    it("passes 1.2 and refuses 1.0", async () => {
        assert.equal((await verdictOf(c.minTls, [zoneSetting("min_tls_version", "1.2")])).status, "passed");
        assert.match(messages(await verdictOf(c.minTls, [zoneSetting("min_tls_version", "1.0")]))[0], /^the zone's minimum TLS version is 1\.0; set the min_tls_version ZoneSetting to one of 1\.2, 1\.3/);
    });
});

describe("cloudflare-dns-record-resource", () => {
    it("is not applicable to DnsRecord and refuses the deprecated Record", async () => {
        assert.equal((await verdictOf(c.noLegacyRecord, [record("api.myhoneydue.com", node)])).status, "not applicable");
        const legacy = reg("cloudflare:index/record:Record", "api", { zoneId: "z", name: "api.myhoneydue.com", type: "A", content: "203.0.113.11" });
        assert.deepEqual(messages(await verdictOf(c.noLegacyRecord, [legacy])), ["record api.myhoneydue.com uses the deprecated cloudflare.Record; declare it as cloudflare.DnsRecord"]);
    });
});

describe("cloudflare-flexible-always-https", () => {
    const zone = (ssl: string, https?: string) => [zoneSetting("ssl", ssl), ...(https === undefined ? [] : [zoneSetting("always_use_https", https)])];

    it("passes Flexible with always_use_https on, and is not applicable without Flexible", async () => {
        assert.equal((await verdictOf(c.flexibleNeedsHttps, zone("flexible", "on"))).status, "passed");
        const strict = await verdictOf(c.flexibleNeedsHttps, zone("strict"));
        assert.equal(strict.status, "not applicable");
        assert.deepEqual(strict.reasons, ["no zone is on SSL Flexible"]);
    });

    it("refuses Flexible with always_use_https off or unset", async () => {
        assert.deepEqual(messages(await verdictOf(c.flexibleNeedsHttps, zone("flexible", "off"))), [
            'zone 0123456789abcdef0123456789abcdef is on SSL Flexible with always_use_https "off"; add the always_use_https ZoneSetting with value "on" (or move the zone to SSL full/strict)',
        ]);
        assert.match(messages(await verdictOf(c.flexibleNeedsHttps, zone("flexible")))[0], /with always_use_https unset/);
    });

    // A preview that creates the zone: its id is unknown, so the settings cannot say which zone they are for.
    it("names a zone it cannot know yet (the preview that creates it) as ?", async () => {
        const [ssl] = zone("flexible");
        (ssl.inputs as { zoneId: string }).zoneId = UNKNOWN;
        assert.deepEqual(messages(await verdictOf(c.flexibleNeedsHttps, [ssl])), [
            'zone ? is on SSL Flexible with always_use_https unset; add the always_use_https ZoneSetting with value "on" (or move the zone to SSL full/strict)',
        ]);
    });

    it("does not take another zone's setting for this one's", async () => {
        const [ssl, https] = zone("flexible", "on");
        (https.inputs as { zoneId: string }).zoneId = "another-zone";
        assert.equal((await verdictOf(c.flexibleNeedsHttps, [ssl, https])).status, "violated");
    });
});

describe("cloudflare-origin-strict (advisory)", () => {
    it("warns about Flexible and Full in prod, and passes strict", async () => {
        const flexible = await verdictOf(c.originEncrypted, [zoneSetting("ssl", "flexible")]);
        assert.equal(flexible.status, "advisory");
        // The engine shows each violation as the policy's description, then its message (@pulumi/policy
        // server.js makeReportViolationFun: `description\n${message}`): what prod must be comes first.
        assert.match(flexible.description, /^In a protected stack \(prod\) the zone's SSL mode is strict: the origin leg is encrypted and Cloudflare verifies the origin's certificate\. Advisory while/);
        assert.deepEqual(messages(flexible), [
            "the prod zone is on SSL flexible: Cloudflare sends logins, JWTs and cookies to the nodes as plain HTTP over the internet, and Authenticated Origin Pulls cannot work; move to strict (honeydue:sslMode strict, README \"The origin\")",
        ]);
        assert.match(messages(await verdictOf(c.originEncrypted, [zoneSetting("ssl", "full")]))[0], /^the prod zone is on SSL full: .*accepts any certificate/);
        assert.equal((await verdictOf(c.originEncrypted, [zoneSetting("ssl", "strict")])).status, "passed");
    });

    it("leaves a stack that is not protected, and other settings, alone", async () => {
        const rehearsal = zoneSetting("ssl", "flexible");
        rehearsal.urn = rehearsal.urn.replace("urn:pulumi:prod::", "urn:pulumi:rehearsal::");
        assert.equal((await verdictOf(c.originEncrypted, [rehearsal])).violations.length, 0);
        assert.equal((await verdictOf(c.originEncrypted, [zoneSetting("always_use_https", "flexible")])).violations.length, 0);
    });

    it("warns about any mode the configuration adds, in general words where it knows no specific weakness", async () => {
        const wider = { "cloudflare-origin-strict": { warnSslModes: ["flexible", "full", "off"] } };
        assert.deepEqual(messages(await verdictOf(c.originEncrypted, [zoneSetting("ssl", "off")], wider)), [
            'the prod zone is on SSL off: the origin leg is not verified; move to strict (honeydue:sslMode strict, README "The origin")',
        ]);
    });

    it("can be made mandatory, and its modes narrowed, by the pack's configuration", async () => {
        const mandatory = await verdictOf(c.originEncrypted, [zoneSetting("ssl", "flexible")], { "cloudflare-origin-strict": "mandatory" });
        assert.equal(mandatory.status, "violated");
        assert.equal((await verdictOf(c.originEncrypted, [zoneSetting("ssl", "full")], { "cloudflare-origin-strict": { warnSslModes: ["flexible"] } })).violations.length, 0);
    });
});
