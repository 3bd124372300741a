// 0. The policy pack in the real CLI's analyzer, on a state file, with the CLI alone (no language
//    host, no providers): `pulumi policy analyze --file` (pkg/cmd/pulumi/policy/policy_analyze.go)
//    runs the pack through our launcher given as an executable pack (pkg/resource/plugin/
//    analyzer_plugin.go NewPolicyAnalyzer, "binary analyzer plugin"), which boots the pack's own
//    @pulumi/pulumi/cmd/run-policy-pack. Three servers of a forbidden type fail with the policy's
//    message; of the allowed type that policy is silent.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Estate } from "../harness/estate";
import { account, type Operation } from "../harness/pulumi";
import type { Scenario } from "../harness/scenario";

/** A `pulumi stack export`-shaped state: the stack, the hcloud provider and three servers. */
function stateFile(estate: Estate, serverType: string): string {
    const prefix = "urn:pulumi:rehearsal::honeydue::";
    const stack = `${prefix}pulumi:pulumi:Stack::honeydue-rehearsal`;
    const provider = `${prefix}pulumi:providers:hcloud::default_1_41_0`;
    const servers = estate.nodeNames.map((name, i) => {
        const props = { name, serverType, location: "nbg1", image: "ubuntu-24.04", placementGroupId: 7, firewallIds: [9], deleteProtection: true, rebuildProtection: true, labels: {} };
        return { urn: `${prefix}hcloud:index/server:Server::${name}`, custom: true, id: String(100 + i), type: "hcloud:index/server:Server", parent: stack, provider: `${provider}::p1`, protect: true, inputs: props, outputs: props };
    });
    const deployment = {
        version: 3,
        deployment: {
            manifest: { time: new Date(0).toISOString(), magic: "", version: "v3.276.0" },
            resources: [
                { urn: stack, custom: false, type: "pulumi:pulumi:Stack" },
                { urn: provider, custom: true, id: "p1", type: "pulumi:providers:hcloud", inputs: { version: "1.41.0" }, outputs: { version: "1.41.0" } },
                ...servers,
            ],
        },
    };
    const file = join(estate.state, `analyze-${serverType}.json`);
    writeFileSync(file, JSON.stringify(deployment, null, 2));
    return file;
}

async function analyze(estate: Estate, serverType: string): Promise<Operation> {
    const launcher = join(estate.tools.bin, "pulumi-analyzer-policy-nodejs");
    const run = await estate.pulumi.run(["policy", "analyze", "--policy-pack", launcher, "--file", stateFile(estate, serverType), "--json"], undefined, {
        HONEYDUE_POLICY_PACK: join(estate.root, "policy"),
    });
    const events = run.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
    const log = join(estate.state, `analyze-${serverType}.log`);
    writeFileSync(log, `${run.stdout}\n${run.stderr}`);
    return { ...run, log, events, ...account(events) };
}

export const policyAnalyzer: Scenario = {
    name: "policy pack in the analyzer",
    needs: "cli",
    async run(estate, check) {
        const bad = await analyze(estate, "cx43");
        check.exit(bad, "fail", "policy analyze of three cx43 servers");
        const hit = bad.policies.find((p) => p.policyName === "hetzner-server-type");
        check.that(hit?.enforcementLevel === "mandatory", "hetzner-server-type reports a mandatory violation");
        check.that(/server type cx43 is not allowed/.test(hit?.message ?? ""), `the policy's message names cx43: ${hit?.message}`);
        const good = await analyze(estate, "cx33");
        const silent = good.policies.filter((p) => p.policyName === "hetzner-server-type");
        check.that(good.policies.length > 0 || good.code === 0, `the analyzer ran on the cx33 state (exit ${good.code}, log ${good.log})`);
        check.that(silent.length === 0, `hetzner-server-type is silent on cx33: ${silent.map((p) => p.message).join(" | ")}`);
        return [];
    },
};
