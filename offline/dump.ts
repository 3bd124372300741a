// Prints the captured estate as JSON (resources in registration order, then outputs): a way to
// diff what a change does: `npx tsx offline/dump.ts > a.json`.
import { runEstate } from "./run";

runEstate().then(
    (e) => process.stdout.write(`${JSON.stringify({ resources: e.resources, outputs: e.outputs }, null, 1)}\n`),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
