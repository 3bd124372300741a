import cloudflareRanges from "../../policy/cloudflare-ip-ranges.json";
import { describeType, show } from "./index";

const cloudflare = new Set([...cloudflareRanges.ipv4Cidrs, ...cloudflareRanges.ipv6Cidrs]);

/** Names a rule's sources the way an operator thinks of them. */
function sources(ips: string[]): string {
    if (ips.length > 0 && ips.every((ip) => cloudflare.has(ip))) return `Cloudflare (${ips.length} ranges)`;
    if (ips.some((ip) => ip.endsWith("/0"))) return "anywhere";
    return ips.join(", ");
}

describeType("hcloud:index/server:Server", (r) => {
    const i = r.inputs as Record<string, any>;
    const nets = (i.networks ?? []) as { ip: string }[];
    const pub = (i.publicNets ?? [])[0] ?? {};
    return [
        `${i.serverType} in ${i.location}, ${i.image}, private ${nets.map((n) => n.ip).join(", ")}, public IPv4${pub.ipv6Enabled ? " + IPv6" : ""} assigned by Hetzner`,
        `spread placement group, firewall attached, ${i.deleteProtection ? "delete+rebuild protected" : "NOT protected"}, ignores later changes to ${r.ignoreChanges.join("/")}`,
        ...(r.importId
            ? [`adopted: kept as it runs (its disk, addresses and placement untouched); labels, protection, firewall and network attachment are brought in line in place`]
            : []),
    ];
});

describeType("hcloud:index/firewall:Firewall", (r) =>
    ((r.inputs.rules ?? []) as Record<string, any>[]).map(
        (rule) => `${rule.direction} ${rule.protocol}${rule.port ? ` ${rule.port}` : ""} from ${sources(rule.sourceIps ?? [])} - ${rule.description}`,
    ),
);
describeType("hcloud:index/network:Network", (r) => [`private network ${show(r.inputs.ipRange)}`]);
describeType("hcloud:index/networkSubnet:NetworkSubnet", (r) => [`subnet ${show(r.inputs.ipRange)} in ${show(r.inputs.networkZone)}`]);
describeType("hcloud:index/placementGroup:PlacementGroup", (r) => [`${show(r.inputs.type)}: each node on a different host`]);
describeType("hcloud:index/sshKey:SshKey", (r) => [`operator key ${String(r.inputs.publicKey).split(" ").slice(0, 1).join("")} …${String(r.inputs.publicKey).split(" ")[2] ?? ""}`]);
