// The layers mutation testing covers: each folder's TypeScript is mutated and only the test files
// of that layer run against it (a mutant is killed by the layer's own tests, not by an end-to-end
// run that happens to pass through it).
//
// Test files are named one by one, quickest first (seconds alone on two cores, in comments) unless
// one file kills most of a layer's mutants: a mutant runs the files that reach its code in this
// order and stops at the first that fails
// (the tap runner's bail; @stryker-mutator/tap-runner dist/src/tap-test-runner.js `run`), and
// Stryker keeps the order the runner reported them in (core dist/src/mutants/test-coverage.js),
// so a killed mutant seldom pays for the slow whole-estate files. The runner globs the list, which
// keeps literal names near the order given (a pattern would come in the order the file system
// walks). tests/mutation-layers.test.ts checks every name is a real file and none is forgotten.
export const layers = {
  config: {
    mutate: ["config/**/*.ts"],
    testFiles: [
      "tests/cost.test.ts", // 1.0
      "tests/config-operator-keys.test.ts", // 1.0
      "tests/config-edge.test.ts", // 1.1
      "tests/config-new-estate.test.ts", // 1.1
      "tests/config-strict.test.ts", // 1.2
      "tests/config-adopt.test.ts", // 1.3
      "tests/config-workloads.test.ts", // 1.3
      "tests/config-k3s.test.ts", // 1.4
      "tests/config.test.ts", // 1.4
      "tests/workloads-config.test.ts", // 1.9
    ],
  },
  infra: {
    mutate: ["infra/**/*.ts"],
    testFiles: [
      "tests/cost.test.ts", // 1.0
      "tests/zone.test.ts", // 0.5
      "tests/traefik-scripts.test.ts", // 1.1
      "tests/config-k3s.test.ts", // 1.4 (the k3s layer's pure pieces: server configs, the kubeconfig rewrite)
      "tests/hetzner.test.ts", // 1.8
      "tests/k3s.test.ts", // 1.9
      "tests/edge.test.ts", // 1.9
      "tests/adopt-k3s.test.ts", // 2.1
      "tests/adopt.test.ts", // ~3 (the Hetzner and Cloudflare imports, recorded host keys, adopted servers' ignoreChanges)
      "tests/edge-rotation.test.ts", // 3.2
      "tests/scripts.test.ts", // 11.9
      "tests/scripts-nodes.test.ts", // 16.8
    ],
  },
  workloads: {
    mutate: ["workloads/**/*.ts"],
    // workloads.test.ts first although not the quickest: it checks what each resource gets, so it
    // is the one that kills most of this layer's mutants (the others then rarely run).
    testFiles: [
      "tests/workloads.test.ts", // 2.1
      "tests/workloads-origin.test.ts", // 1.7 (strict: what only the origin-TLS workloads get)
      "tests/manifests.test.ts", // 2.0
      "tests/traefik-scripts.test.ts", // 1.1
      "tests/adopt-kubernetes.test.ts", // 1.7
    ],
  },
  policy: {
    mutate: ["policy/**/*.ts", "!policy/node_modules/**"],
    testFiles: [
      "tests/policy-guard.test.ts", // 0.3
      "tests/policy-secretness.test.ts", // 0.7
      "tests/policy-leaks.test.ts", // 0.9
      "tests/policy-k3s.test.ts", // 1.0
      "tests/policy-stack.test.ts", // 1.0
      "tests/policy-rbac.test.ts", // 1.0
      "tests/policy-runner.test.ts", // 1.1
      "tests/policy-hetzner.test.ts", // 1.1
      "tests/policy-cloudflare.test.ts", // 1.1
      "tests/policy-kubernetes.test.ts", // 1.2
      "tests/policy-pack-server.test.ts", // 1.7
      "tests/policy-estate.test.ts", // 6.1
    ],
  },
};
