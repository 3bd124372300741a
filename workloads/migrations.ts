// The migrations gate: goose runs `up` as a Job before the API and the worker roll. Pulumi waits
// for a Job to complete, and the Deployments depend on it, so a failed migration fails
// `pulumi up` with the old pods still serving. The Job's name carries the image tag: a new
// release is a new Job (the old one is deleted after the new one succeeded).
import * as k8s from "@pulumi/kubernetes";
import { databaseUrlKey } from "./secrets";
import { meta, podSpec, versionOf, type Context } from "./workload";

/** Longest a migration may run before Kubernetes stops it (and `pulumi up` fails). */
export const migrationDeadlineSeconds = 600;

/**
 * "honeydue-migrate:8d9ca2e6ed" → "migrate-8d9ca2e6ed": the tag, as a DNS label within 63 characters
 * (versionOf's value is alphanumeric at both ends, so only the cut can leave a dash at the end).
 */
export function migrationJobName(image: string): string {
    const tag = versionOf(image)
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-");
    return `migrate-${tag}`.slice(0, 63).replace(/-+$/, "");
}

export function createMigrations(ctx: Context): k8s.batch.v1.Job {
    const s = ctx.config.migrations;
    const name = migrationJobName(s.image);
    const pod = podSpec(ctx, {
        app: "migrations",
        settings: s,
        // goose reads its connection from GOOSE_DBSTRING: the database URL, by reference only.
        secretKeys: [],
        env: [
            { name: "GOOSE_DRIVER", value: "postgres" },
            { name: "GOOSE_DBSTRING", valueFrom: { secretKeyRef: { name: ctx.secret, key: databaseUrlKey } } },
        ],
        probes: false,
        restartPolicy: "Never",
    });
    return new k8s.batch.v1.Job(
        `${ctx.prefix}-${name}`,
        {
            metadata: {
                ...meta(ctx, name, "migrations", versionOf(s.image)),
                // After a failed run, the next `pulumi up` replaces the Job (runs it again) instead of waiting on the failed one.
                annotations: { "pulumi.com/replaceUnready": "true" },
            },
            spec: {
                // A second try covers a dropped connection; a real migration error fails fast.
                backoffLimit: 1,
                activeDeadlineSeconds: migrationDeadlineSeconds,
                // No ttlSecondsAfterFinished: a Job deleted behind Pulumi's back would run again on the next refresh.
                template: { metadata: { labels: meta(ctx, name, "migrations", versionOf(s.image)).labels }, spec: pod },
            },
        },
        {
            ...ctx.opts,
            // The name is fixed, so a replacement must delete the old Job first.
            deleteBeforeReplace: true,
            customTimeouts: { create: "15m", update: "15m" },
        },
    );
}
