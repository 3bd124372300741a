// The plugin process: `plugin <provider> <engine address>`, served by @pulumi/pulumi's own provider
// server (node_modules/@pulumi/pulumi/provider/server.js main: prints the port, then serves gRPC).
// Nothing else may write to stdout: the engine reads the port from its first line.
import { main } from "@pulumi/pulumi/provider";
import { provider as cloudflare } from "./cloudflare";
import { provider as hcloud } from "./hcloud";
import { provider as kubernetes } from "./kubernetes";
import { provider as random } from "./random";
import { provider as tls } from "./tls";

export const providers = { hcloud, cloudflare, kubernetes, random, tls };

const name = process.argv[2] as keyof typeof providers;
if (!providers[name]) {
    process.stderr.write(`usage: plugin <${Object.keys(providers).join("|")}> <engine address>\n`);
    process.exit(2);
}
void main(providers[name], process.argv.slice(3));
