// Adopting the book's running cluster under mocks, in ONE configuration run: adopt.k3s (so the
// bundled-Traefik check runs first) and adopt.kubernetes listing the objects that already run,
// with the Redis claim under its running name. What is imported, by which id, what is ignored
// while adopting, that the claim is protected, and that nothing else changes. The check script's
// side is in tests/traefik-scripts.test.ts.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Registration } from "../offline/capture";
import { dependsOn, ofType, one, unwrap } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";

const adopted = [
    "Namespace/honeydue",
    "PersistentVolumeClaim/redis-queue",
    "Deployment/redis",
    "Service/redis",
    "Deployment/api",
    "Service/api",
    "Ingress/api-myhoneydue-com",
    "Secret/registry",
];
/** Pulumi resource → the import id pulumi-kubernetes reads (`namespace/name`, or `name` when cluster-scoped). */
const expected: Record<string, string> = {
    "kubernetes:core/v1:Namespace::honeydue": "honeydue",
    "kubernetes:core/v1:PersistentVolumeClaim::honeydue-redis-data": "honeydue/redis-queue",
    "kubernetes:apps/v1:Deployment::honeydue-redis": "honeydue/redis",
    "kubernetes:core/v1:Service::honeydue-redis": "honeydue/redis",
    "kubernetes:apps/v1:Deployment::honeydue-api": "honeydue/api",
    "kubernetes:core/v1:Service::honeydue-api": "honeydue/api",
    "kubernetes:networking.k8s.io/v1:Ingress::honeydue-api-myhoneydue-com": "honeydue/api-myhoneydue-com",
    "kubernetes:core/v1:Secret::honeydue-registry": "honeydue/registry",
};
const key = (r: Registration) => `${r.type}::${r.name}`;

let estate: Estate;
before(async () => {
    estate = await runEstate({
        overrides: {
            "honeydue:adopt": { k3s: true, kubernetes: adopted },
            "honeydue:k3sToken": "PLACEHOLDERrunningClusterToken00000000000000",
            "honeydue:redis": { claimName: "redis-queue" },
            "honeydue:protect": false,
            // Also the edge check switched off, checked below without a run of its own.
            "honeydue:smokeThroughEdge": false,
        },
        secretKeys: ["honeydue:k3sToken"],
    });
});

describe("adopting the running Kubernetes objects", () => {
    it("imports exactly the listed objects, each by its namespace/name", () => {
        const got = Object.fromEntries(estate.resources.filter((r) => r.importId && r.type.startsWith("kubernetes:")).map((r) => [key(r), r.importId]));
        assert.deepEqual(got, expected);
    });

    it("names the claim as it runs, and keeps it protected even with honeydue:protect false", () => {
        const claim = one(estate.resources, "kubernetes:core/v1:PersistentVolumeClaim", "honeydue-redis-data");
        assert.equal((unwrap(claim.inputs.metadata) as { name: string }).name, "redis-queue");
        assert.equal(claim.protect, true);
        const volumes = (unwrap(one(estate.resources, "kubernetes:apps/v1:Deployment", "honeydue-redis").inputs.spec) as any).template.spec.volumes;
        assert.equal(volumes[0].persistentVolumeClaim.claimName, "redis-queue", "Redis mounts the adopted claim");
    });

    it("ignores spec and metadata of an adopted object while it is listed (the adopting up only imports), and nothing of the others", () => {
        for (const r of estate.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom)) {
            if (r.type.endsWith(":Ingress") && expected[key(r)]) continue; // below
            // The cluster-allocated fields stay ignored for good (tests/workloads.test.ts says why).
            const allocated = r.type.endsWith(":Service") ? ["spec.clusterIP"] : r.type.endsWith(":PersistentVolumeClaim") ? ["spec.volumeName"] : [];
            // A Secret has no spec: its type and data are what the adopting up must not write. Without
            // enableSecretMutable, pulumi-kubernetes replaces a Secret whose .type, .stringData or .data
            // changed (provider/pkg/provider/diff.go, forceNewProperties), and the engine refuses to
            // replace a resource that still carries an import id (pulumi/pulumi
            // pkg/resource/deploy/step_generator.go: "previously-imported resources ... may not be replaced").
            const secret = r.type === "kubernetes:core/v1:Secret";
            const want = expected[key(r)] ? (secret ? ["data", "metadata", "stringData", "type"] : ["metadata", "spec"]) : allocated;
            assert.deepEqual([...r.ignoreChanges].sort(), want, key(r));
        }
    });

    it("switches an adopted Ingress to our class in the adopting up, after our Traefik serves, keeping its running rules", () => {
        // The running Ingresses carry class `traefik` (the bundled chart's default class). Our
        // Traefik serves only `honeydue-traefik` (traefik/traefik pkg/provider/kubernetes/ingress/
        // kubernetes.go, loadConfigurationFromIngresses: filterIngressClassByName; shouldProcessIngress),
        // so an Ingress whose class stayed ignored would go unserved once the bundled Traefik is gone.
        // After an import the engine diffs and updates in place what is not ignored (pulumi/pulumi
        // pkg/resource/deploy/step_generator.go, continueResourceImportEvent, #19339). The class was
        // written by another field manager, so the apply must force (pulumi-kubernetes
        // provider/pkg/await/await.go, patchForce: the pulumi.com/patchForce annotation).
        const ingress = one(estate.resources, "kubernetes:networking.k8s.io/v1:Ingress", "honeydue-api-myhoneydue-com");
        assert.equal(ingress.importId, "honeydue/api-myhoneydue-com");
        assert.equal((unwrap(ingress.inputs.spec) as { ingressClassName: string }).ingressClassName, "honeydue-traefik");
        for (const path of ["spec", "metadata", "spec.ingressClassName", "metadata.annotations"]) assert.ok(!ingress.ignoreChanges.includes(path), `${path} is applied`);
        assert.deepEqual([...ingress.ignoreChanges].sort(), ["spec.defaultBackend", "spec.rules", "spec.tls"]);
        assert.equal((unwrap(ingress.inputs.metadata) as { annotations: Record<string, string> }).annotations["pulumi.com/patchForce"], "true");
        for (const node of ["ubuntu-8gb-nbg1-1", "ubuntu-8gb-nbg1-2", "ubuntu-8gb-nbg1-3"]) {
            assert.ok(dependsOn(ingress, one(estate.resources, "command:remote:Command", `${node}-traefik-ready`), estate.resources), `after Traefik serves on ${node}`);
        }
    });

    it("creates what did not run, as a fresh cluster would (the admin panel, the worker, the other Ingresses)", () => {
        for (const name of ["honeydue-admin", "honeydue-worker"]) assert.equal(one(estate.resources, "kubernetes:apps/v1:Deployment", name).importId, "");
        assert.equal(one(estate.resources, "kubernetes:networking.k8s.io/v1:Ingress", "honeydue-admin-myhoneydue-com").importId, "");
    });

    it("asks no hostname through Cloudflare when honeydue:smokeThroughEdge is off, while every node's own check still runs", () => {
        assert.deepEqual(ofType(estate.resources, "command:local:Command").map((c) => c.name), []);
        assert.equal(ofType(estate.resources, "command:remote:Command").filter((c) => c.name.endsWith("-smoke")).length, 3);
    });

    it("checks for k3s's bundled Traefik on node 1 before installing ours, and only on adoption", () => {
        const check = one(estate.resources, "command:remote:Command", "honeydue-bundled-traefik");
        assert.match(String(unwrap(check.inputs.create)), /timeout -k 30 120 bash -s -- --node ubuntu-8gb-nbg1-1 \|\| /);
        assert.match(String(check.inputs.stdin), /^#!\/usr\/bin\/env bash\n# On adoption \(adopt\.k3s\), before our Traefik is installed/);
        const chart = one(estate.resources, "kubernetes:helm.cattle.io/v1:HelmChart", "honeydue-traefik");
        assert.ok(dependsOn(chart, check, estate.resources), "the HelmChart waits for the check");
        assert.equal(ofType(estate.resources, "command:remote:Command").filter((c) => c.name.includes("bundled")).length, 1);
    });

    it("bounds that check, runs it as the workloads' child on node 1's server, and keeps it runnable over sshd", () => {
        const check = one(estate.resources, "command:remote:Command", "honeydue-bundled-traefik");
        // sshd refuses the Setenv that carries a previous output (tests/k3s.test.ts says the same of the cluster's commands).
        assert.equal(check.inputs.addPreviousOutputInEnv, false);
        assert.deepEqual([check.customTimeouts?.create, check.customTimeouts?.update], ["5m", "5m"], "Pulumi's own bound, above the script's 120 s");
        assert.equal(check.parent, ofType(estate.resources, "honeydue:workloads:Apps")[0].urn);
        assert.equal(check.deletedWith, one(estate.resources, "hcloud:index/server:Server", "ubuntu-8gb-nbg1-1").urn, "goes with node 1's server");
    });
});
