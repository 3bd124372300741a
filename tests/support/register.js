// The tests' TypeScript loader (node --require): sucrase, the loader Pulumi.yaml gives the
// program, with one difference: import() stays native, since kubernetes-models (the schema check
// in offline/manifests.ts) is ESM-only. It hooks .ts files only and does not turn on Node's
// source-map support, so the dependencies load as plain Node loads them (tsx cost each test
// process about a second more). Type checking is `npm run typecheck`'s job.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports */
require("sucrase/dist/register").addHook(".ts", { transforms: ["imports", "typescript"], preserveDynamicImport: true });
