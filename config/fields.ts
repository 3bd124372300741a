// Reusable field schemas for the configuration contract. Every message says what is
// expected, because the loader prefixes it with the key and what was given.
import { closest, distance } from "fastest-levenshtein";
import * as ipaddr from "ipaddr.js";
import { parse as parseLenient, printParseErrorCode, type ParseError } from "jsonc-parser";
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

/**
 * Where a string that is meant as JSON stops parsing, as "… at position N (line L, column C)".
 * Node 20's JSON.parse names no position, so jsonc-parser (strict: no comments, no trailing
 * commas) finds the offset; undefined when the text is valid JSON.
 */
export function jsonSyntaxError(text: string): string | undefined {
    try {
        JSON.parse(text);
        return undefined;
    } catch (e) {
        const errors: ParseError[] = [];
        parseLenient(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
        const first = errors[0];
        if (!first) return (e as Error).message;
        const before = text.slice(0, first.offset).split("\n");
        return `${printParseErrorCode(first.error)} at position ${first.offset} (line ${before.length}, column ${before[before.length - 1].length + 1})`;
    }
}

/**
 * Pulumi hands every structured value to the program as a JSON string. A string that starts like
 * JSON but does not parse is reported with the parser's position, not as the wrong type.
 */
export function json<T extends z.ZodType>(schema: T) {
    return z.preprocess((raw, ctx) => {
        if (typeof raw === "string" && /^\s*[[{]/.test(raw)) {
            const error = jsonSyntaxError(raw);
            if (error !== undefined) {
                ctx.addIssue({ code: "custom", message: `got invalid JSON: ${error}; expected valid JSON (keys and strings in double quotes, no trailing comma)`, input: raw });
                return z.NEVER;
            }
        }
        return parseJson(raw);
    }, schema);
}

/** The real name nearest to a misspelt one (case-insensitive edit distance), if one is near enough. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
    if (candidates.length === 0) return undefined;
    const lower = candidates.map((c) => c.toLowerCase());
    const best = closest(name.toLowerCase(), lower);
    const limit = Math.max(2, Math.floor(name.length / 3));
    return distance(name.toLowerCase(), best) <= limit ? candidates[lower.indexOf(best)] : undefined;
}

/** "unknown field sshAlais (did you mean sshAlias?)" for every key, then the fields there are. */
export function unknownFields(keys: readonly string[], fields: readonly string[], what = "field"): string {
    const named = keys.map((k) => {
        const hint = nearest(k, fields);
        return `${k}${hint ? ` (did you mean ${hint}?)` : ""}`;
    });
    return `got unknown ${what}${keys.length > 1 ? "s" : ""} ${named.join(", ")}; expected only ${fields.join(", ")}`;
}

/** An object that refuses fields it does not know, naming each and the nearest real one. */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S, expected: string) {
    const fields = Object.keys(shape);
    return z.strictObject(shape, { error: (iss) => (iss.code === "unrecognized_keys" ? unknownFields(iss.keys, fields) : expected) });
}

/** A number, or a string that spells one (`pulumi config set --path` stores some numbers as strings). */
export const numeric = <T extends z.ZodType>(schema: T) =>
    z.preprocess((raw) => (typeof raw === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw), schema);

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

/** The network address of a valid CIDR: 198.51.100.7/24 → 198.51.100.0. */
function networkAddress(value: string): string {
    return (value.includes(":") ? ipaddr.IPv6.networkAddressFromCIDR(value) : ipaddr.IPv4.networkAddressFromCIDR(value)).toString();
}

/** A CIDR whose address has bits set beyond its prefix (198.51.100.7/24): almost always a typo for /32. */
export function hostBitsSet(value: string): boolean {
    const parsed = parseCidr(value);
    return parsed !== undefined && networkAddress(value) !== parsed[0].toString();
}

/** A CIDR as a network: it parses, and no host bits are set, so what it covers is what it says. */
export const cidr = z
    .string({ error: "expected a CIDR such as 10.0.0.0/16" })
    .refine((v) => parseCidr(v) !== undefined, { error: "expected a CIDR such as 10.0.0.0/16 or 2001:db8::/32" })
    .refine((v) => !hostBitsSet(v), {
        error: (iss) => {
            const v = String(iss.input);
            const [addr, bits] = v.split("/");
            const one = addr.includes(":") ? 128 : 32;
            return `has host bits set; expected the network address ${networkAddress(v)}/${bits} (the whole range) or ${addr}/${one} (that one address)`;
        },
    });

/** The first and last address of a valid CIDR, as integers. */
function span(value: string): [bigint, bigint, number] {
    const [addr, prefix] = parseCidr(value)!;
    const bits = addr.kind() === "ipv4" ? 32 : 128;
    const start = addr.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n) & ~((1n << BigInt(bits - prefix)) - 1n);
    return [start, start + (1n << BigInt(bits - prefix)) - 1n, bits];
}

/** True when the CIDRs of one family together cover every address of it (0.0.0.0/1 + 128.0.0.0/1). */
export function coversEverything(cidrs: string[], family: "ipv4" | "ipv6"): boolean {
    const ranges = cidrs
        .filter((c) => parseCidr(c)?.[0].kind() === family)
        .map(span)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let next = 0n;
    for (const [start, end] of ranges) {
        if (start > next) return false;
        if (end + 1n > next) next = end + 1n;
    }
    return next === 1n << BigInt(family === "ipv4" ? 32 : 128);
}

/** RFC 1918's private IPv4 ranges. */
export const rfc1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** True when a valid CIDR lies inside one of RFC 1918's ranges. */
export function isRfc1918(value: string): boolean {
    const parsed = parseCidr(value);
    return parsed !== undefined && parsed[0].kind() === "ipv4" && rfc1918.some((r) => parsed[1] >= Number(r.split("/")[1]) && contains(r, parsed[0].toString()));
}

const cronFields = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
    { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/**
 * What is wrong with a five-field cron expression, or undefined when every field is valid: each
 * field a list of `*`, a value or a range `a-b`, each optionally `/step`; months and weekdays may
 * be named (jan, mon); or a descriptor (@daily, @every 6h). `expr` comes without blanks around it
 * (cronSchedule trims it). That is the standard syntax of robfig/cron v3, which k3s schedules
 * snapshots with (k3s-io/k3s pkg/etcd/snapshot.go, setSnapshotFunction: `e.cron.AddJob(...)`, whose
 * error is not checked, so a bad schedule means no snapshots and no message).
 */
export function cronProblem(expr: string): string | undefined {
    // robfig/cron's descriptors (parser.go, parseDescriptor): @yearly … @hourly, and @every <Go duration>.
    if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(expr)) return undefined;
    if (expr.startsWith("@every ")) return /^@every ((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(expr) ? undefined : `"${expr}" is not @every <duration> such as @every 6h`;
    if (expr.startsWith("@")) return `"${expr}" is not a descriptor (expected @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>)`;
    const parts = expr.split(/\s+/);
    if (parts.length !== 5) return `has ${parts.length} field(s)`;
    for (const [i, part] of parts.entries()) {
        const f = cronFields[i];
        const value = (v: string) => {
            const named = f.names?.indexOf(v.toLowerCase()) ?? -1;
            if (named >= 0) return named + f.min;
            return /^\d+$/.test(v) ? Number(v) : NaN;
        };
        for (const item of part.split(",")) {
            const m = /^(\*|([^-/]+)(?:-([^-/]+))?)(?:\/(\d+))?$/.exec(item);
            const bad = `the ${f.name} field "${part}" is not valid (expected ${f.min}-${f.max}, *, a range a-b, a list a,b or a step */n)`;
            if (!m) return bad;
            const [lo, hi] = m[1] === "*" ? [f.min, f.max] : [value(m[2]), m[3] === undefined ? value(m[2]) : value(m[3])];
            if (![lo, hi].every((n) => Number.isInteger(n) && n >= f.min && n <= f.max) || lo > hi) return bad;
            if (m[4] !== undefined && Number(m[4]) === 0) return bad;
        }
    }
    return undefined;
}

/**
 * A cron schedule, with the blanks around it dropped before it is checked and passed on. Neither
 * reader trims it: k3s hands etcd-snapshot-schedule-cron to robfig/cron v3.0.1 as config.yaml holds
 * it (k3s-io/k3s pkg/configfilearg/parser.go readConfigFile), and the API server parses a CronJob's
 * schedule untrimmed too (kubernetes/kubernetes pkg/apis/batch/validation/validation.go
 * validateScheduleFormat, cron.ParseStandard). robfig/cron parser.go Parse tests
 * `strings.HasPrefix(spec, "@")` before it splits the fields with strings.Fields, so blanks around
 * five fields are harmless there but " @daily" reads as one field of five and "@daily " as an
 * unrecognized descriptor (parseDescriptor); k3s drops that error (pkg/etcd/snapshot.go
 * setSnapshotFunction) and runs without snapshots. The blanks mean nothing, so they are dropped.
 */
export const cronSchedule = (expected: string) =>
    z
        .string()
        .trim()
        .refine((v) => cronProblem(v) === undefined, { error: (iss) => `${cronProblem(String(iss.input))}; ${expected}` });

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

/**
 * An image reference split as the distribution reference grammar reads it
 * (distribution/reference, regexp.go: `[domain/]path[:tag][@digest]`, path components of
 * lower-case letters and digits joined by `.`, `_`, `__` or dashes; a tag is `[\w][\w.-]{0,127}`;
 * a sha256 digest is 64 hex digits). Undefined when it does not parse.
 */
export function parseImage(ref: string): { domain?: string; path: string; tag?: string; digest?: string } | undefined {
    const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    const domain = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(?:\\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*(?::\\d+)?";
    const m = new RegExp(`^(?:(${domain})/)?(${component}(?:/${component})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}))?$`).exec(ref);
    if (!m) return undefined;
    let [, host, path] = m;
    // The first part is a registry only when it looks like a host (a dot, a port, or localhost).
    if (host !== undefined && !/[.:]|^localhost$/.test(host) && host === host.toLowerCase()) {
        path = `${host}/${path}`;
        host = undefined as unknown as string;
    }
    return { domain: host, path, tag: m[3], digest: m[4] };
}

/** Splits an image reference into its tag (or digest); no tag gives undefined. */
export function imageTag(ref: string): string | undefined {
    const parsed = parseImage(ref);
    return parsed?.digest ?? parsed?.tag;
}

/** registry/path/name:tag or name@sha256:<64 hex>; never untagged and never :latest. */
export const image = z
    .string({ error: "expected an image reference such as registry/name:1.2.3" })
    .refine((v) => parseImage(v) !== undefined, {
        error: "is not an image reference; expected registry/name:tag or registry/name@sha256:<64 hex digits> (lower-case name)",
    })
    .refine((v) => parseImage(v) === undefined || imageTag(v) !== undefined, {
        error: "expected an image with an explicit tag or digest, such as registry/name:1.2.3",
    })
    .refine((v) => parseImage(v)?.tag !== "latest" || parseImage(v)?.digest !== undefined, { error: "':latest' is not a pinned tag; expected an explicit version tag or digest" });

/**
 * A Kubernetes quantity (k8s.io/apimachinery pkg/api/resource/quantity.go, ParseQuantity):
 * a decimal number with an optional binary suffix (Ki…Ei), decimal suffix (n, u, m, k, M, G, T,
 * P, E) or exponent (1e3). Negative quantities mean nothing here, so they are refused.
 */
const quantityPattern = /^(\d+(?:\.\d*)?|\.\d+)((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const quantityUnits: Record<string, number> = {
    "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export const quantity = (example: string) =>
    z.string({ error: `expected a Kubernetes quantity such as ${example}` }).regex(quantityPattern, { error: `expected a Kubernetes quantity such as ${example} (or 512M, 1G, 1.5Gi)` });

/**
 * A size in bytes: a quantity whose suffix is not m, u or n. Kubernetes takes "100m" of memory
 * (a tenth of a byte, ParseQuantity accepts any suffix for any resource), but for a size it is
 * always a slip for 100Mi or 100M.
 */
export const byteSize = (example: string) =>
    quantity(example).refine((v) => !/^[\d.]+[mun]$/.test(v), {
        error: (iss) => `is a fraction of a byte (m, u and n are thousandths, millionths, billionths); did you mean ${String(iss.input).slice(0, -1)}Mi?`,
    });

/** A quantity's value ("384Mi" in bytes, "100m" in cores); NaN when it is not one. */
export function quantityValue(q: string): number {
    const m = quantityPattern.exec(q);
    if (!m) return NaN;
    const suffix = m[2] ?? "";
    // The units first, then an exponent, as Kubernetes reads them (kubernetes/kubernetes
    // pkg/api/resource/suffix.go, interpret): "E" and "Ei" are exa and exbi, "E3" is 10^3.
    return suffix in quantityUnits ? Number(m[1]) * quantityUnits[suffix] : Number(`${m[1]}${suffix}`);
}

/** Where an image's registry is: the first path part when it looks like a host, else Docker Hub. */
export function registryOf(ref: string): string {
    const first = ref.split("/")[0];
    return ref.includes("/") && /[.:]|^localhost$/.test(first) ? first : "docker.io";
}
