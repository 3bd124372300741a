// The TypeScript loader of `npm run plan` and the tests (node --require): sucrase, the loader
// Pulumi.yaml gives the program, through the same require hook (pirates), with three differences:
// - import() stays native, since kubernetes-models (the schema check in offline/manifests.ts) is
//   ESM-only;
// - no source map is made: sucrase keeps every line where it was (its own map says "each line
//   maps directly to the original line", sucrase src/computeSourceMap.ts), and without
//   --enable-source-maps node never reads one (sucrase's register addHook builds and
//   base64-encodes a map per file, for nothing);
// - a file is transpiled once per process: the offline runs (offline/run.ts) forget the program's
//   modules after each run and load them again under the next configuration, and the same source
//   gives the same output.
// It hooks .ts files only and turns on no source-map support, so the dependencies load as plain
// Node loads them (tsx cost each process about a second more). Type checking is `npm run
// typecheck`'s job.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
const { addHook } = require("pirates");
const { transform } = require("sucrase");

const options = { transforms: ["imports", "typescript"], preserveDynamicImport: true };
/** filePath → the source last transpiled and its output. */
const transpiled = new Map();

function compile(code, filePath) {
    const known = transpiled.get(filePath);
    if (known && known.code === code) return known.output;
    const output = transform(code, { ...options, filePath }).code;
    transpiled.set(filePath, { code, output });
    return output;
}

addHook(compile, { exts: [".ts"] });
module.exports = { compile };
