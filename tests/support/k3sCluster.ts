// The cluster-wide k3s settings the node-script tests render server configurations from (the
// sandbox in tests/support/sandbox.ts and the SSH test hosts in rehearsal/hosts): the book's values.
import type { EstateConfig } from "../../config";

export const testCluster = {
    clusterCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    flannelBackend: "vxlan",
    privateInterface: "enp7s0",
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 28,
    b2Endpoint: "s3.us-east-005.backblazeb2.com",
    b2Bucket: "honeyDueProd",
    b2Region: "us-east-005",
    etcdSnapshotFolder: "etcd-snapshots",
} as unknown as EstateConfig;
