// The Next.js admin panel: serves admin.myhoneydue.com and talks to the API over its public URL.
// It never touches the database, Redis, B2 or SMTP, so it reads only the extra app secrets
// (session keys and the like), and it need not wait for migrations.
import type * as pulumi from "@pulumi/pulumi";
import { appDeployment, type AppWorkload, type Context } from "./workload";

export function createAdmin(ctx: Context, appSecretKeys: pulumi.Input<string[]>): AppWorkload {
    return appDeployment(ctx, { app: "admin", settings: ctx.config.admin, secretKeys: appSecretKeys, service: true });
}
