// A picture of the estate as Mermaid, drawn from the captured program run: the nodes, the k3s
// bootstrap chain, which node serves each hostname, and where each workload runs. `npm run plan --
// --write-diagram` writes it to docs/estate.md; a test keeps the committed copy in step with the program.
import { prerequisites } from "./graph";
import { ofType } from "./query";
import type { Estate } from "./run";

const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, "_");
const label = (s: string) => s.replace(/"/g, "'");

interface NodeOutput {
    name: string;
    sshAlias?: string;
    privateIp: string;
}

/** The node a pod spec is pinned to by hostname, if any. */
function pinnedNode(spec: Record<string, any> | undefined): string | undefined {
    const selector = spec?.nodeSelector?.["kubernetes.io/hostname"];
    if (selector) return selector;
    const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    for (const t of terms) for (const e of t.matchExpressions ?? []) if (e.key === "kubernetes.io/hostname" && e.values?.length === 1) return e.values[0];
    return undefined;
}

export function diagram(estate: Estate): string {
    const { resources } = estate;
    const servers = ofType(resources, "hcloud:index/server:Server");
    const nodes = (estate.outputs.nodes as NodeOutput[] | undefined) ?? [];
    const byIp = new Map(servers.map((s) => [String(s.state.ipv4Address), String(s.inputs.name)]));
    const lines = ["flowchart LR"];

    lines.push('  subgraph hetzner["Hetzner (private network)"]');
    for (const s of servers) {
        const n = nodes.find((x) => x.name === s.inputs.name);
        lines.push(`    ${id(String(s.inputs.name))}["${s.inputs.name}<br/>${s.inputs.serverType} · ${n?.privateIp ?? ""}${n?.sshAlias ? ` · ${n.sshAlias}` : ""}"]`);
    }
    lines.push("  end");

    const commands = ofType(resources, "command:remote:Command");
    if (commands.length > 0) {
        const deps = prerequisites(resources);
        const commandUrns = new Set(commands.map((c) => c.urn));
        lines.push('  subgraph bootstrap["k3s bootstrap (in order)"]');
        for (const c of commands) lines.push(`    ${id(c.name)}("${label(c.name)}")`);
        for (const c of commands) {
            for (const d of [...(deps.get(c.urn) ?? [])].filter((u) => commandUrns.has(u)).sort()) {
                lines.push(`    ${id(resources.find((r) => r.urn === d)!.name)} --> ${id(c.name)}`);
            }
        }
        lines.push("  end");
    }

    const records = ofType(resources, "cloudflare:index/dnsRecord:DnsRecord").filter((r) => r.inputs.type === "A");
    const hosts = [...new Set(records.map((r) => String(r.inputs.name)))];
    if (hosts.length > 0) {
        lines.push('  subgraph edge["Cloudflare"]');
        for (const h of hosts) {
            const proxied = records.find((r) => r.inputs.name === h)?.inputs.proxied;
            lines.push(`    ${id(`host_${h}`)}(["${h}${proxied ? "" : " (DNS only)"}"])`);
        }
        lines.push("  end");
        for (const h of hosts) {
            for (const r of records.filter((x) => x.inputs.name === h)) {
                const node = byIp.get(String(r.inputs.content));
                if (node) lines.push(`  ${id(`host_${h}`)} --> ${id(node)}`);
            }
        }
    }

    const workloads = resources.filter((r) => /^kubernetes:apps\/v1:(Deployment|DaemonSet|StatefulSet)$/.test(r.type));
    const charts = resources.filter((r) => r.type === "kubernetes:helm.cattle.io/v1:HelmChart");
    const jobs = resources.filter((r) => r.type === "kubernetes:batch/v1:Job");
    if (workloads.length + charts.length + jobs.length > 0) {
        lines.push('  subgraph workloads["workloads"]');
        for (const c of charts) lines.push(`    ${id(`wl_${c.name}`)}[["${label(c.name)}<br/>Helm chart ${(c.inputs.spec as any)?.chart ?? ""} ${(c.inputs.spec as any)?.version ?? ""}"]]`);
        for (const j of jobs) lines.push(`    ${id(`wl_${j.name}`)}{{"${label(j.name)}<br/>Job"}}`);
        for (const w of workloads) {
            const spec = w.inputs.spec as Record<string, any>;
            const kind = w.type.split(":").pop();
            lines.push(`    ${id(`wl_${w.name}`)}[["${label(w.name)}<br/>${kind}${spec?.replicas ? ` ×${spec.replicas}` : ""}"]]`);
        }
        lines.push("  end");
        for (const c of charts) lines.push(`  ${id(`wl_${c.name}`)} -. every node .-> hetzner`);
        for (const w of workloads) {
            const pin = pinnedNode((w.inputs.spec as Record<string, any>)?.template?.spec);
            lines.push(pin ? `  ${id(`wl_${w.name}`)} -. pinned .-> ${id(pin)}` : `  ${id(`wl_${w.name}`)} -. spread .-> hetzner`);
            for (const j of jobs.filter((x) => w.dependencies.includes(x.urn))) lines.push(`  ${id(`wl_${j.name}`)} -- before --> ${id(`wl_${w.name}`)}`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** The whole docs/estate.md. */
export function estateDoc(estate: Estate): string {
    return [
        "# The honeyDue estate",
        "",
        "Drawn by `npm run plan -- --write-diagram` from the program itself (do not edit by hand; `tests/diagram.test.ts`",
        "fails when this file and the program disagree). Nodes, the k3s bootstrap chain, which node serves",
        "each hostname, and where each workload runs.",
        "",
        "```mermaid",
        diagram(estate).trimEnd(),
        "```",
        "",
    ].join("\n");
}
