// The workloads layer as one component: everything applied through the cluster's Kubernetes
// provider. A thin class; each piece is built by the function in its own file. DESIGN §8.
import type * as command from "@pulumi/command";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../config";
import type { EdgeRanges } from "../infra/cloudflare/ipRanges";
import type { OriginTls } from "../infra/cloudflare/origin";
import type { Node } from "../infra/hetzner";
import { createAdmin } from "./admin";
import { adoptOptions } from "./adoption";
import { bundledTraefikCheck } from "./bundledTraefik";
import { createApi } from "./api";
import { createIngresses } from "./ingress";
import { createMigrations } from "./migrations";
import { createNamespace, namespaceName } from "./namespace";
import { createNetworkPolicies, type NetworkPolicies } from "./networkPolicies";
import { originReady } from "./originReady";
import { createOriginSecrets, createOriginTlsConfig } from "./originTls";
import { createRedis, type Redis } from "./redis";
import { createRedisAclSecret, redisPasswords } from "./redisAcl";
import { createRedisBackup } from "./redisBackup";
import { appSecretKeys, createAppSecret, createPullSecret, fixedSecretKeys } from "./secrets";
import { createSettings } from "./settings";
import { createTraefik, type Traefik } from "./traefik";
import { createTraefikAccess } from "./traefikAccess";
import { traefikReady } from "./traefikReady";
import { createWorker } from "./worker";
import type { AppWorkload, Context } from "./workload";

export interface AppsArgs {
    config: EstateConfig;
    /** The cluster's provider (built from the fetched kubeconfig by the k3s layer). */
    provider: k8s.Provider;
    /** Cloudflare's ranges: Traefik trusts X-Forwarded-* only from them. */
    cloudflareRanges: pulumi.Output<EdgeRanges>;
    /** The nodes, reached over SSH to check that Traefik serves on each. */
    nodes: Node[];
    /** Off Flexible: the origin's certificate and the origin-pull CA, for Traefik (README, "The origin"). */
    origin?: OriginTls;
}

export class Apps extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly traefik: Traefik;
    /** One bounded wait per node: Traefik of the applied generation serves there. */
    readonly traefikReady: command.remote.Command[];
    readonly redis: Redis;
    /** The scheduled RDB snapshot to B2. */
    readonly redisBackup: k8s.batch.v1.CronJob;
    readonly migrations: k8s.batch.v1.Job;
    readonly api: AppWorkload;
    readonly admin: AppWorkload;
    readonly worker: AppWorkload;
    readonly ingresses: k8s.networking.v1.Ingress[];
    readonly networkPolicies: NetworkPolicies;
    /** Off Flexible: Traefik's TLSStore and TLSOption (the zone's ssl setting waits for them). */
    readonly originTls: pulumi.Resource[];
    /** Off Flexible: one check per node that Traefik serves them on 443 (the zone's ssl setting waits for it). */
    readonly originReady: command.remote.Command[];

    constructor(name: string, args: AppsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("honeydue:workloads:Apps", name, {}, opts);
        const { config, provider } = args;
        const child = { parent: this, provider };

        this.namespace = createNamespace(name, { ...child, ...adoptOptions(config, "Namespace", namespaceName) });
        const base = { prefix: name, config, namespace: this.namespace.metadata.name, opts: child };
        const pullSecret = createPullSecret(base);
        const redisPass = redisPasswords(name, this);
        const appSecret = createAppSecret(base, redisPass.apps);
        const settings = createSettings(base, namespaceName);
        const ctx: Context = { ...base, pullSecret: pullSecret.metadata.name, secret: appSecret.metadata.name, settings: settings.metadata.name };

        const extraKeys = appSecretKeys(ctx);
        const allKeys = extraKeys.apply((keys) => [...fixedSecretKeys, ...keys]);

        // On adoption: stop before our Traefik while k3s's bundled one still holds 80/443.
        const bundled = bundledTraefikCheck(args.nodes[0], config, this);
        const traefikAccess = createTraefikAccess(ctx);
        // Traefik's first pods find the origin's Secrets; its TLSStore and TLSOption follow its CRDs.
        const originSecrets = args.origin ? createOriginSecrets(ctx, args.origin) : [];
        this.traefik = createTraefik(ctx, args.cloudflareRanges, { dependsOn: [...(bundled ? [bundled] : []), ...traefikAccess, ...originSecrets] });
        this.traefikReady = traefikReady(this.traefik, args.nodes, config, this);
        this.originTls = args.origin ? createOriginTlsConfig(ctx, originSecrets, this.traefikReady) : [];
        this.originReady = args.origin
            ? originReady({ nodes: args.nodes, config, certificate: args.origin.certificate, generation: this.traefik.generation, after: this.originTls }, this)
            : [];
        this.redis = createRedis(ctx, createRedisAclSecret(ctx, redisPass));
        this.redisBackup = createRedisBackup(ctx, redisPass);
        this.migrations = createMigrations(ctx);
        this.api = createApi(ctx, allKeys, [this.migrations, this.redis.service]);
        this.worker = createWorker(ctx, allKeys, [this.migrations, this.redis.service]);
        this.admin = createAdmin(ctx, extraKeys);
        this.networkPolicies = createNetworkPolicies(ctx);
        this.ingresses = createIngresses(ctx, { api: this.api.service!, admin: this.admin.service! }, this.traefikReady);

        this.registerOutputs({});
    }
}
