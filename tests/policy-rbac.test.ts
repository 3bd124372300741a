// Least privilege (issue 15): no ClusterRole reads Secrets, Traefik's chart keeps its own RBAC off,
// and Traefik's ping and metrics stay on loopback. Each policy fails a bad resource and passes a good one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as r from "../policy/rbac";
import { messages, reg, traefikChart, traefikValues, verdictOf } from "./policy-fixtures";

const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const clusterRole = (rules: unknown[], name = "honeydue-traefik-cluster") => reg(CLUSTER_ROLE, name, { metadata: { name }, rules });
const read = ["get", "list", "watch"];

describe("k8s-secrets-not-cluster-wide", () => {
    it("passes a ClusterRole of IngressClasses and Nodes, and Traefik's chart with its RBAC off", async () => {
        const ok = clusterRole([{ apiGroups: ["networking.k8s.io"], resources: ["ingressclasses"], verbs: read }, { apiGroups: [""], resources: ["nodes"], verbs: read }]);
        assert.equal((await verdictOf(r.clusterSecretsClosed, [ok])).status, "passed");
        assert.equal((await verdictOf(r.clusterSecretsClosed, [traefikChart()])).status, "passed");
    });

    it("refuses a ClusterRole naming secrets or '*' in the core group, unless listed", async () => {
        const secrets = clusterRole([{ apiGroups: [""], resources: ["services", "secrets"], verbs: read }]);
        assert.deepEqual(messages(await verdictOf(r.clusterSecretsClosed, [secrets])), [
            "ClusterRole honeydue-traefik-cluster grants secrets in every namespace; grant Secrets with a Role in the namespace that holds them",
        ]);
        assert.equal((await verdictOf(r.clusterSecretsClosed, [clusterRole([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])])).status, "violated");
        // The core group among others is still the core group.
        assert.equal((await verdictOf(r.clusterSecretsClosed, [clusterRole([{ apiGroups: ["apps", ""], resources: ["deployments", "secrets"], verbs: read }])])).status, "violated");
        // secrets of another API group is not the core Secret.
        assert.equal((await verdictOf(r.clusterSecretsClosed, [clusterRole([{ apiGroups: ["example.io"], resources: ["secrets"], verbs: read }])])).status, "passed");
        const allowed = { "k8s-secrets-not-cluster-wide": { allowedClusterRoles: ["honeydue-traefik-cluster"] } };
        assert.equal((await verdictOf(r.clusterSecretsClosed, [secrets], allowed)).status, "passed");
    });

    // Rules that name no resource grant none: a ClusterRole of non-resource URLs (as Kubernetes' own
    // system:discovery), a rule without resources (the API server refuses it: apiGroups and resources
    // are both required of a resource rule, pkg/apis/rbac/validation ValidatePolicyRule), no rules at all.
    it("passes a ClusterRole of non-resource URLs, a rule or role with nothing in it, and a binding that names no role", async () => {
        for (const rules of [[{ nonResourceURLs: ["/healthz", "/metrics"], verbs: ["get"] }], [{ apiGroups: [""], verbs: read }], undefined]) {
            const role = reg(CLUSTER_ROLE, "honeydue-probe", { metadata: { name: "honeydue-probe" }, ...(rules && { rules }) });
            assert.equal((await verdictOf(r.clusterSecretsClosed, [role])).status, "passed", JSON.stringify(rules));
        }
        for (const roleRef of [{ kind: "ClusterRole" }, undefined]) {
            const unnamed = reg("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "honeydue-probe", { metadata: { name: "honeydue-probe" }, ...(roleRef && { roleRef }) });
            assert.equal((await verdictOf(r.clusterSecretsClosed, [unnamed])).status, "passed", JSON.stringify(roleRef));
        }
    });

    it("judges the RBAC of Traefik's chart only (another chart's values, or none, are not read), and says what it does not apply to", async () => {
        const other = reg("kubernetes:helm.cattle.io/v1:HelmChart", "other", { metadata: { name: "other", namespace: "kube-system" }, spec: { chart: "other", valuesContent: "rbac:\n  enabled: true\n" } });
        const noSpec = reg("kubernetes:helm.cattle.io/v1:HelmChart", "bare", { metadata: { name: "bare", namespace: "kube-system" } });
        for (const chart of [other, noSpec]) assert.equal((await verdictOf(r.clusterSecretsClosed, [chart])).status, "passed", chart.name);
        const deployment = reg("kubernetes:apps/v1:Deployment", "api", { metadata: { name: "api", namespace: "honeydue" } });
        const v = await verdictOf(r.clusterSecretsClosed, [deployment]);
        assert.equal(v.status, "not applicable");
        assert.deepEqual(v.reasons, ["Policy only applies to ClusterRoles, ClusterRoleBindings and Traefik's HelmChart", "Policy only applies to resources of type 'kubernetes:helm.cattle.io/v1:HelmChart'"]);
    });

    it("refuses a ClusterRoleBinding to Kubernetes' own Secret readers (cluster-admin, admin, edit), passes one to a role without Secrets", async () => {
        const binding = (role: string) =>
            reg("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "honeydue-traefik-cluster", {
                metadata: { name: "honeydue-traefik-cluster" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
                subjects: [{ kind: "ServiceAccount", name: "honeydue-traefik", namespace: "kube-system" }],
            });
        assert.deepEqual(messages(await verdictOf(r.clusterSecretsClosed, [binding("edit")])), [
            "ClusterRoleBinding honeydue-traefik-cluster binds Kubernetes' ClusterRole edit, which reads Secrets in every namespace; bind a ClusterRole without Secrets and grant Secrets with a Role in the namespace that holds them",
        ]);
        for (const role of ["cluster-admin", "admin"]) assert.equal((await verdictOf(r.clusterSecretsClosed, [binding(role)])).status, "violated", role);
        for (const role of ["honeydue-traefik-cluster", "view"]) assert.equal((await verdictOf(r.clusterSecretsClosed, [binding(role)])).status, "passed", role);
    });

    it("refuses Traefik's chart with its own RBAC on (the chart's default)", async () => {
        const on = traefikChart(traefikValues.replace("rbac:\n  enabled: false\n", ""));
        assert.match(messages(await verdictOf(r.clusterSecretsClosed, [on]))[0], /^HelmChart honeydue-traefik keeps the chart's RBAC, whose ClusterRole reads Secrets in every namespace; set rbac.enabled: false/);
        assert.equal((await verdictOf(r.clusterSecretsClosed, [traefikChart(traefikValues.replace("  enabled: false\nports", "  enabled: true\nports"))])).status, "violated");
    });
});

describe("k8s-traefik-internal-ports-local", () => {
    it("passes ping and metrics on 127.0.0.1, and a port turned off", async () => {
        assert.equal((await verdictOf(r.traefikInternalPortsLocal, [traefikChart()])).status, "passed");
        // ::1 is loopback, but the chart's unbracketed `::1:9100` is an address Traefik cannot listen on.
        const v6 = traefikChart(traefikValues.replace("  metrics:\n    hostIP: 127.0.0.1", "  metrics:\n    hostIP: '::1'"));
        assert.deepEqual(messages(await verdictOf(r.traefikInternalPortsLocal, [v6])), [
            "HelmChart honeydue-traefik binds Traefik's metrics entry point to ::1, which Traefik cannot listen on (the chart writes ::1:<port> without brackets); set ports.metrics.hostIP: 127.0.0.1 (or ports.metrics: null to turn it off)",
        ]);
        const off = traefikChart(traefikValues.replace("  metrics:\n    hostIP: 127.0.0.1", "  metrics: null"));
        assert.equal((await verdictOf(r.traefikInternalPortsLocal, [off])).status, "passed");
    });

    it("refuses the chart's default (every interface) and a public or wildcard address", async () => {
        const unset = traefikChart(traefikValues.slice(0, traefikValues.indexOf("ports:")));
        assert.deepEqual(messages(await verdictOf(r.traefikInternalPortsLocal, [unset])), [
            "HelmChart honeydue-traefik binds Traefik's traefik entry point to every interface; set ports.traefik.hostIP: 127.0.0.1 (or ports.traefik: null to turn it off)",
            "HelmChart honeydue-traefik binds Traefik's metrics entry point to every interface; set ports.metrics.hostIP: 127.0.0.1 (or ports.metrics: null to turn it off)",
        ]);
        const wildcard = traefikChart(traefikValues.replace("  traefik:\n    hostIP: 127.0.0.1", "  traefik:\n    hostIP: 0.0.0.0"));
        assert.match(messages(await verdictOf(r.traefikInternalPortsLocal, [wildcard]))[0], /traefik entry point to 0\.0\.0\.0/);
    });

    it("reads only Traefik's chart", async () => {
        const other = reg("kubernetes:helm.cattle.io/v1:HelmChart", "other", { metadata: { name: "other", namespace: "kube-system" }, spec: { chart: "other", valuesContent: "a: 1\n" } });
        assert.equal((await verdictOf(r.traefikInternalPortsLocal, [other])).status, "passed");
        const noSpec = reg("kubernetes:helm.cattle.io/v1:HelmChart", "bare", { metadata: { name: "bare", namespace: "kube-system" } });
        assert.equal((await verdictOf(r.traefikInternalPortsLocal, [noSpec])).status, "passed");
    });
});
