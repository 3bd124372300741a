// The kubeconfig check: the stack's `kubeconfig` output, used the way an operator uses it, shows
// every node Ready on the pinned k3s version (`kubectl get nodes -o json`). The kubeconfig is a
// secret: it goes to a 0600 file in a private temporary folder, removed afterwards, and only the
// nodes' names, readiness and versions are printed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Check } from "./steps";

interface NodeList {
    items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } } }[];
}

/** What is wrong with the nodes `kubectl get nodes -o json` returned; empty when all is well. */
export function nodeProblems(list: NodeList, expected: { names: string[]; version: string }): string[] {
    const problems: string[] = [];
    const seen = new Map(list.items.map((n) => [n.metadata.name, n]));
    for (const name of expected.names) if (!seen.has(name)) problems.push(`node ${name} is not in the cluster`);
    for (const n of list.items) {
        const name = n.metadata.name;
        if (!expected.names.includes(name)) problems.push(`node ${name} is in the cluster but not in honeydue:nodes`);
        const ready = n.status.conditions?.find((c) => c.type === "Ready")?.status;
        if (ready !== "True") problems.push(`node ${name} is not Ready (Ready=${ready ?? "absent"})`);
        const version = n.status.nodeInfo.kubeletVersion;
        if (version !== expected.version) problems.push(`node ${name} runs ${version}, expected ${expected.version} (honeydue:k3sVersion)`);
    }
    return problems;
}

export function kubeconfigCheck(expected: { names: string[]; version: string }, kubectl = "kubectl"): Check {
    return {
        name: "kubeconfig: nodes Ready",
        async run(outputs) {
            const kubeconfig = outputs.kubeconfig?.value;
            if (typeof kubeconfig !== "string" || kubeconfig === "") throw new Error("the stack has no kubeconfig output");
            const dir = mkdtempSync(join(tmpdir(), "honeydue-e2e-"));
            try {
                const file = join(dir, "kubeconfig");
                writeFileSync(file, kubeconfig, { mode: 0o600 });
                const r = spawnSync(kubectl, ["get", "nodes", "-o", "json", "--request-timeout=30s"], { env: { ...process.env, KUBECONFIG: file }, encoding: "utf8", timeout: 60_000 });
                if (r.error) throw new Error(`${kubectl} could not run (${r.error.message}); install kubectl (README, "The end-to-end run")`);
                if (r.status !== 0) throw new Error(`${kubectl} get nodes exited ${r.status}: ${r.stderr.trim()} (is this runner's address in honeydue:adminCidrs?)`);
                const problems = nodeProblems(JSON.parse(r.stdout) as NodeList, expected);
                if (problems.length > 0) throw new Error(problems.join("; "));
                return `${expected.names.length} nodes Ready on ${expected.version}`;
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}
