// k3s bootstrap policies, each over a compliant hand-made command or provider and a broken copy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k from "../policy/k3s";
import { installCommand, k8sProvider, K8S_PROVIDER, kubeconfigCommand, messages, reg, verdictOf } from "./policy-fixtures";

describe("k3s-version-pinned", () => {
    it("passes an install pinned with INSTALL_K3S_VERSION; ignores commands that install nothing", async () => {
        assert.equal((await verdictOf(k.k3sVersionPinned, [installCommand("n1", "10.0.1.11")])).status, "passed");
        assert.equal((await verdictOf(k.k3sVersionPinned, [kubeconfigCommand()])).violations.length, 0);
    });

    it("refuses an unpinned install and an install from a channel", async () => {
        const unpinned = installCommand("n1", "10.0.1.11");
        unpinned.inputs.create = "curl -sfL https://get.k3s.io | sh -s - server";
        assert.deepEqual(messages(await verdictOf(k.k3sVersionPinned, [unpinned])), [
            "the command installs k3s without a pinned release; pass INSTALL_K3S_VERSION from honeydue:k3sVersion (e.g. v1.34.6+k3s1)",
        ]);
        const channel = installCommand("n1", "10.0.1.11");
        channel.inputs.create = "curl -sfL https://get.k3s.io | INSTALL_K3S_CHANNEL=stable sh -s - server";
        assert.match(messages(await verdictOf(k.k3sVersionPinned, [channel]))[0], /installs k3s from a channel \(INSTALL_K3S_CHANNEL\)/);
    });

    it("does not take an example release quoted by a script on stdin for a pin", async () => {
        const cmd = installCommand("n1", "10.0.1.11");
        cmd.inputs.create = "bash -s -- --role init --version stable";
        cmd.inputs.stdin = { secret: 'INSTALL_K3S_VERSION="$version" sh install.sh # from https://get.k3s.io\ndie "--version must be a pinned release such as v1.34.6+k3s1"' };
        assert.equal((await verdictOf(k.k3sVersionPinned, [cmd])).status, "violated");
        cmd.inputs.create = "bash -s -- --role init --version v1.34.6+k3s1";
        assert.equal((await verdictOf(k.k3sVersionPinned, [cmd])).status, "passed");
        cmd.inputs.create = "bash -s";
        cmd.inputs.stdin = "INSTALL_K3S_VERSION='v1.34.6+k3s1' sh install.sh";
        assert.equal((await verdictOf(k.k3sVersionPinned, [cmd])).status, "passed");
    });

    // Whatever shape the invocation takes: the version on a line of its own (a heredoc the install reads),
    // set in the command's environment, or inside a structured trigger; and a channel set there is refused.
    it("finds a pinned release anywhere in the command's own text, environment or triggers, and a channel there too", async () => {
        const heredoc = installCommand("n1", "10.0.1.11");
        heredoc.inputs.create = "cat > /run/k3s-version <<'EOF'\nv1.34.6+k3s1\nEOF\nINSTALL_K3S_VERSION=\"$(cat /run/k3s-version)\" /opt/honeydue/install-k3s.sh";
        const viaEnv = installCommand("n1", "10.0.1.11");
        viaEnv.inputs.create = "curl -sfL https://get.k3s.io | sh -s - server";
        viaEnv.inputs.environment = { INSTALL_K3S_VERSION: "v1.34.6+k3s1" };
        const structured = installCommand("n1", "10.0.1.11");
        structured.inputs.create = 'INSTALL_K3S_VERSION="$(cat /run/k3s-version)" /opt/honeydue/install-k3s.sh';
        structured.inputs.triggers = [{ k3s: "v1.34.6+k3s1", node: "ubuntu-8gb-nbg1-1" }];
        for (const cmd of [heredoc, viaEnv, structured]) assert.equal((await verdictOf(k.k3sVersionPinned, [cmd])).status, "passed", String(cmd.inputs.create));
        const channel = installCommand("n1", "10.0.1.11");
        channel.inputs.create = "curl -sfL https://get.k3s.io | sh -s - server";
        channel.inputs.environment = { INSTALL_K3S_CHANNEL: "stable" };
        assert.match(messages(await verdictOf(k.k3sVersionPinned, [channel]))[0], /installs k3s from a channel \(INSTALL_K3S_CHANNEL\)/);
    });

    // The description's vX.Y.Z+k3sN: any number of digits in each part (patch releases reach two digits, v1.28.15+k3s1).
    it("takes a release with several digits in any part as pinned", async () => {
        for (const version of ["v1.28.15+k3s1", "v1.34.6+k3s12", "v10.0.0+k3s1"]) {
            const cmd = installCommand("n1", "10.0.1.11");
            cmd.inputs.create = `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${version} sh -s - server`;
            assert.equal((await verdictOf(k.k3sVersionPinned, [cmd])).status, "passed", version);
        }
    });

    it("finds the version where the command takes it: its triggers", async () => {
        const viaTriggers = installCommand("n1", "10.0.1.11");
        viaTriggers.inputs.create = 'INSTALL_K3S_VERSION="$(cat /run/k3s-version)" /opt/honeydue/install-k3s.sh';
        viaTriggers.inputs.triggers = ["v1.34.6+k3s1"];
        assert.equal((await verdictOf(k.k3sVersionPinned, [viaTriggers])).status, "passed");
    });
});

describe("k3s-command-no-inline-secret", () => {
    it("passes secrets on stdin and variables that read files", async () => {
        const cmd = installCommand("n1", "10.0.1.11");
        cmd.inputs.create = 'K3S_TOKEN="$(cat /etc/rancher/k3s/token)"; k3s server --token "$K3S_TOKEN"; K3S_TOKEN_FILE=/etc/rancher/k3s/token true';
        assert.equal((await verdictOf(k.commandNoInlineSecret, [cmd])).status, "passed");
    });

    for (const [create, what] of [
        ["k3s server --token K10deadbeef::server:abc", "the flag --token"],
        ["K3S_TOKEN=supersecretvalue sh install.sh", "the variable K3S_TOKEN"],
        ["ETCD_S3_SECRET_KEY=abcdefgh k3s etcd-snapshot", "the variable ETCD_S3_SECRET_KEY"],
        ["REDIS_PASSWORD=hunter2hunter2 redis-cli ping", "the variable REDIS_PASSWORD"],
        ['REGISTRY_PASSWORD="hunter2hunter2" docker login', "the variable REGISTRY_PASSWORD"],
        ["SMTP_PASSWORD_B64=aHVudGVyMmh1bnRlcjI= sh mail.sh", "the variable SMTP_PASSWORD_B64"],
        ["B2_APPLICATION_KEY=K005abcdefghijklmnop rclone sync /var/backups b2:honeydue", "the variable B2_APPLICATION_KEY"],
        ["TLS_KEY_FILE_PASSWORD=changeit-0123 sh import.sh", "the variable TLS_KEY_FILE_PASSWORD"],
        ["k3s token rotate --new-token=9f8e7d6c5b4a39281706", "the flag --new-token"],
        ["k3s server --etcd-s3-secret-key=Zm9vYmFyYmF6cXV4 --etcd-s3", "the flag --etcd-s3-secret-key"],
        ["k3s etcd-snapshot save --etcd-s3-secret-key 'Zm9vYmFyYmF6cXV4'", "the flag --etcd-s3-secret-key"],
        ["echo K10" + "0123456789abcdef0123456789abcdef::server:abc > /tmp/t", "a k3s secure token (K10…)"],
        ["printf '%s' '-----BEGIN OPENSSH PRIVATE KEY-----' > /root/.ssh/id", "a private key"],
        ["psql postgresql://honeydue:hunter22@db.example/honeydue -c 'select 1'", "a URL with a password"],
        // However the line is laid out or quoted, and wherever in its name the flag says secret.
        ["k3s server \\\n  --token\t\tK10deadbeef::server:abc", "the flag --token"],
        ["k3s agent --server https://10.0.1.11:6443 -t 'K10deadbeef::server:abc'", "the flag -t (k3s's --token)"],
        ["k3s agent --server https://10.0.1.11:6443 -t  K10deadbeef::server:abc", "the flag -t (k3s's --token)"],
        ["bin/rails server --secret-key-base=9f8e7d6c5b4a39281706", "the flag --secret-key-base"],
        ["keytool -importkeystore --keystore-file-password=changeit-0123", "the flag --keystore-file-password"],
    ] as const) {
        it(`refuses ${what} written into create`, async () => {
            const bad = installCommand("n1", "10.0.1.11");
            bad.inputs.create = create;
            assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [bad])), [
                `the command's create text carries a literal secret in ${what}; pass the value on stdin or in a 0600 file and reference it as a variable`,
            ]);
        });
    }

    // Values too short to be a secret: k3s's own boolean written out, a pod name after kubectl's -t (a tty).
    it("passes a secret-named flag with a short value, and k3s's -t before a short word", async () => {
        const cmd = installCommand("n1", "10.0.1.11");
        cmd.inputs.create = "k3s server --secrets-encryption=true --cluster-init; k3s kubectl exec -t redis -- redis-cli ping";
        assert.equal((await verdictOf(k.commandNoInlineSecret, [cmd])).status, "passed");
    });

    it("reads the delete and update texts too, and passes flags that name a file", async () => {
        const bad = installCommand("n1", "10.0.1.11");
        bad.inputs.delete = "k3s token rotate --new-token=9f8e7d6c5b4a39281706";
        assert.match(messages(await verdictOf(k.commandNoInlineSecret, [bad]))[0], /^the command's delete text carries a literal secret in the flag --new-token/);
        const ok = installCommand("n1", "10.0.1.11");
        ok.inputs.create = "k3s server --token-file /etc/rancher/k3s/token --etcd-s3-config-secret k3s-etcd-s3 --new-token=\"$NEW_TOKEN\"";
        assert.equal((await verdictOf(k.commandNoInlineSecret, [ok])).status, "passed");
    });

    it("refuses a secret in the environment, plain or even a secret Output (it travels as an SSH variable)", async () => {
        const plain = installCommand("n1", "10.0.1.11");
        plain.inputs.environment = { K3S_TOKEN: "supersecretvalue", NODE: "ubuntu-8gb-nbg1-1" };
        assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [plain])), [
            "the command's environment variable K3S_TOKEN carries a secret (the variable K3S_TOKEN); remove it from environment and send the value on stdin (scripts.ts payload) or in a 0600 file",
        ]);
        const wrapped = installCommand("n1", "10.0.1.11");
        wrapped.inputs.environment = { B2: { secret: "PLACEHOLDERb2ApplicationKey000" } };
        assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [wrapped])), [
            "the command's environment variable B2 carries a secret; remove it from environment and send the value on stdin (scripts.ts payload) or in a 0600 file",
        ]);
    });

    // By name alone (the value may be a path or a reference): the workloads' rule for secret names,
    // in any case; a name that merely contains DSN or KEY, or ends in _ID/_FILE/_PATH/_NAME, is no secret.
    it("refuses an environment variable named for a secret whatever its value, and passes names that only look alike", async () => {
        const env = (environment: Record<string, string>) => {
            const cmd = installCommand("n1", "10.0.1.11");
            cmd.inputs.environment = environment;
            return cmd;
        };
        const named = { DSN: "postgres://db.internal/honeydue", APIKEY: "/run/secrets/api", B2_APPKEY: "/run/secrets/b2", db_password: "/run/secrets/db", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "/run/secrets/oidc" };
        assert.deepEqual(
            messages(await verdictOf(k.commandNoInlineSecret, [env(named)])),
            Object.keys(named).map((n) => `the command's environment variable ${n} carries a secret; remove it from environment and send the value on stdin (scripts.ts payload) or in a 0600 file`),
        );
        const alike = { SENTRY_DSN_ENABLED: "true", KEYBOARD_LAYOUT: "us", AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", K3S_TOKEN_FILE: "/etc/rancher/k3s/token", NODE_NAME: "ubuntu-8gb-nbg1-1" };
        assert.equal((await verdictOf(k.commandNoInlineSecret, [env(alike)])).status, "passed");
    });

    it("judges a local command as a remote one, and says it does not apply to anything else", async () => {
        const local = reg("command:local:Command", "token", { create: "K3S_TOKEN=supersecretvalue sh install.sh" });
        assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [local])), [
            "the command's create text carries a literal secret in the variable K3S_TOKEN; pass the value on stdin or in a 0600 file and reference it as a variable",
        ]);
        const other = await verdictOf(k.commandNoInlineSecret, [reg("kubernetes:core/v1:ConfigMap", "env", { data: { K3S_TOKEN: "supersecretvalue" } })]);
        assert.equal(other.status, "not applicable");
        assert.deepEqual(other.reasons, ["Policy only applies to command:remote:Command and command:local:Command"]);
    });

    it("refuses a secret-looking plain trigger, and passes a trigger that is a secret Output", async () => {
        const bad = installCommand("n1", "10.0.1.11");
        bad.inputs.triggers = ["v1.34.6+k3s1", "K10" + "0123456789abcdef0123456789abcdef::server:abc"];
        assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [bad])), [
            "trigger 1 of the command is a plain value carrying a k3s secure token (K10…); make it a secret Output (pulumi.secret(...)) or trigger on a hash of it",
        ]);
        const ok = installCommand("n1", "10.0.1.11");
        ok.inputs.triggers = ["v1.34.6+k3s1", { secret: "K10" + "0123456789abcdef0123456789abcdef::server:abc" }];
        assert.equal((await verdictOf(k.commandNoInlineSecret, [ok])).status, "passed");
        // A script as a trigger (to re-run when it changes): a secret at the start of one of its lines.
        const script = installCommand("n1", "10.0.1.11");
        script.inputs.triggers = ["#!/bin/sh\nK3S_TOKEN=supersecretvalue k3s agent"];
        assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [script])), [
            "trigger 0 of the command is a plain value carrying the variable K3S_TOKEN; make it a secret Output (pulumi.secret(...)) or trigger on a hash of it",
        ]);
        // A trigger may be any JSON: a token inside an object is as plain as a bare one; a null carries nothing.
        const structured = installCommand("n1", "10.0.1.11");
        structured.inputs.triggers = [null, { join: "K10" + "0123456789abcdef0123456789abcdef::server:abc" }];
        assert.deepEqual(messages(await verdictOf(k.commandNoInlineSecret, [structured])), [
            "trigger 1 of the command is a plain value carrying a k3s secure token (K10…); make it a secret Output (pulumi.secret(...)) or trigger on a hash of it",
        ]);
        const whole = installCommand("n1", "10.0.1.11");
        whole.inputs.triggers = { secret: ["K10" + "0123456789abcdef0123456789abcdef::server:abc"] };
        assert.equal((await verdictOf(k.commandNoInlineSecret, [whole])).status, "passed");
    });
});

describe("k3s-kubeconfig-secret", () => {
    it("passes the kubeconfig fetch that logs none or only stderr, with a secret stdout", async () => {
        assert.equal((await verdictOf(k.kubeconfigSecret, [kubeconfigCommand()])).status, "passed");
        // Logging stderr only: the kubeconfig goes to stdout, which is not logged.
        const stderrOnly = kubeconfigCommand();
        stderrOnly.inputs.logging = "stderr";
        assert.equal((await verdictOf(k.kubeconfigSecret, [stderrOnly])).status, "passed");
    });

    it("reads the update text too: a command that fetches the kubeconfig only on update", async () => {
        const onUpdate = kubeconfigCommand();
        Object.assign(onUpdate.inputs, { create: "true", update: "cat /etc/rancher/k3s/k3s.yaml", logging: "stdout" });
        assert.deepEqual(messages(await verdictOf(k.kubeconfigSecret, [onUpdate])), ['the command prints the kubeconfig (admin credentials); set logging: "none" (now stdout)']);
    });

    it("refuses a fetch that logs the kubeconfig or leaves stdout in clear", async () => {
        const bad = kubeconfigCommand();
        delete bad.inputs.logging;
        bad.additionalSecretOutputs = [];
        assert.deepEqual(messages(await verdictOf(k.kubeconfigSecret, [bad])), [
            'the command prints the kubeconfig (admin credentials); set logging: "none" (now stdoutAndStderr) and additionalSecretOutputs: ["stdout"]',
        ]);
    });
});

describe("k3s-kubernetes-provider-cluster-identifier", () => {
    it("passes a provider with a fixed clusterIdentifier, matched by the registered type string", async () => {
        assert.equal((await verdictOf(k.providerClusterIdentifier, [k8sProvider()])).status, "passed");
    });

    it("refuses a provider without one", async () => {
        const bad = k8sProvider();
        delete bad.inputs.clusterIdentifier;
        const v = await verdictOf(k.providerClusterIdentifier, [bad]);
        assert.match(messages(v)[0], /^the Kubernetes provider has no clusterIdentifier; set a fixed one/);
        // An empty or blank identifier names no cluster: refused like a missing one.
        for (const blank of ["", "  "]) {
            bad.inputs.clusterIdentifier = blank;
            assert.equal((await verdictOf(k.providerClusterIdentifier, [bad])).status, "violated", JSON.stringify(blank));
        }
    });

    it("is not applicable to other resources (k8s.Provider's __pulumiType is not the registered type)", async () => {
        const v = await verdictOf(k.providerClusterIdentifier, [reg("pulumi:providers:hcloud", "default", {})]);
        assert.equal(v.status, "not applicable");
        assert.deepEqual(v.reasons, ["Policy only applies to resources of type 'pulumi:providers:kubernetes'"]);
        assert.equal(K8S_PROVIDER, k.kubernetesProviderType);
    });
});
