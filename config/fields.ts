// Reusable field schemas for the configuration contract. Every message says what is
// expected, because the loader prefixes it with the key and what was given.
import * as ipaddr from "ipaddr.js";
import { z } from "zod";

/** A config string parsed as JSON; anything else, or a string that is not JSON, as it came. */
export function parseJson(raw: unknown): unknown {
    if (typeof raw !== "string") return raw;
    try {
        return JSON.parse(raw);
    } catch {
        return raw; // left as a string, so the schema reports the type it expected
    }
}

/** Pulumi hands every structured value to the program as a JSON string. */
export function json<T extends z.ZodType>(schema: T) {
    return z.preprocess(parseJson, schema);
}

/** A required string whose every failure, missing included, says the same expected form. */
export const text = (pattern: RegExp, expected: string) => z.string({ error: expected }).regex(pattern, { error: expected });

export const bool = z.preprocess(
    (raw) => (raw === "true" ? true : raw === "false" ? false : raw),
    z.boolean({ error: "expected true or false" }),
);

export const int = (min: number, max: number) =>
    z.preprocess(
        (raw) => (typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw),
        z.number({ error: `expected a whole number from ${min} to ${max}` })
            .int({ error: `expected a whole number from ${min} to ${max}` })
            .min(min, { error: `expected a whole number from ${min} to ${max}` })
            .max(max, { error: `expected a whole number from ${min} to ${max}` }),
    );

export function parseCidr(value: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
    if (!ipaddr.isValidCIDR(value)) return undefined;
    return ipaddr.parseCIDR(value);
}

export const cidr = z.string({ error: "expected a CIDR such as 10.0.0.0/16" }).refine((v) => parseCidr(v) !== undefined, {
    error: "expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32",
});

export const ipv4 = z.string({ error: "expected an IPv4 address" }).refine((v) => ipaddr.IPv4.isValidFourPartDecimal(v), {
    error: "expected an IPv4 address such as 10.0.1.11",
});

/** True when `ip` lies inside `range` (both already valid). */
export function contains(range: string, ip: string): boolean {
    const parsed = parseCidr(range);
    if (!parsed) return false;
    const addr = ipaddr.parse(ip);
    return addr.kind() === parsed[0].kind() && addr.match(parsed);
}

/** True when two valid CIDRs share any address. */
export function overlaps(a: string, b: string): boolean {
    const pa = parseCidr(a);
    const pb = parseCidr(b);
    if (!pa || !pb || pa[0].kind() !== pb[0].kind()) return false;
    return pa[0].match(pb) || pb[0].match(pa);
}

const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** An RFC 1123 host name label: what Hetzner and Kubernetes accept as a node name. */
export const nodeName = z.string({ error: "expected a lower-case host name" }).regex(label, {
    error: "expected a lower-case host name of letters, digits and '-' (at most 63 characters)",
});

export const fqdn = z
    .string({ error: "expected a host name such as api.example.com" })
    .transform((v) => v.toLowerCase().replace(/\.$/, ""))
    .refine((v) => v.length <= 253 && v.split(".").length >= 2 && v.split(".").every((l) => label.test(l)), {
        error: "expected a fully qualified host name such as api.example.com",
    });

/** Splits an image reference into its repository and tag (or digest); no tag gives undefined. */
export function imageTag(ref: string): string | undefined {
    const digest = /@(sha256:[a-f0-9]{64})$/.exec(ref);
    if (digest) return digest[1];
    const last = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = last.indexOf(":");
    return colon > 0 ? last.slice(colon + 1) : undefined;
}

/** registry/path/name:tag or name@sha256:digest; never untagged and never :latest. */
export const image = z
    .string({ error: "expected an image reference such as registry/name:1.2.3" })
    .refine((v) => /^[a-z0-9][a-z0-9._\-/:@]*$/.test(v) && /^[\w][\w.-]{0,127}$|^sha256:/.test(imageTag(v) ?? ""), {
        error: "expected an image with an explicit tag or digest, such as registry/name:1.2.3",
    })
    .refine((v) => imageTag(v) !== "latest", { error: "':latest' is not a pinned tag; expected an explicit version tag or digest" });

/** Where an image's registry is: the first path part when it looks like a host, else Docker Hub. */
export function registryOf(ref: string): string {
    const first = ref.split("/")[0];
    return ref.includes("/") && /[.:]|^localhost$/.test(first) ? first : "docker.io";
}
