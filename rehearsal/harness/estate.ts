// The rehearsal's world: a fresh REHEARSAL_STATE, the stack `rehearsal` configured like prod but
// aimed at the test hosts, the simulated providers installed into the isolated PULUMI_HOME, the
// hosts started and read over SSH. The contract with rehearsal/providers and rehearsal/hosts is
// rehearsal/README.md.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { offlineConfig, placeholderSecrets } from "../../offline/stack";
import { Pulumi } from "./pulumi";
import type { Toolchain } from "./toolchain";

export const STACK = "rehearsal";
/** The test hosts, in the order of the stack's `nodes` (contract: 127.0.1.11-13, port 22). */
export const HOSTS = ["127.0.1.11", "127.0.1.12", "127.0.1.13"];

export interface Plugin {
    name: string;
    version: string;
    file: string;
}

export class Estate {
    readonly pulumi: Pulumi;
    readonly nodeNames: string[];

    constructor(
        readonly root: string,
        readonly state: string,
        readonly tools: Toolchain,
    ) {
        this.pulumi = new Pulumi(tools.bin, root, state, STACK);
        const nodes = JSON.parse(offlineConfig().config["honeydue:nodes"]) as { name: string }[];
        this.nodeNames = nodes.map((n) => n.name);
    }

    get hostsDir(): string {
        return join(this.state, "hosts");
    }

    /** Packages the simulated providers and installs them, and the real command provider, by file. */
    async installPlugins(): Promise<Plugin[]> {
        const plugins = await this.installSimulated();
        const command = { name: "command", version: this.tools.commandVersion, file: this.tools.commandPlugin };
        await this.installPlugin(command);
        return [...plugins, command];
    }

    /** Packages the simulated providers and installs those named (all by default). */
    async installSimulated(names?: string[]): Promise<Plugin[]> {
        const out = join(this.state, "plugins");
        mkdirSync(out, { recursive: true });
        execFileSync("bash", [join(this.root, "rehearsal/providers/package.sh"), out], { stdio: ["ignore", "inherit", "inherit"] });
        const plugins = (JSON.parse(readFileSync(join(out, "plugins.json"), "utf8")) as Plugin[]).filter((p) => !names || names.includes(p.name));
        for (const p of plugins) await this.installPlugin(p);
        return plugins;
    }

    private async installPlugin(p: Plugin): Promise<void> {
        // pkg/cmd/pulumi/plugin/plugin_install.go (getFilePayload): --file takes an executable, a folder or a tarball.
        const run = await this.pulumi.run(["plugin", "install", "resource", p.name, p.version, "--file", p.file, "--reinstall"]);
        if (run.code !== 0) throw new Error(`pulumi plugin install resource ${p.name} ${p.version} --file ${p.file}: ${run.stderr || run.stdout}`);
    }

    /**
     * Starts the three test hosts named like the stack's nodes (rehearsal/hosts/up.sh returns once
     * they accept SSH); it writes addresses.json, from which the simulated hcloud gives each server
     * its host's address.
     */
    hostsUp(): void {
        mkdirSync(this.state, { recursive: true });
        execFileSync("bash", [join(this.root, "rehearsal/hosts/up.sh"), ...this.nodeNames], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, REHEARSAL_STATE: this.state } });
        const addresses = JSON.parse(readFileSync(join(this.hostsDir, "addresses.json"), "utf8"));
        this.nodeNames.forEach((n, i) => {
            if (addresses[n] !== HOSTS[i]) throw new Error(`rehearsal/hosts/up.sh mapped ${n} to ${addresses[n]}, expected ${HOSTS[i]}`);
        });
    }

    hostsDown(): void {
        if (!existsSync(join(this.root, "rehearsal/hosts/down.sh"))) return;
        spawnSync("bash", [join(this.root, "rehearsal/hosts/down.sh")], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, REHEARSAL_STATE: this.state } });
    }

    /** Logs in to the file backend, creates the stack and writes its configuration. */
    async createStack(overrides: Record<string, unknown> = {}): Promise<void> {
        mkdirSync(join(this.state, "backend"), { recursive: true });
        await this.must(["login", `file://${join(this.state, "backend")}`]);
        // `stack init` has no --config-file (pkg/cmd/pulumi/stack/stack_new.go): it writes the
        // passphrase's salt into Pulumi.rehearsal.yaml beside Pulumi.yaml; move it out of the repository.
        await this.must(["stack", "init", STACK, "--secrets-provider", "passphrase", "--no-select"]);
        const made = join(this.root, `Pulumi.${STACK}.yaml`);
        renameSync(made, this.pulumi.configFile);
        await this.configure(overrides);
    }

    /**
     * The prod stack's plain values with the test hosts' key pair, written as YAML into the stack's
     * file (typed like Pulumi.yaml declares them); every secret is the offline plan's placeholder
     * (each contains PLACEHOLDER, which `stack export` must never show), set with `config set
     * --secret` through stdin so no value is on a command line.
     */
    async configure(overrides: Record<string, unknown> = {}): Promise<void> {
        const privateKey = readFileSync(join(this.hostsDir, "id_ed25519"), "utf8");
        const publicKey = readFileSync(join(this.hostsDir, "id_ed25519.pub"), "utf8").trim();
        const { config, secretKeys } = offlineConfig({
            "honeydue:sshPublicKey": publicKey,
            "honeydue:adminCidrs": ["127.0.0.1/32"],
            // Nothing leaves the machine: no smoke check through Cloudflare from the harness.
            "honeydue:smokeThroughEdge": false,
            "honeydue:sshPrivateKey": undefined,
            ...overrides,
        });
        const file = this.pulumi.configFile;
        const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
        doc.config = Object.fromEntries(Object.entries(config).filter(([k]) => !secretKeys.includes(k)).map(([k, v]) => [k, typed(v)]));
        writeFileSync(file, stringify(doc));
        for (const key of secretKeys) await this.setSecret(key, config[key]);
        await this.setSecret("honeydue:sshPrivateKey", privateKey);
    }

    async setSecret(key: string, value: string): Promise<void> {
        await this.must(["config", "set", key, "--secret", "--raw", "--stack", STACK, "--config-file", this.pulumi.configFile], value);
    }

    /** Sets plain keys in the stack's file (a scenario's configuration change). */
    setPlain(values: Record<string, unknown>): void {
        const file = this.pulumi.configFile;
        const doc = parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
        for (const [k, v] of Object.entries(values)) {
            if (v === undefined) delete doc.config[k];
            else doc.config[k] = v;
        }
        writeFileSync(file, stringify(doc));
    }

    /** Every configured secret's value, for the plaintext check. */
    secretValues(): string[] {
        return [...Object.values(placeholderSecrets), readFileSync(join(this.hostsDir, "id_ed25519"), "utf8").trim()];
    }

    async must(args: string[], stdin?: string) {
        const run = await this.pulumi.run(args, stdin);
        if (run.code !== 0) throw new Error(`pulumi ${args.join(" ")} (exit ${run.code}): ${run.stderr || run.stdout}`);
        return run;
    }

    /** A simulated cloud's state file ($REHEARSAL_STATE/clouds/<provider>.json). */
    cloud(provider: "hcloud" | "cloudflare" | "kubernetes" | "random"): any {
        const file = join(this.state, "clouds", `${provider}.json`);
        return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
    }

    /** Runs a read-only command on a test host over SSH, as an operator would. */
    ssh(host: string, command: string): { code: number; out: string } {
        const r = spawnSync(
            "ssh",
            [
                "-i",
                join(this.hostsDir, "id_ed25519"),
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                `UserKnownHostsFile=${join(this.hostsDir, "known_hosts")}`,
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                `root@${host}`,
                command,
            ],
            { encoding: "utf8", timeout: 30_000 },
        );
        return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    }
}

/** A config string as offline/stack.ts passes it, back to the YAML value Pulumi.yaml's type expects. */
function typed(value: string): unknown {
    return /^(\[|\{|true$|false$|-?\d+$)/.test(value) ? JSON.parse(value) : value;
}
