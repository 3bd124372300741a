// The estate already runs: a server that no adoption id covers is created only when the operator
// asks for a new estate on purpose (honeydue:newEstate). Offline, a fresh clone's plan assumes it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { offlineConfig, stackFileConfig } from "../offline/stack";
import { load, problems, rejects } from "./support/config";
import { hostKeysFor } from "./support/hostKeys";

const ids = { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-2": "202", "ubuntu-8gb-nbg1-3": "203" };

describe("honeydue:newEstate", () => {
    it("refuses to create servers that no adoption id covers, saying what adopting is and where it is explained", () => {
        const found = problems({ "honeydue:newEstate": false });
        assert.equal(found.length, 1);
        assert.match(found[0], /^honeydue:newEstate: is not true, yet ubuntu-8gb-nbg1-1, ubuntu-8gb-nbg1-2, ubuntu-8gb-nbg1-3 have no adoption id/);
        assert.match(found[0], /would create them as new, empty servers/);
        assert.match(found[0], /Adopting means giving each running server's Hetzner id in honeydue:adopt\.servers/);
        assert.match(found[0], /README, "Adopting the running estate"/);
        assert.match(found[0], /pulumi config set honeydue:newEstate true/);
    });
    it("refuses a partly adopted estate, naming the node that would be new", () =>
        rejects({ "honeydue:adopt": { servers: { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-3": "203" } }, "honeydue:hostKeys": hostKeysFor(ids) }, "honeydue:newEstate", /ubuntu-8gb-nbg1-2 has no adoption id/));
    it("speaks of the one server it would create in the singular", () =>
        assert.deepEqual(problems({ "honeydue:adopt": { servers: { "ubuntu-8gb-nbg1-1": "201", "ubuntu-8gb-nbg1-3": "203" } }, "honeydue:hostKeys": hostKeysFor(ids) }), [
            "honeydue:newEstate: is not true, yet ubuntu-8gb-nbg1-2 has no adoption id, so `pulumi up` would create it as a new, empty server and add its address to the live DNS records. " +
                "Adopting means giving each running server's Hetzner id in honeydue:adopt.servers, so the first `pulumi up` imports it instead (README, \"Adopting the running estate\"). " +
                "Expected those ids; or, to build a new estate on purpose, `pulumi config set honeydue:newEstate true`",
        ]));
    it("speaks of several servers it would create in the plural", () => assert.match(problems({ "honeydue:newEstate": false })[0], /have no adoption id, so `pulumi up` would create them as new, empty servers and add their address to the live DNS records/));
    it("needs no newEstate when every server is adopted", () => assert.equal(load({ "honeydue:adopt": { servers: ids }, "honeydue:hostKeys": hostKeysFor(ids) }).newEstate, false));
    it("builds new servers when asked on purpose", () => assert.equal(load({ "honeydue:newEstate": "true" }).newEstate, true));
    it("is not set by the prod stack file, so a real `pulumi up` of a fresh clone refuses", () => {
        assert.ok(!("honeydue:newEstate" in stackFileConfig()), "Pulumi.prod.yaml must not ask for a new estate");
        assert.equal(offlineConfig({ "honeydue:newEstate": undefined }).config["honeydue:newEstate"], "true", "offline: assumed for a fresh clone");
        assert.ok(!("honeydue:newEstate" in offlineConfig({ "honeydue:adopt": { servers: { "ubuntu-8gb-nbg1-1": "201" } } }).config), "not assumed once any server id is given");
    });
});
