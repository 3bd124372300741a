// The zone's own decisions, called directly under mocks of this file (the whole-estate runs in
// edge*.test.ts cannot make Cloudflare answer another zone): the lookup refuses a zone whose name
// is not the one asked for, the ssl gate warns only when it holds the zone back, what the gate
// counts as our origin-pull certificate being deployed, and Cloudflare's edge ranges as the firewall takes them.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { edgeRanges } from "../infra/cloudflare/ipRanges";
import { Origin } from "../infra/cloudflare/origin";
import { sslValue, zoneIdOf } from "../infra/cloudflare/zone";

/** What the mocked Cloudflare answers for getZone: the name it holds for the filter. */
let answeredName = "";
const lookups: unknown[] = [];
/** What it lists as the zone's origin-pull certificates (getAuthenticatedOriginPullsCertificates). */
let pullCertificates: { status: string }[] = [];
/** What it answers for getIpRanges (the real answer's shape: @pulumi/cloudflare getIpRanges.d.ts GetIpRangesResult). */
let ipRanges = { ipv4Cidrs: [] as string[], ipv6Cidrs: [] as string[] };
const listings: unknown[] = [];
const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
    call: (args) => {
        if (args.token === "cloudflare:index/getIpRanges:getIpRanges") return { id: "ip-ranges", ...ipRanges };
        if (args.token === "cloudflare:index/getAuthenticatedOriginPullsCertificates:getAuthenticatedOriginPullsCertificates") {
            listings.push(args.inputs);
            return { zoneId: args.inputs.zoneId, results: pullCertificates.map((c, i) => ({ id: `pull-${i}`, certificateId: `pull-${i}`, ...c })) };
        }
        if (args.token !== "cloudflare:index/getZone:getZone") throw new Error(`unexpected call ${args.token}`);
        lookups.push(args.inputs);
        return { id: "zone-of-another-account", name: answeredName };
    },
};

type Settled<T> = { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<unknown> };
/**
 * An Output's value, or its failure. An apply that throws rejects the value and the promises the
 * Output derives from it (isKnown, isSecret, allResources: @pulumi/pulumi output.ts, OutputImpl's
 * constructor); the engine reports such a rejection as the run's error, here it is awaited.
 */
function settle<T>(o: pulumi.Output<T>): Promise<T> {
    const impl = o as unknown as Settled<T>;
    for (const derived of [impl.isKnown, impl.isSecret, impl.allResources()]) derived.catch(() => undefined);
    return impl.promise();
}

const warnings: string[] = [];
const warn = pulumi.log.warn;
before(async () => {
    await pulumi.runtime.setMocks(mocks, "honeydue", "zone-test", false);
    pulumi.log.warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
});
after(() => {
    pulumi.log.warn = warn;
});
beforeEach(() => {
    warnings.length = 0;
    lookups.length = 0;
    listings.length = 0;
});

describe("the zone lookup", () => {
    it("returns the zone's id when Cloudflare answers the zone asked for", async () => {
        answeredName = "myhoneydue.com";
        assert.equal(await settle(zoneIdOf("myhoneydue.com", undefined, {})), "zone-of-another-account");
        assert.deepEqual(lookups, [{ filter: { name: "myhoneydue.com" } }]);
    });

    it("refuses another zone's answer, naming both and the key that pins the id", async () => {
        answeredName = "myhoneydue.com.evil.example";
        await assert.rejects(settle(zoneIdOf("myhoneydue.com", undefined, {})), (e: Error) => {
            assert.match(e.message, /lookup for myhoneydue\.com returned myhoneydue\.com\.evil\.example/);
            assert.match(e.message, /honeydue:zoneId/);
            return true;
        });
    });

    it("makes no call when the id is configured", async () => {
        answeredName = "anything";
        assert.equal(await settle(zoneIdOf("myhoneydue.com", "pinned-id", {})), "pinned-id");
        assert.deepEqual(lookups, []);
    });
});

describe("the ssl gate", () => {
    const value = (desired: string, current: string, active: boolean) => settle(pulumi.output(sslValue(desired, pulumi.output(current), pulumi.output(active))));

    it("holds the zone on Flexible until the origin-pull certificate is deployed, and says how to finish", async () => {
        assert.equal(await value("strict", "flexible", false), "flexible");
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /ssl stays flexible/);
        assert.match(warnings[0], /npm run up` again .* to switch to strict/);
    });

    it("switches without a word once the certificate is deployed, or when the zone is already off Flexible", async () => {
        assert.equal(await value("strict", "flexible", true), "strict");
        assert.equal(await value("strict", "full", false), "strict");
        assert.equal(await value("full", "strict", false), "full");
        assert.deepEqual(warnings, []);
    });

    it("sets Flexible as configured, with no read of the zone", () => {
        assert.equal(sslValue("flexible", undefined, undefined), "flexible");
    });
});

describe("whether Cloudflare has deployed our origin-pull certificate (what lets the gate leave Flexible)", () => {
    /** Origin.pullsActive when the zone lists these certificates. */
    const deployed = async (listed: { status: string }[], zone = "myhoneydue.com") => {
        pullCertificates = listed;
        const origin = new Origin(`deployed-${listings.length}-${listed.map((c) => c.status).join("-")}`, { zone, zoneId: `${zone}-zone-id`, hostnames: [zone] });
        return settle(origin.pullsActive);
    };

    it("not in the run that uploads it: the zone lists none yet, or ours still pending", async () => {
        assert.equal(await deployed([]), false, "an empty list is no deployment");
        assert.equal(await deployed([{ status: "pending_deployment" }]), false);
    });

    it("yes once one is active, even beside a pending re-upload", async () => {
        assert.equal(await deployed([{ status: "active" }]), true);
        assert.equal(await deployed([{ status: "active" }, { status: "pending_deployment" }]), true);
    });

    it("asks for this zone's list, by the zone's id", async () => {
        await deployed([], "example.org");
        assert.deepEqual(listings, [{ zoneId: "example.org-zone-id" }]);
    });
});

describe("Cloudflare's edge ranges (the firewall's web sources, Traefik's trusted proxies)", () => {
    it("come in one fixed order whatever order Cloudflare lists them, so a reordered answer plans no change", async () => {
        ipRanges = { ipv4Cidrs: ["173.245.48.0/20", "103.21.244.0/22", "141.101.64.0/18"], ipv6Cidrs: ["2606:4700::/32", "2400:cb00::/32", "2405:b500::/32"] };
        const first = await settle(edgeRanges());
        assert.deepEqual(first, { ipv4: ["103.21.244.0/22", "141.101.64.0/18", "173.245.48.0/20"], ipv6: ["2400:cb00::/32", "2405:b500::/32", "2606:4700::/32"] });
        ipRanges = { ipv4Cidrs: [...ipRanges.ipv4Cidrs].reverse(), ipv6Cidrs: [...ipRanges.ipv6Cidrs].reverse() };
        assert.deepEqual(await settle(edgeRanges()), first);
    });
});
