// Which test files `npm test` runs together in one process (tests/support/unit.js). Starting a
// test process and loading @pulumi/* costs about 1.6 s of CPU, so the suite's small files share a
// few processes: each entry below is one process, its files run one after the other in the
// listed order (tests/support/group.js), and the entries start in this order, four at a time.
// `waiting` comes first: the node scripts, which mostly sleep in bounded waits and wake for short
// bursts of bash. The `computing` entries run at a lower CPU priority (nice 10), so such a wake-up
// never queues behind them and the waits overlap their work instead of adding to it; the longest
// of them start first. An entry of one file is that file on its own.
//
// A file may join a group if loading it changes nothing process-wide: mocks, the stack's config,
// environment variables, the working directory are set in its hooks or tests, never at its top
// level (its top-level hooks are scoped to its own tests by the group). The estate run under
// mocks is shared (runEstate runs each configuration once per process), so the files that use the
// same configuration gain most in one group.
//
// Every tests/*.test.ts must be listed exactly once (tests/test-groups.test.ts fails otherwise); a
// file listed nowhere still runs, alone, so no test is ever skipped.
/* global module */
const waiting = {
    // The node scripts in a bash sandbox, in two processes (the k3s server script, the others)
    // that wait side by side.
    scripts: ["scripts.test.ts"],
    "scripts-nodes": ["scripts-nodes.test.ts"],
};

const computing = {
    // The estate under mocks with the committed configuration, run once for all. The plan comes
    // first, so its first plan is this process's first run of the program; it also spawns the real
    // `npm run plan`, a dump and the program under Pulumi's runtime (again only when the first
    // load is over its bound).
    estate: [
        "plan.test.ts",
        "diagram.test.ts",
        "edge.test.ts",
        "hetzner.test.ts",
        "k3s.test.ts",
        "manifests.test.ts",
        "workloads.test.ts",
    ],
    // The policy pack: over the estate and its broken copies, per layer, and as the engine's process.
    policy: [
        "policy-estate.test.ts",
        "policy-pack-server.test.ts",
        "policy-cloudflare.test.ts",
        "policy-hetzner.test.ts",
        "policy-k3s.test.ts",
        "policy-kubernetes.test.ts",
        "policy-leaks.test.ts",
        "policy-runner.test.ts",
        "policy-stack.test.ts",
        "policy-rbac.test.ts",
        "policy-guard.test.ts",
        "policy-secretness.test.ts",
    ],
    // The estate under other configurations (adoption, a rotation, workload settings): a process of
    // their own, so the estate group above is not the one the suite waits for at its end.
    adoption: [
        "workloads-config.test.ts",
        "edge-rotation.test.ts",
        // edge-rotation's first configuration: the run is shared.
        "workloads-origin.test.ts",
        "adopt.test.ts",
        "adopt-k3s.test.ts",
        "adopt-kubernetes.test.ts",
        "e2e.test.ts",
    ],
    // The configuration's errors, the repository's files, the other node scripts, the rehearsal's clouds.
    rest: [
        "config.test.ts",
        "config-adopt.test.ts",
        "config-edge.test.ts",
        "config-k3s.test.ts",
        "config-new-estate.test.ts",
        "config-strict.test.ts",
        "config-workloads.test.ts",
        "config-operator-keys.test.ts",
        "config-ssh-key.test.ts",
        "review-operator.test.ts",
        "cost.test.ts",
        "plan-cli.test.ts",
        "smoke.test.ts",
        "traefik-scripts.test.ts",
        "docs.test.ts",
        "project.test.ts",
        "workflows.test.ts",
        "ci-preview.test.ts",
        "simclouds.test.ts",
        "simclouds-tls.test.ts",
        "simtls-certs.test.ts",
        "redis-backup.test.ts",
        "test-groups.test.ts",
        "mutation-retest.test.ts",
        "mutation-layers.test.ts",
        "zone.test.ts",
    ],
};

module.exports = { waiting, computing };
