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
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const layers = {
  config: {
    mutate: ["config/**/*.ts"],
    // One process for nine of them (a nested list: processesOf, below): each loads only
    // configuration; a fresh process per file cost about 21 s of CPU per surviving mutant, one about 5.
    testFiles: [
      [
        "tests/cost.test.ts",
        "tests/config-operator-keys.test.ts",
        "tests/config-ssh-key.test.ts",
        "tests/config-edge.test.ts",
        "tests/config-new-estate.test.ts",
        "tests/config-strict.test.ts",
        "tests/config-adopt.test.ts",
        "tests/config-workloads.test.ts",
        "tests/config-k3s.test.ts",
        "tests/config.test.ts",
      ],
      // Its own process, after the suite: it imports the whole program (offline/run), which cost
      // every config mutant about 1.2 s of CPU before its first test; now only the suite's survivors.
      "tests/workloads-config.test.ts",
    ],
    // A run of one file puts the test files that test it most directly first in its suite: a
    // mutant stops at its first failing test, and a suite in table order made each of cluster.ts's
    // mutants wait for seven files before the one that kills it. Order only: the same tests run.
    first: {
      "config/adopt.ts": ["tests/config-adopt.test.ts"],
      "config/b2Keys.ts": ["tests/config-workloads.test.ts"],
      "config/cluster.ts": ["tests/config-k3s.test.ts", "tests/config.test.ts"],
      "config/cost.ts": ["tests/cost.test.ts"],
      "config/edge.ts": ["tests/config-edge.test.ts"],
      "config/fields.ts": ["tests/config-strict.test.ts"],
      "config/hostKeys.ts": ["tests/config-adopt.test.ts"],
      "config/index.ts": ["tests/config.test.ts"],
      "config/infra.ts": ["tests/config.test.ts"],
      "config/newEstate.ts": ["tests/config-new-estate.test.ts"],
      "config/operatorKeys.ts": ["tests/config-operator-keys.test.ts"],
      "config/secrets.ts": ["tests/config.test.ts"],
      "config/sshKey.ts": ["tests/config-ssh-key.test.ts"],
      "config/workloads.ts": ["tests/config-workloads.test.ts"],
    },
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
      "tests/workloads-config.test.ts", // 2.5 (the workloads under other configurations: probes, adoption of optional objects)
    ],
  },
  policy: {
    mutate: ["policy/**/*.ts", "!policy/node_modules/**"],
    // The policy unit tests in one process (about 4 s of CPU instead of 15), then the whole-estate
    // file (12 s) only for a mutant they all let through.
    testFiles: [
      [
        "tests/policy-guard.test.ts",
        "tests/policy-secretness.test.ts",
        "tests/policy-leaks.test.ts",
        "tests/policy-k3s.test.ts",
        "tests/policy-stack.test.ts",
        "tests/policy-rbac.test.ts",
        "tests/policy-runner.test.ts",
        "tests/policy-hetzner.test.ts",
        "tests/policy-cloudflare.test.ts",
        "tests/policy-kubernetes.test.ts",
        "tests/policy-pack-server.test.ts",
      ],
      "tests/policy-estate.test.ts", // 6.1
    ],
  },
};

// A nested list in testFiles is one process: mutation/run.mjs writes mutation/suites/<folder>-<n>.ts,
// which imports its files, and hands that to the tap runner as one test file. Each test file
// otherwise costs a process of its own per mutant (about 1.5 s of CPU to start: Node, the loader,
// @pulumi/pulumi), more than the quick files' tests themselves. Only files that share a process
// safely are grouped: configuration loads and policy checks. What one file leaves in the process
// (pulumi.runtime's config, say) the files after it see, and a file-level before/after hook is the
// root's, run around the whole suite: start costly things in a describe's own hook, as
// workloads-config and policy-pack-server do.
// A group reports as one test (a kill names the suite), and still ends at its first failing test:
// tap.forceBail, true by default, kills the process on the TAP parser's bailout
// (@stryker-mutator/tap-runner dist/src/tap-helper.js parseTap; schema/tap-runner-options.json).
/**
 * The processes a folder's mutants run in, in order: a test file, or a suite of several; for a run
 * of one file (`target`), its `first` test files lead its suite.
 */
export function processesOf(folder, target = folder) {
  const first = layers[folder].first?.[target] ?? [];
  const lead = (members) => [...first.filter((f) => members.includes(f)), ...members.filter((f) => !first.includes(f))];
  let n = 0;
  return layers[folder].testFiles.map((entry) => (Array.isArray(entry) ? { file: `mutation/suites/${folder}-${++n}.ts`, members: lead(entry) } : { file: entry, members: [entry] }));
}

/**
 * A suite's text: an import of each of its files, and each file's hash. Stryker's incremental run
 * judges a test by its test file's text (a tap test has no location, so it spans the whole file:
 * @stryker-mutator/core dist/src/mutants/incremental-differ.js closeLocations, performFileDiff), and
 * the suite is the test file here: without the hashes a file of it could change (a test added for a
 * survivor, or one weakened) while every earlier verdict was taken over unchanged.
 */
export const suiteSource = (members, root = ".") =>
  `// Written by mutation/run.mjs from mutation/layers.mjs: these test files in one process.\n${members
    .map((m) => `// ${m} sha256 ${createHash("sha256").update(readFileSync(join(root, m))).digest("hex")}\nimport "../../${m.replace(/\.ts$/, "")}";`)
    .join("\n")}\n`;

/** Every test file a folder's mutants run against. */
export const testFilesOf = (folder) => processesOf(folder).flatMap(({ members }) => members);
