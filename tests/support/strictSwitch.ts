// The edge with another configuration, as the first `up` of the switch from Flexible to strict:
// IPv6 off, node 3 out of rotation, a DNS-only API hostname, a pinned zone id, SSL strict, TLS 1.3.
// edge-rotation.test.ts checks its edge, workloads-origin.test.ts its workloads; one definition, so
// in one process they share the run (offline/run.ts keys runs by configuration).
import { zoneNow } from "../../offline/mocks-edge";
import { runEstate, type Estate } from "../../offline/run";

export const pinnedZoneId = "0123456789abcdef0123456789abcdef";

/** The estate of that first `up`, the zone still on Flexible (offline/mocks-edge.ts zoneNow). */
export function runStrictSwitch(): Promise<Estate> {
    zoneNow.ssl = "flexible";
    return runEstate({
        overrides: {
            "honeydue:ipv6": "false",
            "honeydue:outOfRotation": ["ubuntu-8gb-nbg1-3"],
            "honeydue:apiHostname": "k8s.myhoneydue.com",
            "honeydue:zoneId": pinnedZoneId,
            "honeydue:sslMode": "strict",
            "honeydue:minTlsVersion": "1.3",
        },
    });
}
