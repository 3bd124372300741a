// Simulated random (pulumi-random 4.21.2, bridging hashicorp/terraform-provider-random v3):
// RandomPassword only. Every argument of random_password carries a RequiresReplace plan modifier
// (internal/provider/resource_password.go passwordSchemaV3: keepers, length, special, upper, lower,
// number, numeric, min_*, override_special), so any argument change replaces it. The result is
// deterministic (a hash of the URN and the cloud's counter), drawn from the character classes asked for.
import { type Kind, tableProvider } from "./table";
import { sha, type Props } from "./values";

export const version = "4.21.2";

const src = (attr: string) => `terraform-provider-random internal/provider/resource_password.go passwordSchemaV3: ${attr} RequiresReplace`;
const args = ["keepers", "length", "special", "upper", "lower", "number", "numeric", "minNumeric", "minUpper", "minLower", "minSpecial", "overrideSpecial"];

function password(p: Props, seed: string): string {
    const classes = [
        p.upper !== false ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "",
        p.lower !== false ? "abcdefghijklmnopqrstuvwxyz" : "",
        p.numeric !== false && p.number !== false ? "0123456789" : "",
        p.special !== false ? String(p.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?") : "",
    ].join("");
    let out = "";
    for (let i = 0; out.length < Number(p.length); i++) {
        const bytes = Buffer.from(sha(seed, i), "hex");
        for (const b of bytes) if (out.length < Number(p.length)) out += classes[b % classes.length];
    }
    return out;
}

const randomPassword: Kind = {
    table: "passwords",
    inputs: args,
    replaces: Object.fromEntries(args.map((k) => [k, src(k)])),
    readable: args,
    defaults: { special: true, upper: true, lower: true, numeric: true, number: true, minNumeric: 0, minUpper: 0, minLower: 0, minSpecial: 0 },
    create: (_c, p, id, urn) => {
        const result = password(p, sha(urn, id));
        return { id, record: { ...p, result, bcryptHash: sha("bcrypt", result) } };
    },
};

// terraform-provider-random gives every password the id "none"; here each has its own (the cloud's counter), so the table can key by it.
const kinds: Record<string, Kind> = { "random:index/randomPassword:RandomPassword": randomPassword };
export const provider = tableProvider({ name: "random", version, kinds });
