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

    for (const create of ["k3s server --token K10deadbeef::server:abc", "K3S_TOKEN=supersecretvalue sh install.sh", "ETCD_S3_SECRET_KEY=abcdefgh k3s etcd-snapshot"]) {
        it(`refuses ${create.split(" ")[0]} written into create`, async () => {
            const bad = installCommand("n1", "10.0.1.11");
            bad.inputs.create = create;
            assert.match(messages(await verdictOf(k.commandNoInlineSecret, [bad]))[0], /^the command's create text carries a literal secret .*; pass the value on stdin or in a 0600 file/);
        });
    }
});

describe("k3s-kubeconfig-secret", () => {
    it("passes the kubeconfig fetch with logging none and a secret stdout", async () => {
        assert.equal((await verdictOf(k.kubeconfigSecret, [kubeconfigCommand()])).status, "passed");
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
    });

    it("is not applicable to other resources (k8s.Provider's __pulumiType is not the registered type)", async () => {
        const v = await verdictOf(k.providerClusterIdentifier, [reg("pulumi:providers:hcloud", "default", {})]);
        assert.equal(v.status, "not applicable");
        assert.equal(K8S_PROVIDER, k.kubernetesProviderType);
    });
});
