// The k3s bootstrap in the plan: what each remote command does, on which node, in which role and
// at which version (the build-order section shows that they run one after another).
import { describeType, show } from "./index";
import { smokeLines } from "./smoke";

/** "--role init --node n1" → { role: "init", node: "n1" } from a command's text. */
function flags(text: unknown): Record<string, string> {
    const words = typeof text === "string" ? text.split(/\s+/) : [];
    const out: Record<string, string> = {};
    words.forEach((w, i) => {
        if (w.startsWith("--") && words[i + 1] !== undefined) out[w.slice(2)] = words[i + 1];
    });
    return out;
}

describeType("command:remote:Command", (r) => {
    const i = r.inputs as Record<string, unknown>;
    const f = flags(i.create ?? i.delete);
    const kind = r.name.split("-").pop();
    const deleted = r.deletedWith ? `skipped when ${r.deletedWith.split("::").pop()} is deleted` : "";
    // The workloads' Traefik checks (workloads/traefikReady.ts, workloads/bundledTraefik.ts).
    if (r.name.endsWith("-traefik-ready")) return [`${f.node}: wait (at most 10 min) until Traefik generation ${f.generation} serves here: install Job, DaemonSet rollout, this node's pod, port 80`, "runs again when the chart generation or the server changes", deleted];
    if (r.name.endsWith("-origin-ready")) return [`${f.node}: wait (at most 5 min) until Traefik serves the Origin CA certificate (sha256 ${String(f.fingerprint).slice(0, 16)}…) on 443 and refuses clients without the origin-pull certificate`, "runs again when the certificate, the chart generation or the server changes", deleted];
    if (r.name.endsWith("-smoke")) return smokeLines(r, String(i.create ?? ""), f.node);
    if (r.name === "honeydue-bundled-traefik") return [`${f.node}: adoption: stop with the removal steps while k3s's bundled Traefik is installed`, deleted];
    switch (kind) {
        case "wait":
            return [`${f.node}: wait for SSH and cloud-init (exit 2 'degraded' accepted), then check sshd's hardening with 'sshd -T'`, deleted];
        case "halt":
            return [`${f.node}: stop k3s before the first server restores ${f.snapshot} (once per snapshot name)`, deleted];
        case "k3s": {
            const adopted = / --adopt( |$)/.test(String(i.create ?? ""));
            return [
                f.role === "init"
                    ? `${f.node}: install k3s ${f.version} as the first server (cluster-init; rejoins through ${f.peers?.split(",")[0]} if rebuilt), wait for /readyz`
                    : `${f.node}: install k3s ${f.version} and join the cluster, wait for /readyz`,
                "config.yaml (0600), token and B2 credentials arrive on stdin [secret]",
                adopted ? "adopt: a node already on this version is left alone (no install, no config written, no restart) until the next version bump" : "",
                f.restore ? `RESTORE etcd from the B2 snapshot ${f.restore} (cluster reset, once per snapshot name) after the others stopped, then start as the only member` : "",
                f["rejoin-restored"] ? `after the restore from ${f["rejoin-restored"]}: move the old etcd data aside and rejoin (once)` : "",
                deleted,
            ].filter((line) => line !== "");
        }
        case "ready":
            return [`${f.node}: wait until the Node is Ready on ${f.version}; the next server waits for this`, deleted];
        case "drain":
            return [`${f.node}: when its server is replaced or removed, first: cordon, drain and stop k3s on it (skipped when the whole estate goes)`];
        case "membership":
            return [`${f.node}: when its server is replaced or removed, after the drain: delete its Node object from ${f.from}, so k3s drops its etcd member (skipped when the whole estate goes)`];
        case "token":
            return [`read the secure join token from the first server (not logged, stdout secret)`, deleted];
        case "kubeconfig":
            return [`read /etc/rancher/k3s/k3s.yaml from the first server (logging ${show(i.logging)}, stdout secret), point it at the API endpoint`, deleted];
        default:
            return [];
    }
});

describeType("random:index/randomPassword:RandomPassword", (r) => [`k3s cluster token, ${show(r.inputs.length)} characters [secret]`]);
describeType("pulumi:providers:kubernetes", (r) => [`Kubernetes provider from the kubeconfig [secret], clusterIdentifier ${show(r.inputs.clusterIdentifier)}`]);
