// The Go background worker: takes jobs from Redis, so it needs the same secrets as the API and
// the same schema (it too waits for the migrations Job). No Service: nothing calls it; its health
// endpoint exists for the liveness probe.
import type * as pulumi from "@pulumi/pulumi";
import { appDeployment, type AppWorkload, type Context } from "./workload";

/** `after`: the migrations Job (the gate) and Redis (its queue). */
export function createWorker(ctx: Context, secretKeys: pulumi.Input<string[]>, after: pulumi.Resource[]): AppWorkload {
    return appDeployment(ctx, { app: "worker", settings: ctx.config.worker, secretKeys, service: false, dependsOn: after });
}
