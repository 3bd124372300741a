// The k3s cluster: DESIGN §6. Values k3s requires to be equal on every server live here once.
import { z } from "zod";
import { cidr, cronSchedule, fqdn, int, json, overlaps, text, unknownFields } from "./fields";

/** A SHA-256 as `sha256sum` prints it; every failure, missing included, says what is expected. */
const sha256 = (what: string) => text(/^[0-9a-f]{64}$/, `expected ${what}`);

export const clusterKeys = {
    k3sVersion: z
        .string()
        .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, {
            error: "expected a pinned k3s release such as v1.34.6+k3s1 (not a channel like 'stable' or a partial version)",
        })
        .default("v1.34.6+k3s1"),
    /**
     * SHA-256 of install.sh at the tag k3sVersion, and of that release's k3s binary for the nodes'
     * architecture (the asset k3s for x86 types such as cx33, k3s-arm64 for cax): recorded by the
     * operator for each version (docs/runbook/upgrade-k3s.md); the nodes refuse anything else.
     */
    k3sInstallerSha256: sha256("the SHA-256 of install.sh at the tag of honeydue:k3sVersion (64 lower-case hex digits; docs/runbook/upgrade-k3s.md says how to get it)"),
    k3sBinarySha256: sha256("the SHA-256 of the k3s binary of honeydue:k3sVersion for the nodes' architecture, from the release's sha256sum-amd64.txt, or sha256sum-arm64.txt for cax types (64 lower-case hex digits; docs/runbook/upgrade-k3s.md)"),
    clusterCidr: cidr.default("10.42.0.0/16"),
    serviceCidr: cidr.default("10.43.0.0/16"),
    /**
     * A DNS-only name for the Kubernetes API (in tls-san); the kubeconfig uses node 1's public IPv4 without it.
     * Its records are DNS-only, so they publish every node's real public address: anyone can find
     * the origin and bypass Cloudflare (only the firewall's adminCidrs then guard 22 and 6443).
     */
    apiHostname: fqdn.optional(),
    etcdSnapshotSchedule: cronSchedule("expected a five-field cron expression (minute hour day-of-month month day-of-week) such as '0 */6 * * *'").default("0 */6 * * *"),
    etcdSnapshotRetention: int(1, 500).default(28),
    b2Bucket: z.string().regex(/^[A-Za-z0-9-]{6,50}$/, { error: "expected a Backblaze B2 bucket name (6-50 letters, digits, '-')" }).default("honeyDueProd"),
    b2Region: z.string().regex(/^[a-z]{2}-[a-z]+-\d{3}$/, { error: "expected a Backblaze B2 region such as us-east-005" }).default("us-east-005"),
    b2KeyId: text(/^[A-Za-z0-9]{12,40}$/, "expected a Backblaze B2 application key id (12-40 letters and digits)"),
    etcdSnapshotFolder: z.string().regex(/^[a-z0-9][a-z0-9/_-]*$/, { error: "expected a folder name such as etcd-snapshots" }).default("etcd-snapshots"),
    /** The private network's NIC on the node: flannel and etcd traffic stay on it. On Hetzner CX with Ubuntu 24.04 it is enp7s0. */
    privateInterface: z
        .string()
        .regex(/^[a-z][a-z0-9._-]{0,14}$/, { error: "expected a Linux network interface name such as enp7s0 (the node's private NIC)" })
        .default("enp7s0"),
    /** Flannel's backend; equal on every server. wireguard-native encrypts pod traffic between nodes. */
    flannelBackend: z
        .enum(["vxlan", "wireguard-native", "host-gw"], { error: "expected vxlan, wireguard-native or host-gw" })
        .default("vxlan"),
    /**
     * Restore etcd from a snapshot in the B2 bucket's etcdSnapshotFolder: node 1 resets the cluster
     * from it, then the others rejoin, once per snapshot name (docs/runbook/restore-etcd.md).
     */
    etcdRestore: json(
        z.strictObject(
            {
                snapshot: z
                    .string({ error: "expected the snapshot's file name" })
                    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,250}$/, {
                        error: "expected a snapshot's file name in the bucket's etcd folder, such as etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600 (no folder, no path)",
                    }),
            },
            {
                error: (issue) =>
                    issue.code === "unrecognized_keys"
                        ? unknownFields(issue.keys, ["snapshot"])
                        : 'expected a JSON object such as {"snapshot": "etcd-snapshot-ubuntu-8gb-nbg1-1-1764201600"}',
            },
        ),
    ).optional(),
};

type Cluster = z.infer<z.ZodObject<typeof clusterKeys>> & { networkCidr: string };

export function checkCluster(c: Cluster, issue: (key: string, message: string) => void): void {
    const ranges = [
        ["clusterCidr", c.clusterCidr],
        ["serviceCidr", c.serviceCidr],
        ["networkCidr", c.networkCidr],
    ] as const;
    ranges.forEach(([keyA, a], i) =>
        ranges.slice(i + 1).forEach(([keyB, b]) => {
            if (overlaps(a, b)) issue(keyA, `${a} overlaps ${keyB} ${b}; expected ranges that do not overlap`);
        }),
    );
}

/** B2's S3-compatible endpoint for a region. */
export const b2Endpoint = (region: string) => `s3.${region}.backblazeb2.com`;
