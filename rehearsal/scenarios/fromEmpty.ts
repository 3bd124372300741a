// 2. `pulumi up` from empty: DESIGN.md §6's order, each node's k3s files at mode 0600, the right
//    outputs with `kubeconfig` secret, and no configured secret in plain text in `stack export`.
import { HOSTS } from "../harness/estate";
import { before, type Scenario } from "../harness/scenario";

/** k3s-server.sh writes these with mode 0600 (install_file); DESIGN.md §6. */
export const K3S_FILES = ["/etc/rancher/k3s/config.yaml", "/etc/rancher/k3s/token", "/etc/rancher/k3s/config.yaml.d/90-etcd-s3-credentials.yaml"];

export const fromEmpty: Scenario = {
    name: "up from empty",
    async run(estate, check) {
        const up = await estate.pulumi.operation("up");
        if (!check.exit(up, "ok", "pulumi up from empty")) return [up];
        check.that((up.changes.create ?? 0) > 0 && !up.changes.update && !up.changes.replace && !up.changes.delete, `only creates: ${JSON.stringify(up.changes)}`);

        // The engine's order (DESIGN.md §6): server, then wait for SSH; node 1's k3s ready before
        // node 2's install starts, node 2's before node 3's; the kubeconfig after node 1 is ready.
        const [n1, n2, n3] = estate.nodeNames;
        for (const n of estate.nodeNames) {
            before(up, check, [n], [`${n}-wait`]);
            before(up, check, [`${n}-wait`], [`${n}-k3s`]);
            before(up, check, [`${n}-k3s`], [`${n}-ready`]);
        }
        before(up, check, [`${n1}-ready`], [`${n2}-k3s`]);
        before(up, check, [`${n2}-ready`], [`${n3}-k3s`]);
        const kubeconfig = up.steps.find((s) => s.urn.endsWith("-kubeconfig"));
        check.that(kubeconfig !== undefined, "a kubeconfig command ran");
        const firstKube = up.steps.find((s) => s.type.startsWith("kubernetes:") && !s.type.startsWith("pulumi:providers"));
        check.that(!firstKube || !kubeconfig || kubeconfig.sequence < firstKube.sequence, "the kubeconfig is read before any Kubernetes object is made");

        // The hosts: each node's k3s files exist with mode 0600.
        HOSTS.forEach((host, i) => {
            const r = estate.ssh(host, `stat -c '%a %n' ${K3S_FILES.join(" ")}`);
            check.that(r.code === 0, `${estate.nodeNames[i]} (${host}): k3s files exist: ${r.out.trim()}`);
            for (const line of r.out.trim().split("\n").filter((l) => l.startsWith("/") || /^\d+ /.test(l))) {
                check.that(line.startsWith("600 "), `${estate.nodeNames[i]}: mode 0600: ${line}`);
            }
        });

        // The simulated clouds: three servers with the hosts' addresses, DNS records for them.
        const hcloud = JSON.stringify(estate.cloud("hcloud") ?? {});
        for (const n of estate.nodeNames) check.that(hcloud.includes(n), `hcloud holds server ${n}`);
        const cloudflare = JSON.stringify(estate.cloud("cloudflare") ?? {});
        for (const ip of HOSTS) check.that(cloudflare.includes(ip), `cloudflare holds a record pointing at ${ip}`);

        // The outputs: the nodes' addresses are the hosts', kubeconfig is secret.
        const plain = await estate.pulumi.run(["stack", "output", "--json", "--stack", "rehearsal"]);
        const outputs = JSON.parse(plain.stdout || "{}");
        check.that(outputs.kubeconfig === "[secret]", `kubeconfig is a secret output (got ${JSON.stringify(outputs.kubeconfig)?.slice(0, 40)})`);
        check.that(JSON.stringify(outputs.nodes?.map((n: any) => n.publicIpv4)) === JSON.stringify(HOSTS), `nodes' publicIpv4 are the hosts': ${JSON.stringify(outputs.nodes?.map((n: any) => n.publicIpv4))}`);
        const shown = await estate.pulumi.run(["stack", "output", "kubeconfig", "--show-secrets", "--stack", "rehearsal"]);
        check.that(/apiVersion: v1/.test(shown.stdout) && /server: https:\/\//.test(shown.stdout), "kubeconfig (shown) is a kubeconfig with a server");

        // No configured secret in plain text in the state.
        const exported = await estate.pulumi.run(["stack", "export", "--stack", "rehearsal"]);
        check.that(exported.code === 0, "stack export works");
        for (const secret of estate.secretValues()) {
            const probe = secret.includes("\n") ? secret.split("\n").find((l) => l.length > 20 && !l.startsWith("-----")) ?? secret : secret;
            check.that(!exported.stdout.includes(probe), `stack export holds no plaintext of a configured secret (${probe.slice(0, 18)}…)`);
        }
        return [up];
    },
};
