// 12. The end-to-end run on the estate itself (e2e/steps.ts, the same flow `npm run e2e` drives
//     against real clouds), here against the simulated clouds and the test hosts: after scenario 11
//     the stack `rehearsal` is empty and unprotected; up (with the smoke checks), the servers are in
//     the simulated hcloud, a second up changes nothing, destroy empties the cloud, stack rm
//     removes the stack. (The kubeconfig check needs a real API server: it runs in e2e.yml.)
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { endToEnd } from "../../e2e/steps";
import { STACK } from "../harness/estate";
import type { Scenario } from "../harness/scenario";

export const endToEndEstate: Scenario = {
    name: "e2e on the estate",
    async run(estate, check) {
        const stack = await LocalWorkspace.selectStack({ stackName: STACK, workDir: estate.root }, await estate.pulumi.workspaceOptions());
        const servers = () => Object.values((estate.cloud("hcloud")?.tables?.servers ?? {}) as Record<string, { name: string }>).map((s) => s.name);
        const report = await endToEnd(stack, {
            up: { configFile: estate.pulumi.configFile },
            destroy: { configFile: estate.pulumi.configFile },
            checks: [
                {
                    name: "every node's server exists",
                    async run() {
                        const missing = estate.nodeNames.filter((n) => !servers().includes(n));
                        if (missing.length > 0) throw new Error(`no server for ${missing.join(", ")} in the simulated hcloud`);
                        return `${estate.nodeNames.length} servers`;
                    },
                },
            ],
        });
        for (const s of report.steps) check.that(s.verdict === "ok", `${s.step}: ${s.verdict} ${s.detail}`);
        check.that(servers().length === 0, `the simulated hcloud is empty afterwards: ${servers().join(", ")}`);
        return [];
    },
};
