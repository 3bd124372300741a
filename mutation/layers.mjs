// The layers mutation testing covers: each folder's TypeScript is mutated and only the test files
// of that layer run against it (a mutant is killed by the layer's own tests, not by an end-to-end
// run that happens to pass through it).
export const layers = {
  config: {
    mutate: ["config/**/*.ts"],
    testFiles: ["tests/config*.test.ts", "tests/workloads-config.test.ts", "tests/cost.test.ts"],
  },
  infra: {
    mutate: ["infra/**/*.ts"],
    testFiles: [
      "tests/hetzner.test.ts", "tests/k3s.test.ts", "tests/adopt-k3s.test.ts", "tests/edge.test.ts",
      "tests/edge-rotation.test.ts", "tests/cost.test.ts", "tests/scripts.test.ts", "tests/scripts-nodes.test.ts",
      "tests/traefik-scripts.test.ts",
    ],
  },
  workloads: {
    mutate: ["workloads/**/*.ts"],
    testFiles: ["tests/workloads.test.ts", "tests/manifests.test.ts", "tests/adopt-kubernetes.test.ts", "tests/traefik-scripts.test.ts"],
  },
  policy: {
    mutate: ["policy/**/*.ts", "!policy/node_modules/**"],
    testFiles: ["tests/policy-*.test.ts"],
  },
};
