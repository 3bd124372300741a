// Cloudflare: the zone, which hostname goes to which app, and the zone's TLS settings. DESIGN §7.
import { z } from "zod";
import { bool, fqdn, json, nodeName } from "./fields";

export const apps = ["api", "admin"] as const;
export type RoutedApp = (typeof apps)[number];

export const bookRoutes: Record<string, RoutedApp> = {
    "api.myhoneydue.com": "api",
    "admin.myhoneydue.com": "admin",
    "myhoneydue.com": "api",
};

export const edgeKeys = {
    zone: fqdn.default("myhoneydue.com"),
    zoneId: z.string().regex(/^[a-f0-9]{32}$/, { error: "expected a Cloudflare zone id (32 hex characters)" }).optional(),
    sslMode: z.enum(["flexible", "full", "strict"], { error: "expected flexible, full or strict" }).default("flexible"),
    minTlsVersion: z.enum(["1.2", "1.3"], { error: "expected 1.2 or 1.3" }).default("1.2"),
    /**
     * Port 80 at the firewall. auto: open on Flexible, and off Flexible open until Cloudflare already
     * reaches the nodes over HTTPS (closed from the `up` after the switch). README, "The origin".
     */
    originPort80: z.enum(["auto", "open", "closed"], { error: "expected auto, open or closed" }).default("auto"),
    routes: json(
        z.preprocess(
            refuseCaseCollisions,
            z
                .record(fqdn, z.enum(apps, { error: `expected an app name: ${apps.join(" or ")}` }), {
                    error: "expected a JSON object of hostname → app, such as {\"api.example.com\": \"api\"}",
                })
                .refine((r) => Object.keys(r).length > 0, { error: "expected at least one hostname" }),
        ),
    ).default(bookRoutes),
    /** Apps that serve HTTP but have no hostname on purpose (every other app needs a route). */
    unroutedApps: json(z.array(z.enum(apps, { error: `expected an app name: ${apps.join(" or ")}` }), { error: "expected a JSON list of app names such as [\"admin\"]" })).default([]),
    /** Smoke-check every hostname through Cloudflare (https) from where `pulumi up` runs; false for runs without the internet. */
    smokeThroughEdge: bool.default(true),
    /** Nodes whose DNS records are withdrawn (drain before maintenance); the servers stay. README, "Edge". */
    outOfRotation: json(
        z.array(nodeName, { error: "expected a JSON list of node names such as [\"ubuntu-8gb-nbg1-3\"]" }),
    ).default([]),
};

/** Off Flexible the origin serves HTTPS itself: an Origin CA certificate, Authenticated Origin Pulls, HSTS. */
export const originTls = (c: { sslMode: string }) => c.sslMode !== "flexible";

/**
 * Hostnames are case-insensitive (DNS, and the schema lower-cases them): two keys that differ only
 * in case or a trailing dot would silently become one route, the second overwriting the first.
 */
function refuseCaseCollisions(raw: unknown, ctx: { addIssue(i: { code: "custom"; message: string; input: unknown }): void }) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
    const seen = new Map<string, string>();
    for (const host of Object.keys(raw)) {
        const key = host.toLowerCase().replace(/\.$/, "");
        const first = seen.get(key);
        if (first !== undefined) ctx.addIssue({ code: "custom", message: `${first} and ${host} are the same hostname (names are compared in lower case); expected each hostname once`, input: raw });
        else seen.set(key, host);
    }
    return raw;
}

type Edge = z.infer<z.ZodObject<typeof edgeKeys>> & { apiHostname?: string; nodes: { name: string }[] };

const inZone = (host: string, zone: string) => host === zone || host.endsWith(`.${zone}`);

export function checkEdge(c: Edge, issue: (key: string, message: string) => void): void {
    for (const host of Object.keys(c.routes)) {
        if (!inZone(host, c.zone)) issue("routes", `${host} is outside the zone ${c.zone}; expected ${c.zone} or a name under it`);
    }
    if (c.apiHostname !== undefined) {
        if (!inZone(c.apiHostname, c.zone)) {
            issue("apiHostname", `${c.apiHostname} is outside the zone ${c.zone}; expected a name under it`);
        }
        if (c.apiHostname in c.routes) {
            issue("apiHostname", `${c.apiHostname} is also an app route; expected a DNS-only name of its own such as k8s.${c.zone}`);
        }
    }
    for (const app of apps) {
        const routed = Object.values(c.routes).includes(app);
        if (!routed && !c.unroutedApps.includes(app)) {
            issue("routes", `no hostname routes to ${app}, which serves HTTP; expected one (e.g. "${app}.${c.zone}": "${app}"), or list ${app} in honeydue:unroutedApps on purpose`);
        }
        if (routed && c.unroutedApps.includes(app)) issue("unroutedApps", `lists ${app}, yet honeydue:routes routes a hostname to it; expected only apps without a route`);
    }
    if (c.sslMode === "flexible" && c.originPort80 === "closed") {
        issue("originPort80", "is closed while honeydue:sslMode is flexible, and Flexible reaches the nodes on port 80 only; expected auto or open, or set honeydue:sslMode strict first");
    }
    checkRotation(c.outOfRotation, c.nodes.map((n) => n.name), issue);
}

/** Every withdrawn node must exist, once, and at least one node must keep serving. */
function checkRotation(out: string[], nodes: string[], issue: (key: string, message: string) => void): void {
    const unknown = out.filter((n) => !nodes.includes(n));
    for (const n of unknown) issue("outOfRotation", `${n} is not one of the nodes (${nodes.join(", ")}); expected node names from honeydue:nodes`);
    for (const n of new Set(out.filter((n, i) => out.indexOf(n) !== i))) issue("outOfRotation", `${n} appears twice; expected each node at most once`);
    if (unknown.length === 0 && nodes.length > 0 && nodes.every((n) => out.includes(n))) {
        issue("outOfRotation", `takes every node out of rotation, so no hostname would resolve; expected at least one node left serving`);
    }
}
