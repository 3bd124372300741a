// The estate's estimated monthly cost, from configured unit prices: one line per item.
import type { EstateConfig } from "../config";

export interface CostLine {
    item: string;
    quantity: number;
    unit: number;
    monthly: number;
}

export interface CostEstimate {
    currency: string;
    lines: CostLine[];
    monthly: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function estimateCost(c: Pick<EstateConfig, "prices" | "serverType" | "nodes" | "location">): CostEstimate {
    const n = c.nodes.length;
    const lines: CostLine[] = [
        { item: `Hetzner ${c.serverType} server in ${c.location}`, quantity: n, unit: c.prices.servers[c.serverType] },
        { item: "Hetzner primary IPv4", quantity: n, unit: c.prices.primaryIpv4 },
        ...Object.entries(c.prices.fixed).map(([item, unit]) => ({ item, quantity: 1, unit })),
    ].map((l) => ({ ...l, monthly: round(l.quantity * l.unit) }));
    return { currency: c.prices.currency, lines, monthly: round(lines.reduce((s, l) => s + l.monthly, 0)) };
}
