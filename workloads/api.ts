// The Go API: serves api.myhoneydue.com and the public pages, behind Traefik. It talks to Postgres,
// Redis, B2 and SMTP, so it reads every app secret. It rolls only after the migrations Job.
import type * as pulumi from "@pulumi/pulumi";
import { appDeployment, type AppWorkload, type Context } from "./workload";

/** `after`: the migrations Job (the gate) and Redis (the API needs it to start). */
export function createApi(ctx: Context, secretKeys: pulumi.Input<string[]>, after: pulumi.Resource[]): AppWorkload {
    return appDeployment(ctx, { app: "api", settings: ctx.config.api, secretKeys, service: true, dependsOn: after });
}
