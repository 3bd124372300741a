// The wait that makes `pulumi up` fail while Traefik is not serving on every node.
// Why a command over SSH and not the HelmChart itself:
// - pulumi-kubernetes waits only for the kinds in its `awaiters` table (Deployment, DaemonSet,
//   Job, Service, Ingress, PVC, ...; pulumi/pulumi-kubernetes provider/pkg/await/awaiters.go);
//   any other kind, such as a helm.cattle.io/v1 HelmChart, gets condition.NewImmediate unless a
//   `pulumi.com/waitFor` annotation says otherwise (provider/pkg/metadata/overrides.go,
//   ReadyCondition): it is "created" as soon as the API server stores it.
// - helm-controller never sets a success condition on a HelmChart: OnChange writes
//   JobCreated=True / Failed=False when it (re)creates the `helm-install-<name>` Job, and
//   Failed=True only after the Job exhausted its retries (k3s-io/helm-controller
//   pkg/controllers/chart/chart.go, OnChange and jobName). So no waitFor condition means "installed".
// - With failurePolicy abort, a failed upgrade is left failed (FAILURE_POLICY in the Job's env,
//   setFailurePolicy) and the previous release keeps serving with the previous values.
// So each node runs infra/scripts/traefik-ready.sh, bounded, which waits for the install Job of
// this generation, the DaemonSet's rollout, its own Traefik pod and its own port 80. The commands
// are replaced (re-run) whenever the generation changes (pulumi-command: `triggers` is the input
// that forces a replacement) or the node's server does, and the Ingresses wait for all of them.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import type { Node } from "../infra/hetzner";
import { connection } from "../infra/k3s/connection";
import { runScript, withPayload } from "../infra/k3s/scripts";
import { traefikRelease, type Traefik } from "./traefik";

/** Longer than the script's own bound (TRAEFIK_READY_TIMEOUT, 600 s) and its backstop (scriptBounds, 900 s). */
const timeouts = { create: "20m", update: "20m" };

export function traefikReady(traefik: Traefik, nodes: Node[], config: EstateConfig, parent: pulumi.Resource): command.remote.Command[] {
    return nodes.map(
        (node) =>
            new command.remote.Command(
                `${node.spec.name}-traefik-ready`,
                {
                    connection: connection(node, config),
                    create: traefik.generation.apply((generation) =>
                        runScript("traefik-ready", ["--node", node.spec.name, "--chart", traefikRelease, "--host", config.zone, "--generation", generation], config.sshUser),
                    ),
                    stdin: withPayload("traefik-ready"),
                    addPreviousOutputInEnv: false,
                    triggers: [traefik.generation, node.server.id],
                },
                { parent, dependsOn: [traefik.chart], deletedWith: node.server, customTimeouts: timeouts },
            ),
    );
}
