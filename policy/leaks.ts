// Secrets stay secret: no value derived from a configured secret — the value itself, its base64
// (at any alignment inside a longer base64 text), a `user:password` pair's base64 (a docker auth
// string, the Basic `Authorization` header), the password inside a connection URL — appears in a
// property that is not a Pulumi secret. Resource policies see inputs, stack policies outputs
// (pulumi/pulumi analyzer_plugin.go Analyze / AnalyzeStack); both get secrets unwrapped, so
// secret-ness comes from policy/secretness.ts.
//
// The configured values: the engine starts the pack with the stack's configuration, secrets
// decrypted, in PULUMI_CONFIG (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go
// constructEnv; sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin, for packs run through the
// language host), which @pulumi/pulumi's runtime.allConfig() reads. Which keys are secret is not
// passed along (no PULUMI_CONFIG_SECRET_KEYS), so the secret keys are named here (DESIGN §4).
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { known, schemaOf, settings } from "./lib";
import { isSecretHere, secretnessKnown, type Path } from "./secretness";

export const leakDefaults = {
    secretKeys: [
        "hcloud:token",
        "cloudflare:apiToken",
        "honeydue:sshPrivateKey",
        "honeydue:registryPassword",
        "honeydue:databaseUrl",
        "honeydue:b2ApplicationKey",
        "honeydue:smtpPassword",
        "honeydue:k3sToken",
        "honeydue:appSecrets",
    ],
    credentialPairs: [
        { user: "honeydue:registryUsername", secret: "honeydue:registryPassword" },
        { user: "honeydue:smtpUsername", secret: "honeydue:smtpPassword" },
        { user: "honeydue:b2KeyId", secret: "honeydue:b2ApplicationKey" },
    ],
    /** Shorter values are not searched for (they would match by chance). */
    minLength: 8,
};
type LeakSettings = typeof leakDefaults;

/** A value to look for, and what to call it in a message (never the value itself). */
interface Needle {
    text: string;
    what: string;
}

/**
 * The base64 texts that appear wherever `value`'s bytes are encoded inside longer base64 text: one
 * per alignment (0, 1 or 2 bytes before it), keeping only the characters no neighbour influences.
 */
export function base64Forms(value: string): string[] {
    const bytes = Buffer.from(value, "utf8");
    const forms = [bytes.toString("base64"), bytes.toString("base64url")];
    for (const shift of [0, 1, 2]) {
        const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
        forms.push(b64.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6)));
    }
    return [...new Set(forms)];
}

/**
 * The values a secret yields: itself, and the password of every connection URL in it, wherever the
 * URL starts (`jdbc:postgresql://u:p@h`, `A=redis://…`, several in one value) and with or without a
 * user (`redis://:p@h`). The password is searched for percent-decoded, as the client sends it, or as
 * written when it does not decode (a bare `%`: decodeURIComponent throws, which stopped the policy).
 */
function parts(value: string): { text: string; what: string }[] {
    const out = [{ text: value, what: "" }];
    for (const url of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^@\s]+)@/gi)) out.push({ text: decoded(url[1]), what: "its password" });
    return out;
}

function decoded(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text; // URIError: a bare "%", so search the text as written
    }
}

const cache = new Map<string, Needle[]>();
/** Every needle for the configured secrets in `config` (key → value as the CLI passes it); computed once per configuration. */
export function needles(config: Record<string, string>, cfg: LeakSettings, extra: { text: string; what: string }[] = []): Needle[] {
    const key = JSON.stringify([config, cfg, extra]);
    return cache.get(key) ?? cache.set(key, computeNeedles(config, cfg, extra)).get(key)!;
}

function computeNeedles(config: Record<string, string>, cfg: LeakSettings, extra: { text: string; what: string }[] = []): Needle[] {
    const found: { text: string; what: string }[] = [...extra];
    for (const key of cfg.secretKeys) {
        const raw = config[key];
        if (typeof raw !== "string") continue; // "" gives only the needle "", which min drops below
        let values: [string, string][] = [[key, raw]];
        try {
            const parsed = JSON.parse(raw) as unknown;
            if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) values = Object.entries(parsed).filter(([, v]) => typeof v === "string").map(([k, v]) => [`${key}.${k}`, v as string]);
        } catch {
            /* a plain string */
        }
        for (const [name, v] of values) for (const p of parts(v)) found.push({ text: p.text, what: p.what ? `${p.what} in ${name}` : name });
    }
    for (const pair of cfg.credentialPairs) {
        const user = config[pair.user];
        const secret = config[pair.secret];
        if (user && secret) found.push({ text: Buffer.from(`${user}:${secret}`).toString("base64"), what: `${pair.user}:${pair.secret} as a docker auth string or Basic Authorization header` });
    }
    const out: Needle[] = [];
    // An empty needle would match every string, whatever minLength says.
    const min = Math.max(cfg.minLength, 1);
    for (const f of found) {
        if (f.text.length < min) continue;
        out.push({ text: f.text, what: f.what });
        for (const b of base64Forms(f.text)) if (b.length >= min && b !== f.text) out.push({ text: b, what: `${f.what} (base64)` });
    }
    return out;
}

/** Plain (non-secret) strings in `props`, with their paths. */
function* plainStrings(props: object, value: unknown, at: Path): Generator<[Path, string]> {
    if (isSecretHere(props, at)) return;
    if (typeof value === "string") yield [at, value];
    else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* plainStrings(props, value[i], [...at, i]);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* plainStrings(props, v, [...at, k]);
}

const matchers = new WeakMap<Needle[], { re: RegExp; texts: string[]; byText: Map<string, Needle[]> }>();
/**
 * One regular expression for all needles (longest first), so a string is scanned once; the texts
 * beside it, to skip a string that holds none of them (String.includes per needle is several
 * times faster than the alternation, and nearly every string holds no needle).
 */
function matcher(found: Needle[]): { re: RegExp; texts: string[]; byText: Map<string, Needle[]> } {
    const cached = matchers.get(found);
    if (cached) return cached;
    const byText = new Map<string, Needle[]>();
    for (const n of found) byText.set(n.text, [...(byText.get(n.text) ?? []), n]);
    const texts = [...byText.keys()].sort((a, b) => b.length - a.length);
    const made = { re: new RegExp(texts.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g"), texts, byText };
    matchers.set(found, made);
    return made;
}

const showPath = (p: Path) => p.map((x) => (typeof x === "number" ? `[${x}]` : `.${x}`)).join("").replace(/^\./, "");

/** Reports each needle found in a plain property of `props` (read through the unknown-checking proxy, so unknowns are skipped). */
function search(props: object, found: Needle[], where: string, report: (message: string) => void): void {
    if (!secretnessKnown(props)) {
        report(`${where}: the pack cannot tell which properties are secret (policy/serve.ts did not run); run the pack through policy/index.ts`);
        return;
    }
    const seen = new Set<string>();
    const { re, texts, byText } = matcher(found);
    for (const [path, text] of plainStrings(props, (props as { __getSpecialProxyTarget?: object }).__getSpecialProxyTarget ?? props, [])) {
        if (!texts.some((t) => text.includes(t))) continue;
        for (const m of text.matchAll(re)) {
            for (const n of byText.get(m[0]) ?? []) {
                const key = `${showPath(path)} ${n.what}`;
                if (seen.has(key)) continue;
                seen.add(key);
                report(`${where}: ${showPath(path)} holds ${n.what} in plain text; make the property a secret (pulumi.secret(...), or additionalSecretOutputs for an output) or stop putting the value there`);
            }
        }
    }
}

const configSchema = schemaOf(leakDefaults, {
    secretKeys: "Config keys whose values are secrets (a JSON object's values each count).",
    credentialPairs: "Config keys {user, secret} whose base64(user:secret) is a credential too.",
    minLength: "Values shorter than this are not searched for.",
});

const stackConfig = () => pulumi.runtime.allConfig();

export const inputsStaySecret: ResourceValidationPolicy = {
    name: "secrets-inputs-stay-secret",
    description: "No value derived from a configured secret (the value, its base64, a docker auth or Authorization header form, a URL's password) appears in a resource input that is not a secret.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const found = needles(stackConfig(), settings(args, leakDefaults));
        if (found.length === 0) args.notApplicable("no configured secret to look for");
        search(args.props, found, `${args.type} ${args.name}`, report);
    },
};

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

export const outputsStaySecret: StackValidationPolicy = {
    name: "stack-secrets-outputs-stay-secret",
    description:
        "No value derived from a configured secret or a generated password appears in a resource's or the stack's outputs unless it is a secret (outputs a provider or the program made plain).",
    enforcementLevel: "mandatory",
    configSchema,
    validateStack: (args, report) => {
        const cfg = settings(args, leakDefaults);
        const generated = args.resources
            .filter((r) => r.type === RANDOM_PASSWORD)
            .map((r) => ({ text: known(() => r.props.result) as unknown, what: `the generated password ${r.name}` }))
            .filter((g): g is { text: string; what: string } => typeof g.text === "string");
        const found = needles(stackConfig(), cfg, generated);
        if (found.length === 0) args.notApplicable("no configured secret to look for");
        for (const r of args.resources as PolicyResource[]) {
            // A RandomPassword too: its result and bcryptHash are secrets (@pulumi/random 4.21.2 randomPassword.js constructor: additionalSecretOutputs), but
            // its echoed inputs (keepers, overrideSpecial) can hold another generated password in plain text.
            search(r.props, found, `${r.type} ${r.name}`, (m) => report(m, r.urn));
        }
    },
};

export const leakPolicies = [inputsStaySecret, outputsStaySecret];
