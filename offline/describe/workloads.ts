// The workloads in the plan: what runs where, from which image, how many, behind which host.
import { parse } from "yaml";
import { unwrap } from "../query";
import { describeType, show } from "./index";

type Obj = Record<string, any>;

/** The one container of a pod template: image, command, and what it reads. */
function containerLines(pod: Obj): string[] {
    return ((pod.containers ?? []) as Obj[]).flatMap((c) => {
        const secrets = ((c.env ?? []) as Obj[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
        const res = c.resources ?? {};
        return [
            `image ${c.image}${c.command ? `, command ${c.command.join(" ")}` : ""}${c.args ? `, args ${c.args.join(" ")}` : ""}`,
            `requests ${res.requests?.cpu ?? "-"} cpu / ${res.requests?.memory ?? "-"}, memory limit ${res.limits?.memory ?? "-"}` +
                (c.livenessProbe?.httpGet ? `, probes on :${c.livenessProbe.httpGet.port}${c.livenessProbe.httpGet.path}` : c.livenessProbe ? ", probes (exec)" : ", no probes"),
            secrets.length ? `secrets by reference: ${secrets.join(", ")}` : "no secrets",
        ];
    });
}

describeType("kubernetes:apps/v1:Deployment", (r) => {
    const spec = unwrap(r.inputs.spec) as Obj;
    const pod = spec.template?.spec ?? {};
    const pin = pod.nodeSelector?.["kubernetes.io/hostname"];
    return [
        `${spec.replicas} replica(s), ${spec.strategy?.type ?? "RollingUpdate"}${pod.topologySpreadConstraints ? ", spread across nodes" : ""}${pin ? `, pinned to ${pin}` : ""}`,
        ...containerLines(pod),
    ];
});

describeType("kubernetes:batch/v1:Job", (r) => {
    const spec = unwrap(r.inputs.spec) as Obj;
    return [`runs once per image tag, ${spec.backoffLimit} retry, API and worker roll only after it completes`, ...containerLines(spec.template?.spec ?? {})];
});

describeType("kubernetes:networking.k8s.io/v1:Ingress", (r) => {
    const spec = unwrap(r.inputs.spec) as Obj;
    return ((spec.rules ?? []) as Obj[]).map((rule) => `http://${rule.host}/ -> service ${rule.http.paths[0].backend.service.name} (via ${spec.ingressClassName}, entry point web)`);
});

describeType("kubernetes:core/v1:Service", (r) => {
    const spec = unwrap(r.inputs.spec) as Obj;
    return [`${spec.type} ${((spec.ports ?? []) as Obj[]).map((p) => `${p.port} -> ${p.targetPort}`).join(", ")}`];
});

describeType("kubernetes:core/v1:PersistentVolumeClaim", (r) => {
    const spec = unwrap(r.inputs.spec) as Obj;
    return [`${spec.resources.requests.storage} on ${spec.storageClassName}${r.protect ? ", protected from deletion" : ""}`];
});

/** A NetworkPolicy peer in a few words: app names, a namespace's labelled pods, addresses. */
function peers(list: Obj[]): string {
    const apps = list.flatMap((f) => (f.namespaceSelector ? [] : (f.podSelector?.matchExpressions?.flatMap((e: Obj) => e.values) ?? [])));
    const inNamespace = list.filter((f) => f.namespaceSelector).map((f) => `${Object.values(f.podSelector?.matchLabels ?? {}).join(",")} in ${Object.values(f.namespaceSelector.matchLabels ?? {}).join(",")}`);
    const blocks = list.filter((f) => f.ipBlock).map((f) => f.ipBlock as Obj);
    const addresses = blocks.some((b) => b.except) ? blocks.map((b) => `${b.cidr} but ${(b.except ?? []).length} private ranges`) : blocks.length > 3 ? [`${blocks.length} node addresses`] : blocks.map((b) => b.cidr);
    return [...apps, ...inNamespace, ...addresses].join(" and ");
}
const portsOf = (rule: Obj) => ((rule.ports ?? []) as Obj[]).map((p) => (p.protocol === "UDP" ? `${p.port}/udp` : p.port)).join(", ");

describeType("kubernetes:networking.k8s.io/v1:NetworkPolicy", (r) => {
    const spec = unwrap(r.inputs.spec) as Obj;
    const types = (spec.policyTypes ?? []) as string[];
    if (!spec.ingress?.length && !spec.egress?.length) return [`denies every ${types.join(" and ").toLowerCase()} connection no other policy allows`];
    return [
        ...((spec.ingress ?? []) as Obj[]).map((rule) => `only ${peers(rule.from ?? [])} may connect, on ${portsOf(rule)}`),
        ...((spec.egress ?? []) as Obj[]).map((rule) => `may reach ${peers(rule.to ?? [])}, on ${portsOf(rule)}`),
    ];
});

describeType("kubernetes:policy/v1:PodDisruptionBudget", (r) => [`at most ${show((unwrap(r.inputs.spec) as Obj).maxUnavailable)} pod down during a drain`]);

describeType("kubernetes:core/v1:Secret", (r) => {
    const data = r.inputs.stringData ?? r.inputs.data;
    const keys = Object.keys((unwrap(data) as Obj) ?? {});
    return [`${r.inputs.type}: ${keys.join(", ")} (values secret)`];
});

describeType("kubernetes:core/v1:ConfigMap", (r) => [`plain settings: ${Object.keys((r.inputs.data as Obj) ?? {}).join(", ")}`]);

describeType("kubernetes:helm.cattle.io/v1:HelmChart", (r) => {
    const spec = r.inputs.spec as Obj;
    const values = parse(String(spec.valuesContent)) as Obj;
    const trusted = values.ports?.web?.forwardedHeaders?.trustedIPs ?? [];
    return [
        `chart ${spec.chart} ${spec.version} from ${spec.repo}, installed by k3s's helm-controller into ${spec.targetNamespace}`,
        `${values.deployment?.kind} on the host network, ports ${values.ports?.web?.port}/${values.ports?.websecure?.port}, trusts X-Forwarded-* from Cloudflare (${trusted.length} ranges), dashboard not exposed`,
    ];
});
