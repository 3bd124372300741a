// The operator's keys on every node: a planned step that replaces the login user's
// authorized_keys with the configured keys (honeydue:sshPublicKey + sshAuthorizedKeys). Hetzner
// reads a server's SSH keys only at creation (terraform-provider-hcloud internal/server/resource.go:
// ssh_keys ForceNew, read by resourceServerCreate alone) and the program ignores `sshKeys` after it,
// so without this step a rotated key never reaches a running server. A change of the keys changes
// the step's stdin, which re-runs its create on the next `up` (an update runs `create` again:
// pulumi-command provider/pkg/provider/remote/commandController.go `Update`), node by node in the plan.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { EstateConfig } from "../../config";
import { authorizedKeys } from "../../config/operatorKeys";
import type { Node } from "../hetzner";
import { connection } from "./connection";
import { runScript, withPayload } from "./scripts";

export function authorizedKeysStep(node: Node, config: EstateConfig, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const keys = `${authorizedKeys(config).join("\n")}\n`;
    return new command.remote.Command(
        `${node.spec.name}-authorized-keys`,
        {
            connection: connection(node, config),
            addPreviousOutputInEnv: false,
            create: runScript("authorized-keys", ["--node", node.spec.name, "--user", config.sshUser], config.sshUser),
            stdin: withPayload("authorized-keys", { authorized_keys: keys }),
            // A replaced server gets the keys again (its sshKeys may be an older key's).
            triggers: [node.server.id],
        },
        { ...opts, deletedWith: node.server, customTimeouts: { create: "10m", update: "10m" } },
    );
}
