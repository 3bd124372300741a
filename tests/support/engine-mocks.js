// Preloaded (node --require) into a process started the way Pulumi's language host starts the
// program, in place of the engine: the offline mocks answer the program's registrations and
// calls, and at exit the process prints, on its last line, what the program registered and when
// (wall clock, and this process's CPU time) the engine would have seen its first resource: the
// end of loading the program.
// Plain JavaScript, so it needs no TypeScript loader of its own: the offline mocks are required
// on the first registration, once the loader Pulumi.yaml declares is in place.
/* global require, __dirname, process */
/* eslint-disable @typescript-eslint/no-require-imports */
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");

const root = path.join(__dirname, "..", "..");
let offline;
const mocks = () => (offline ??= require(path.join(root, "offline", "mocks.ts")).mocks);
let registered = 0;
let firstResourceAt;
let firstResourceCpu;

// setMocks stands in for the --monitor address: @pulumi/pulumi runtime/settings.ts getMonitor
// returns the mock monitor once setMockOptions has set it, and never dials the address.
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered += 1;
            // The stack resource is registered before the program is required (runtime/stack.ts
            // runInPulumiStack); the program's first resource comes once all its modules are loaded.
            if (firstResourceAt === undefined && args.type !== "pulumi:pulumi:Stack") {
                firstResourceAt = Date.now();
                firstResourceCpu = process.cpuUsage();
            }
            return mocks().newResource(args);
        },
        call: (args) => mocks().call(args),
    },
    "honeydue",
    "prod",
    true,
);

// At exit the runtime tells the engine it is done (runtime/settings.ts signalAndWaitForShutdown,
// from cmd/run/index.ts beforeExitHandler); the mock monitor has no such call, so it answers as
// the engine does.
pulumi.runtime.getMonitor().signalAndWaitForShutdown = (_request, callback) => callback(null, {});

process.on("exit", (code) => {
    process.stdout.write(`${JSON.stringify({ registered, code, firstResourceAt, firstResourceCpu, exitCpu: process.cpuUsage() })}\n`);
});
