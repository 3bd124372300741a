// The monthly cost estimate: from configured unit prices, so a change of server type or count
// shows its price before `pulumi up`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../config";
import { estimateCost } from "../infra/cost";
import { load, problems } from "./support/config";

describe("monthly cost", () => {
    it("prices the book's estate within the book's $30-40 a month", () => {
        const cost = estimateCost(load());
        assert.equal(cost.currency, "USD");
        assert.deepEqual(cost.lines.slice(0, 2), [
            { item: "Hetzner cx33 server in nbg1", quantity: 3, unit: 7.49, monthly: 22.47 },
            { item: "Hetzner primary IPv4", quantity: 3, unit: 0.6, monthly: 1.8 },
        ]);
        assert.equal(cost.monthly, 35.27);
        assert.ok(cost.monthly >= 30 && cost.monthly <= 40);
    });

    it("follows a change of server type and count", () => {
        const nodes = [1, 2, 3, 4, 5].map((i) => ({ name: `ubuntu-8gb-nbg1-${i}`, privateIp: `10.0.1.${10 + i}` }));
        const cost = estimateCost(load({ "honeydue:serverType": "cx43", "honeydue:nodes": nodes }));
        assert.deepEqual(cost.lines[0], { item: "Hetzner cx43 server in nbg1", quantity: 5, unit: 13.79, monthly: 68.95 });
        assert.equal(cost.monthly, 68.95 + 3 + 11);
    });

    it("takes the operator's own prices", () => {
        const cost = estimateCost(load({ "honeydue:prices": { currency: "EUR", servers: { cx33: 6.49 }, primaryIpv4: 0.5, fixed: { Neon: 19 } } }));
        assert.equal(cost.currency, "EUR");
        assert.equal(cost.monthly, 3 * 6.49 + 3 * 0.5 + 19);
    });

    it("refuses a server type it has no price for, saying how to add one", () => {
        assert.throws(
            () => load({ "honeydue:serverType": "ccx63" }),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.problems.length === 1 &&
                e.problems[0] === "honeydue:prices: servers has no price for ccx63; expected one (pulumi config set --path 'honeydue:prices.servers.ccx63' <monthly price>)",
        );
    });

    it("refuses prices not of their form, saying the form", () => {
        for (const [prices, where, expected] of [
            [{ currency: "eur" }, "currency (got eur)", "expected a currency code such as USD"],
            [{ currency: "EURO" }, "currency (got EURO)", "expected a currency code such as USD"],
            [{ currency: "XUSD" }, "currency (got XUSD)", "expected a currency code such as USD"],
            [{ servers: "x" }, "servers (got x)", "expected a JSON object of server type → monthly price"],
            [{ fixed: ["x"] }, 'fixed (got ["x"])', "expected a JSON object of item → monthly price"],
            [{ primaryIpv4: "free" }, "primaryIpv4 (got free)", "expected a price, a number ≥ 0"],
        ] as const) {
            assert.deepEqual(problems({ "honeydue:prices": prices }), [`honeydue:prices.${where}: ${expected}`]);
        }
    });
    it("refuses a negative price", () => {
        assert.throws(
            () => load({ "honeydue:prices": { primaryIpv4: -1 } }),
            (e: unknown) => e instanceof ConfigError && /^honeydue:prices\.primaryIpv4 \(got -1\): expected a price, a number ≥ 0$/.test(e.problems[0]),
        );
    });
});
