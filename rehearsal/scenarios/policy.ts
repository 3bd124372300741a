// 1. `pulumi preview --policy-pack policy` on a fresh stack passes; a server type the policy forbids
//    (but config/ accepts: it only checks the form) fails with the policy's own message.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { Scenario } from "../harness/scenario";

export const policy: Scenario = {
    name: "policy pack on preview",
    async run(estate, check) {
        const good = await estate.pulumi.operation("preview", ["--policy-pack", "policy"]);
        check.exit(good, "ok", "preview --policy-pack policy of the rehearsal stack");
        const mandatory = good.policies.filter((p) => p.enforcementLevel === "mandatory");
        check.that(mandatory.length === 0, `no mandatory policy violation on the good stack, got: ${mandatory.map((p) => p.policyName).join(", ")}`);
        check.that((good.changes.create ?? 0) > 0, "the fresh stack's preview plans creates");

        // The broken stack: the same file (same passphrase salt and secrets) with serverType cx43.
        const broken = `${estate.pulumi.configFile}.broken.yaml`;
        copyFileSync(estate.pulumi.configFile, broken);
        const doc = parse(readFileSync(broken, "utf8"));
        doc.config["honeydue:serverType"] = "cx43";
        writeFileSync(broken, stringify(doc));
        const bad = await estate.pulumi.operation("preview", ["--policy-pack", "policy"], broken);
        check.exit(bad, "fail", "preview --policy-pack policy with honeydue:serverType cx43");
        const hit = bad.policies.find((p) => p.policyName === "hetzner-server-type");
        check.that(hit?.enforcementLevel === "mandatory", "hetzner-server-type reports a mandatory violation");
        check.that(/server type cx43 is not allowed/.test(hit?.message ?? ""), `the policy's message names cx43: ${hit?.message}`);
        check.that(/server type cx43 is not allowed/.test(bad.stdout + bad.stderr), "the CLI prints the policy's message");
        check.that(estate.cloud("hcloud") === undefined || JSON.stringify(estate.cloud("hcloud")).indexOf("cx43") < 0, "a preview creates nothing in the simulated hcloud");
        return [good, bad];
    },
};
