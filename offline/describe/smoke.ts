// The smoke checks in the plan (workloads/smoke.ts): which hostnames each check asks, where, for
// which app, and what makes it run again.
import type { Registration } from "../capture";
import { describeType } from "./index";

/** "--check HOST APP PATH TYPE" groups of a command's text → "HOST → APP (PATH, TYPE)". */
function checks(text: string): string[] {
    const words = text.split(/\s+/).map((w) => w.replace(/^'|'$/g, ""));
    return words.flatMap((w, i) => (w === "--check" ? [`${words[i + 1]} → ${words[i + 2]} (${words[i + 3]}, ${words[i + 4]})`] : []));
}

const again = "runs again when an image of a routed app, the routes, a node's server or Traefik's generation changes; never on a no-change up";

export function smokeLines(r: Registration, text: string, node: string): string[] {
    return [`${node}: ask this node's Traefik (127.0.0.1:80, Host header) for every hostname, at most 3 min: ${checks(text).join("; ")}`, again, r.deletedWith ? "skipped when its server is deleted" : ""].filter((l) => l !== "");
}

describeType("command:local:Command", (r) => {
    const text = String((r.inputs as Record<string, unknown>).create ?? "");
    if (!r.name.endsWith("-smoke-edge")) return [];
    return [`from where pulumi up runs: https through Cloudflare, at most 3 min: ${checks(text).join("; ")} (honeydue:smokeThroughEdge)`, again];
});
