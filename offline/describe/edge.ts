// The edge in the plan: each record as hostname → address (node), proxied or not; each zone
// setting with what it means for a request.
import { describeType, show } from "./index";

describeType("cloudflare:index/dnsRecord:DnsRecord", (r) => {
    const i = r.inputs as Record<string, any>;
    const how = i.proxied ? "proxied through Cloudflare, TTL auto" : `DNS-only (the node's address is public), TTL ${show(i.ttl)}s`;
    const node = /node (\S+)$/.exec(String(i.comment ?? ""))?.[1];
    return [`${i.type} ${i.name} → ${show(i.content)}${node ? ` (${node})` : ""}, ${how}`];
});

const meaning: Record<string, (v: string) => string> = {
    ssl: (v) =>
        v === "flexible"
            ? "Cloudflare → origin over plain HTTP on port 80; the origin must not redirect to HTTPS"
            : `Cloudflare → origin over HTTPS on 443${v === "strict" ? " with a certificate it trusts" : ""}`,
    always_use_https: (v) => (v === "on" ? "browsers asking for http:// get a 301 to https:// at Cloudflare" : "plain HTTP served to browsers"),
    min_tls_version: (v) => `browsers need TLS ${v} or newer`,
    security_header: () => "HSTS: browsers that saw it refuse plain HTTP to these names (README, \"The origin\")",
};

describeType("cloudflare:index/zoneSetting:ZoneSetting", (r) => {
    const id = String(r.inputs.settingId);
    const value = typeof r.inputs.value === "string" ? r.inputs.value : JSON.stringify(r.inputs.value);
    return [`${id} = ${value}${meaning[id] ? ` - ${meaning[id](value)}` : ""}`];
});
