// The smoke checks that end `pulumi up`: the estate must serve, not only exist. Round-robin DNS
// sends a third of the requests to each node, so each node's own Traefik is asked for every routed
// hostname (infra/scripts/smoke-node.sh over SSH, like workloads/traefikReady.ts), and optionally
// every hostname is asked once more through Cloudflare from where `pulumi up` runs.
//
// When they run (pulumi/pulumi-command provider/pkg/provider/common/inputs.go: `triggers` is
// tagged replaceOnChanges, so a changed trigger replaces the command, which runs `create` again;
// provider/pkg/provider/remote/commandController.go and local/commandController.go, Update: any
// other changed input runs `create` again too, there being no `update`; no changed input, no
// run). So the triggers are exactly what changes what a hostname answers: the routed apps'
// images, the routes, the node's server and Traefik's chart generation; the command text carries
// only the hostnames, paths and node names. A no-change `up` runs nothing.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import { apps as routedApps, type RoutedApp } from "../config/edge";
import type { Node } from "../infra/hetzner";
import { connection } from "../infra/k3s/connection";
import { runScript, script, withPayload } from "../infra/k3s/scripts";
import type { Apps } from "./index";
import { namespaceName } from "./namespace";
import { traefikRelease } from "./traefik";

/**
 * What each routed app answers on its health path: the API (Go) with JSON, the admin (Next.js)
 * with an HTML page. A hostname routed to the wrong app answers the other type, or a 404.
 */
export const contentTypes: Record<RoutedApp, string> = { api: "application/json", admin: "text/html" };

/** One `--check HOSTNAME APP PATH CONTENT-TYPE` per routed hostname, paths from the apps' settings. */
export function smokeChecks(config: Pick<EstateConfig, "routes" | RoutedApp>): string[] {
    return Object.entries(config.routes).flatMap(([host, app]) => ["--check", host, app, config[app].healthPath ?? "/", contentTypes[app]]);
}

/** The triggers that need no cloud: the images of the routed apps and the routes. */
export function plainTriggers(config: Pick<EstateConfig, "routes" | RoutedApp>): string[] {
    const routed = routedApps.filter((app) => Object.values(config.routes).includes(app));
    return [...routed.map((app) => config[app].image), JSON.stringify(Object.entries(config.routes).sort())];
}

/** Longer than the script's bound (SMOKE_TIMEOUT, 180 s) and its backstop (scriptBounds, 300 s). */
const timeouts = { create: "10m", update: "10m" };

export interface SmokeArgs {
    config: EstateConfig;
    nodes: Node[];
    apps: Apps;
    /** What the edge check waits for: the DNS records and the zone's settings (so it asks through the `ssl` mode this update set). */
    edge: pulumi.Resource[];
}

export class Smoke extends pulumi.ComponentResource {
    /** One per node: its own Traefik serves every hostname from the right app. */
    readonly nodes: command.remote.Command[];
    /** Every hostname through Cloudflare, from where `pulumi up` runs (honeydue:smokeThroughEdge). */
    readonly edge?: command.local.Command;

    constructor(name: string, args: SmokeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("honeydue:workloads:Smoke", name, {}, opts);
        const { config, apps } = args;
        const checks = smokeChecks(config);
        const served = [...apps.ingresses, ...apps.traefikReady, apps.api.deployment, apps.admin.deployment];
        this.nodes = args.nodes.map(
            (node) =>
                new command.remote.Command(
                    `${node.spec.name}-smoke`,
                    {
                        connection: connection(node, config),
                        create: runScript("smoke-node", ["--node", node.spec.name, "--namespace", namespaceName, "--traefik", traefikRelease, ...checks], config.sshUser),
                        stdin: withPayload("smoke-node"),
                        addPreviousOutputInEnv: false,
                        triggers: [...plainTriggers(config), node.server.id, apps.traefik.generation],
                    },
                    { parent: this, dependsOn: served, deletedWith: node.server, customTimeouts: timeouts },
                ),
        );
        if (config.smokeThroughEdge) {
            this.edge = new command.local.Command(
                `${name}-smoke-edge`,
                {
                    create: `timeout -k 30 300 bash -s -- --node cloudflare --edge ${checks.map((a) => `'${a}'`).join(" ")}`,
                    stdin: script("smoke-node"),
                    addPreviousOutputInEnv: false,
                    triggers: [...plainTriggers(config), ...args.nodes.map((n) => n.server.id), apps.traefik.generation],
                },
                { parent: this, dependsOn: [...this.nodes, ...args.edge], customTimeouts: timeouts },
            );
        }
        this.registerOutputs({});
    }
}
