// Unit prices for the monthly cost estimate, so a change of server type or count shows its
// price before `pulumi up`. List prices at the time of writing; override with `honeydue:prices`.
import { z } from "zod";
import { json, numeric, strictObject } from "./fields";

const money = numeric(z.number({ error: "expected a price, a number ≥ 0" }).min(0, { error: "expected a price, a number ≥ 0" }));

export const bookPrices = {
    currency: "USD",
    /** Hetzner Cloud monthly list prices per server type (EU locations, excl. VAT, converted). */
    servers: { cx23: 4.59, cx33: 7.49, cx43: 13.79, cx53: 26.49 } as Record<string, number>,
    /** A primary IPv4 address per server; IPv6 is free. */
    primaryIpv4: 0.6,
    /** What the book counts besides the servers. */
    fixed: { "Neon Postgres (Launch)": 10, "Backblaze B2": 1, "Cloudflare Free": 0, "Gitea (self-hosted)": 0 } as Record<string, number>,
};

export const costKeys = {
    prices: json(
        strictObject(
            {
                currency: z.string().regex(/^[A-Z]{3}$/, { error: "expected a currency code such as USD" }).default(bookPrices.currency),
                servers: z.record(z.string(), money, { error: "expected a JSON object of server type → monthly price" }).default(bookPrices.servers),
                primaryIpv4: money.default(bookPrices.primaryIpv4),
                fixed: z.record(z.string(), money, { error: "expected a JSON object of item → monthly price" }).default(bookPrices.fixed),
            },
            "expected a JSON object of unit prices { currency, servers, primaryIpv4, fixed }",
        ),
    ).prefault({}),
};

type Cost = z.infer<z.ZodObject<typeof costKeys>> & { serverType: string };

export function checkCost(c: Cost, issue: (key: string, message: string) => void): void {
    if (!(c.serverType in c.prices.servers)) {
        issue("prices", `servers has no price for ${c.serverType}; expected one (pulumi config set --path 'honeydue:prices.servers.${c.serverType}' <monthly price>)`);
    }
}
