// What Traefik may read and where it listens besides 80/443: least privilege for the one
// internet-facing process. Kept apart from traefik.ts's TLS and entry-point values.
//
// RBAC. Chart 37.1.2's ClusterRole grants get/list/watch on Secrets in every namespace
// (traefik/traefik-helm-chart v37.1.2 traefik/templates/rbac/clusterrole.yaml). Its namespaced
// mode is no cure here: it always adds a Role in the release's own namespace with `list` on
// Secrets (templates/rbac/role.yaml, `$allNamespaces` starts with `traefik.namespace`), and our
// release lives in kube-system, where k3s keeps its serving key and join tokens; it also turns on
// disableClusterScopeResources, which makes Traefik skip every Ingress with an ingressClassName
// (traefik/traefik v3.5.3 pkg/provider/kubernetes/ingress/kubernetes.go,
// loadConfigurationFromIngresses and shouldProcessIngress). So the chart's RBAC is off
// (`rbac.enabled: false`; its ServiceAccount stays: templates/rbac/serviceaccount.yaml depends
// only on serviceAccount.name) and the program grants what Traefik v3.5.3 watches, read from its
// informers (pkg/provider/kubernetes/ingress/client.go and crd/client.go, WatchAll): in honeydue
// only, Ingresses, Services, EndpointSlices, Secrets, ConfigMaps and its own CRDs; cluster-wide,
// IngressClasses and Nodes, which hold no secret. Both providers watch only honeydue
// (`providers.*.namespaces`), so a Secret anywhere else is neither read nor readable.
//
// Ping (8080) and metrics (9100). The chart renders each port's entry point as
// `--entryPoints.<name>.address=<hostIP>:<port>` and points the probes at `ports.traefik.hostIP`
// (templates/_podtemplate.tpl); on the host network an empty hostIP is every interface of the
// node. Both bind 127.0.0.1: kubelet probes from the node itself, nothing else reaches them.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { namespaceName } from "./namespace";
import type { Context } from "./workload";

/** The chart's ServiceAccount: traefik.fullname is the release name when it contains "traefik" (templates/_helpers.tpl). */
export const traefikServiceAccount = { name: "honeydue-traefik", namespace: "kube-system" };
/** Not the chart's own names (`honeydue-traefik-kube-system`): helm deletes those when the chart's RBAC is switched off. */
export const clusterRoleName = "honeydue-traefik-cluster";
export const roleName = "honeydue-traefik";
export const loopback = "127.0.0.1";

export interface LocalPort {
    hostIP: typeof loopback;
}

/** The chart values that scope Traefik; merged into traefik.ts's values. */
export interface TraefikAccessValues {
    rbac: { enabled: false };
    ports: { traefik: LocalPort; metrics: LocalPort };
    watched: { namespaces: string[] };
}

export function traefikAccessValues(): TraefikAccessValues {
    return {
        rbac: { enabled: false },
        ports: { traefik: { hostIP: loopback }, metrics: { hostIP: loopback } },
        watched: { namespaces: [namespaceName] },
    };
}

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const read = ["get", "list", "watch"];

/** Cluster-scoped reads: the IngressClass our Ingresses name, and Nodes (both providers' cluster informers). */
export const clusterRules: Rule[] = [
    { apiGroups: ["networking.k8s.io"], resources: ["ingressclasses"], verbs: read },
    { apiGroups: [""], resources: ["nodes"], verbs: read },
];

/** In honeydue only: what Traefik v3.5's providers watch (chart 37.1.2 role.yaml lists the same for v3.5). */
export const namespaceRules: Rule[] = [
    { apiGroups: [""], resources: ["services", "configmaps", "secrets"], verbs: read },
    { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
    {
        apiGroups: ["traefik.io"],
        resources: ["ingressroutes", "ingressroutetcps", "ingressrouteudps", "middlewares", "middlewaretcps", "serverstransports", "serverstransporttcps", "tlsoptions", "tlsstores", "traefikservices"],
        verbs: read,
    },
];

const labels = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/part-of": "honeydue", "app.kubernetes.io/managed-by": "pulumi" };

/** The RBAC objects; the HelmChart depends on them, so new Traefik pods start with their rights in place. */
export function createTraefikAccess(ctx: Context): pulumi.Resource[] {
    const subjects = [{ kind: "ServiceAccount", ...traefikServiceAccount }];
    const clusterRole = new k8s.rbac.v1.ClusterRole(`${ctx.prefix}-traefik-cluster`, { metadata: { name: clusterRoleName, labels }, rules: clusterRules }, ctx.opts);
    const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(
        `${ctx.prefix}-traefik-cluster`,
        { metadata: { name: clusterRoleName, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name }, subjects },
        ctx.opts,
    );
    const role = new k8s.rbac.v1.Role(`${ctx.prefix}-traefik`, { metadata: { name: roleName, namespace: ctx.namespace, labels }, rules: namespaceRules }, ctx.opts);
    const binding = new k8s.rbac.v1.RoleBinding(
        `${ctx.prefix}-traefik`,
        { metadata: { name: roleName, namespace: ctx.namespace, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects },
        ctx.opts,
    );
    return [clusterRole, clusterBinding, role, binding];
}
