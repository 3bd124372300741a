// Every Kubernetes object the program creates validates against the Kubernetes OpenAPI schema
// (kubernetes-models), and the validation does reject a broken object. The HelmChart custom
// resource has no model there: it is checked against helm-controller's HelmChartSpec by hand.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import type { Registration } from "../offline/capture";
import { manifest, modelModule, modelOf, validateObject } from "../offline/manifests";
import { ofType, one } from "../offline/query";
import { runEstate, type Estate } from "../offline/run";

let estate: Estate;
let objects: Registration[];
before(async () => {
    estate = await runEstate();
    objects = estate.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
});

type Obj = Record<string, any>;

describe("Kubernetes OpenAPI schema", () => {
    it("maps Pulumi type tokens to kubernetes-models modules", () => {
        assert.equal(modelModule("kubernetes:apps/v1:Deployment"), "kubernetes-models/apps/v1/Deployment");
        assert.equal(modelModule("kubernetes:core/v1:Secret"), "kubernetes-models/v1/Secret");
        assert.equal(modelModule("kubernetes:networking.k8s.io/v1:Ingress"), "kubernetes-models/networking.k8s.io/v1/Ingress");
        assert.equal(modelModule("pulumi:providers:kubernetes"), undefined);
    });

    it("validates every object the program creates (all but the HelmChart have a model)", async () => {
        const validated: string[] = [];
        const unmodelled: string[] = [];
        for (const r of objects) {
            try {
                if (await validateObject(r.type, manifest(r))) validated.push(r.type);
                else unmodelled.push(r.type);
            } catch (e) {
                assert.fail(`${r.type} ${r.name} is not a valid object: ${(e as Error).message}`);
            }
        }
        assert.deepEqual(unmodelled, ["kubernetes:helm.cattle.io/v1:HelmChart"]);
        assert.equal(validated.length, objects.length - 1);
        assert.ok(validated.length >= 19);
    });

    it("sends apiVersion and kind with every object", () => {
        for (const r of objects) {
            const [, groupVersion, kind] = r.type.split(":");
            const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice(5) : groupVersion;
            assert.equal(r.inputs.apiVersion, apiVersion, r.name);
            assert.equal(r.inputs.kind, kind, r.name);
        }
    });

    it("rejects a broken Deployment, Service and Job (the check can fail)", async () => {
        const d = structuredClone(manifest(one(estate.resources, "kubernetes:apps/v1:Deployment", "honeydue-api"))) as Obj;
        d.spec.template.spec.containers[0].ports[0].containerPort = "eight thousand";
        await assert.rejects(validateObject("kubernetes:apps/v1:Deployment", d), /containerPort must be integer/);

        const noProbePort = structuredClone(manifest(one(estate.resources, "kubernetes:apps/v1:Deployment", "honeydue-api"))) as Obj;
        delete noProbePort.spec.template.spec.containers[0].livenessProbe.httpGet.port;
        await assert.rejects(validateObject("kubernetes:apps/v1:Deployment", noProbePort), /must have required property 'port'|required property port/);

        const s = structuredClone(manifest(one(estate.resources, "kubernetes:core/v1:Service", "honeydue-api"))) as Obj;
        s.spec.ports = "80";
        await assert.rejects(validateObject("kubernetes:core/v1:Service", s), /ports must be array/);

        const j = structuredClone(manifest(ofType(estate.resources, "kubernetes:batch/v1:Job")[0])) as Obj;
        delete j.spec.template;
        await assert.rejects(validateObject("kubernetes:batch/v1:Job", j), /required property 'template'|required property template/);
    });

    it("has no model for a kind kubernetes-models does not know", async () => {
        assert.equal(await modelOf("kubernetes:helm.cattle.io/v1:HelmChart"), undefined);
    });
});

describe("the HelmChart custom resource", () => {
    /** helm-controller's HelmChartSpec (k3s-io/helm-controller doc/helmchart.md): the fields and their types. */
    const specFields: Record<string, string> = {
        targetNamespace: "string",
        createNamespace: "boolean",
        chart: "string",
        version: "string",
        repo: "string",
        valuesContent: "string",
        bootstrap: "boolean",
        timeout: "string",
        failurePolicy: "string",
        backOffLimit: "number",
    };

    it("uses only HelmChartSpec fields, with their types, and values that parse as a YAML mapping", () => {
        const chart = one(estate.resources, "kubernetes:helm.cattle.io/v1:HelmChart", "honeydue-traefik");
        const m = manifest(chart) as Obj;
        assert.deepEqual(Object.keys(m).sort(), ["apiVersion", "kind", "metadata", "spec"]);
        assert.match(m.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        for (const [k, v] of Object.entries(m.spec as Obj)) {
            assert.ok(k in specFields, `spec.${k} is not a HelmChartSpec field`);
            assert.equal(typeof v, specFields[k], `spec.${k}`);
        }
        assert.ok(["abort", "reinstall"].includes(m.spec.failurePolicy));
        assert.match(m.spec.version, /^\d+\.\d+\.\d+$/);
        const values = parse(m.spec.valuesContent);
        assert.equal(typeof values, "object");
        assert.ok(!Array.isArray(values));
    });
});
