// 3. Right after an up: `pulumi preview --expect-no-changes` passes and a second up changes nothing
//    (no command re-runs on a host: DESIGN.md §6, "re-running pulumi up with nothing changed runs nothing").
import { HOSTS } from "../harness/estate";
import { changed, type Scenario } from "../harness/scenario";
import { K3S_FILES } from "./fromEmpty";

export const noChange: Scenario = {
    name: "no-change preview and up",
    async run(estate, check) {
        const before = HOSTS.map((h) => estate.ssh(h, `stat -c '%Y %n' ${K3S_FILES.join(" ")}`).out);
        const cloudsBefore = JSON.stringify([estate.cloud("hcloud"), estate.cloud("cloudflare"), estate.cloud("kubernetes")]);
        const preview = await estate.pulumi.operation("preview", ["--expect-no-changes"]);
        check.exit(preview, "ok", "preview --expect-no-changes");
        const up = await estate.pulumi.operation("up", ["--expect-no-changes"]);
        check.exit(up, "ok", "second up --expect-no-changes");
        check.that(changed(up.steps).length === 0, `the second up changed nothing: ${changed(up.steps).map((s) => `${s.op} ${s.urn}`).join(", ")}`);
        check.that(JSON.stringify([estate.cloud("hcloud"), estate.cloud("cloudflare"), estate.cloud("kubernetes")]) === cloudsBefore, "the simulated clouds are unchanged");
        const after = HOSTS.map((h) => estate.ssh(h, `stat -c '%Y %n' ${K3S_FILES.join(" ")}`).out);
        check.that(JSON.stringify(after) === JSON.stringify(before), "no k3s file on a host was rewritten");
        return [preview, up];
    },
};
