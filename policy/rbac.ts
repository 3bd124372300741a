// Least privilege for what runs in the cluster (issue 15): no cluster-wide right to read Secrets,
// and Traefik's internal entry points (ping, metrics) never on the node's public interfaces.
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { k8sName, list, schemaOf, settings } from "./lib";
import { forHelmCharts } from "./workloads";

const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
/**
 * Kubernetes' own ClusterRoles that read Secrets (kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy
 * policy.go, clusterRoles: cluster-admin "*" on "*"; system:aggregate-to-edit reads secrets and is
 * aggregated into edit, which is aggregated into admin; view has no secrets). Bound cluster-wide
 * they read every Secret, with no ClusterRole of the estate to refuse.
 */
const builtinSecretReaders = ["cluster-admin", "admin", "edit"];

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };

/** The resources of the core group ("" or "*") a rule names that reach Secrets: secrets itself or "*". */
function secretResources(rule: Rule): string[] {
    const core = (rule.apiGroups ?? []).some((g) => g === "" || g === "*");
    return core ? (rule.resources ?? []).filter((r) => r === "secrets" || r === "*") : [];
}

export const clusterSecretsDefaults = { allowedClusterRoles: [] as string[] };
export const clusterSecretsClosed: ResourceValidationPolicy = {
    name: "k8s-secrets-not-cluster-wide",
    description:
        "No ClusterRole of the estate grants Secrets (or '*') in the core group, no ClusterRoleBinding binds Kubernetes' cluster-admin, admin or edit, and Traefik's chart keeps its own RBAC off (rbac.enabled: false): its ClusterRole reads every Secret of every namespace. Secrets are read through a Role in honeydue.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(clusterSecretsDefaults, { allowedClusterRoles: "ClusterRoles (metadata.name) that may name Secrets." }),
    validateResource: [
        (args: ResourceValidationArgs, report) => {
            if (args.type === CLUSTER_ROLE_BINDING) {
                const binding = args.props as { metadata?: { name?: string }; roleRef?: { kind?: string; name?: string } };
                const role = binding.roleRef?.name ?? "";
                if (binding.roleRef?.kind === "ClusterRole" && builtinSecretReaders.includes(role) && !settings(args, clusterSecretsDefaults).allowedClusterRoles.includes(role)) {
                    report(`ClusterRoleBinding ${k8sName(binding, args.name)} binds Kubernetes' ClusterRole ${role}, which reads Secrets in every namespace; bind a ClusterRole without Secrets and grant Secrets with a Role in the namespace that holds them`);
                }
                return;
            }
            if (args.type !== CLUSTER_ROLE) args.notApplicable(`Policy only applies to ClusterRoles, ClusterRoleBindings and Traefik's HelmChart`);
            const role = args.props as { metadata?: { name?: string }; rules?: Rule[] };
            const name = k8sName(role, args.name);
            if (settings(args, clusterSecretsDefaults).allowedClusterRoles.includes(name)) return;
            const named = [...new Set((role.rules ?? []).flatMap(secretResources))];
            if (named.length > 0) report(`ClusterRole ${name} grants ${list(named)} in every namespace; grant Secrets with a Role in the namespace that holds them`);
        },
        forHelmCharts((chart, values, args, report) => {
            if (chart.spec?.chart !== "traefik") return;
            if (values.rbac?.enabled !== false) {
                report(`HelmChart ${k8sName(chart, args.name)} keeps the chart's RBAC, whose ClusterRole reads Secrets in every namespace; set rbac.enabled: false (workloads/traefikAccess.ts grants a Role in honeydue)`);
            }
        }),
    ],
};

/**
 * IPv4 loopback only: the chart writes the entry point as `--entryPoints.<name>.address=<hostIP>:<port>`
 * (templates/_podtemplate.tpl) without brackets, and Traefik listens on that text as is (traefik
 * v3.5.3 pkg/server/server_entrypoint_tcp.go, listenConfig.Listen with EntryPoint.GetAddress), which
 * Go refuses for `::1:8080` ("too many colons in address"): Traefik would not start.
 */
const loopbacks = ["127.0.0.1"];
export const internalPortsDefaults = { entryPoints: ["traefik", "metrics"] };
export const traefikInternalPortsLocal: ResourceValidationPolicy = {
    name: "k8s-traefik-internal-ports-local",
    description:
        "Traefik's internal entry points (ping on `traefik` :8080, Prometheus on `metrics` :9100) bind 127.0.0.1 (ports.<name>.hostIP) or are turned off (ports.<name>: null): on the host network the chart's default is every interface of the node.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(internalPortsDefaults, { entryPoints: "Entry points of Traefik's chart that must stay on loopback." }),
    validateResource: forHelmCharts((chart, values, args, report) => {
        if (chart.spec?.chart !== "traefik") return;
        for (const ep of settings(args, internalPortsDefaults).entryPoints) {
            const port = values.ports?.[ep];
            // null turns the entry point off (the chart renders only ports that are set: templates/_podtemplate.tpl).
            if (port === null) continue;
            const host = port?.hostIP;
            if (typeof host === "string" && host.includes(":")) {
                report(`HelmChart ${k8sName(chart, args.name)} binds Traefik's ${ep} entry point to ${host}, which Traefik cannot listen on (the chart writes ${host}:<port> without brackets); set ports.${ep}.hostIP: 127.0.0.1 (or ports.${ep}: null to turn it off)`);
            } else if (!loopbacks.includes(String(host))) {
                report(`HelmChart ${k8sName(chart, args.name)} binds Traefik's ${ep} entry point to ${host ? String(host) : "every interface"}; set ports.${ep}.hostIP: 127.0.0.1 (or ports.${ep}: null to turn it off)`);
            }
        }
    }),
};

export const rbacPolicies = [clusterSecretsClosed, traefikInternalPortsLocal];
