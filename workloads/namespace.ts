// The one namespace every honeyDue app lives in. DESIGN §8.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { partOf } from "./workload";

export const namespaceName = "honeydue";

export function createNamespace(prefix: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        prefix,
        {
            metadata: {
                name: namespaceName,
                labels: {
                    "app.kubernetes.io/part-of": partOf,
                    "app.kubernetes.io/managed-by": "pulumi",
                    // The apps run as restricted pods; the namespace refuses anything less.
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        },
        opts,
    );
}
