// Building a second estate by accident is the most expensive mistake an operator can make: the
// estate already runs, so a server with no adoption id would be a new, empty server whose address
// joins the live round-robin records. Creating one must be asked for on purpose.
import { bool } from "./fields";

export const newEstateKeys = {
    /** True only to build servers that no `adopt.servers` id covers (a new estate, or a node added on purpose). */
    newEstate: bool.default(false),
};

type NewEstate = { newEstate: boolean; nodes: { name: string }[]; adopt: { servers: Record<string, string> } };

/** The nodes that `pulumi up` would create rather than import. */
export const newServers = (c: Omit<NewEstate, "newEstate">) => c.nodes.map((n) => n.name).filter((n) => c.adopt.servers[n] === undefined);

export function checkNewEstate(c: NewEstate, issue: (key: string, message: string) => void): void {
    const created = newServers(c);
    if (created.length === 0 || c.newEstate) return;
    issue(
        "newEstate",
        `is not true, yet ${created.join(", ")} ${created.length > 1 ? "have" : "has"} no adoption id, so \`pulumi up\` would create ${created.length > 1 ? "them as new, empty servers" : "it as a new, empty server"} ` +
            `and add ${created.length > 1 ? "their" : "its"} address to the live DNS records. Adopting means giving each running server's Hetzner id in ` +
            "honeydue:adopt.servers, so the first `pulumi up` imports it instead (README, \"Adopting the running estate\"). " +
            "Expected those ids; or, to build a new estate on purpose, `pulumi config set honeydue:newEstate true`",
    );
}
