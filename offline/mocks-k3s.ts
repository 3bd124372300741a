// What the k3s layer's resources answer offline: the token generator gives a labelled
// placeholder, the command that reads node 1's kubeconfig gives a realistic k3s.yaml (fake
// certificates, server 127.0.0.1 as k3s writes it), the join-token read gives a secure-form token.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { addResourceState, plain } from "./mockRegistry";

export const k3sYamlFixture = readFileSync(join(__dirname, "fixtures", "k3s.yaml"), "utf8");
export const mockClusterToken = "PLACEHOLDERk3sClusterToken000000000000000000000";
export const mockSecureToken = `K10${"0".repeat(60)}::server:${mockClusterToken}`;

// As random_password does, `length` characters (the placeholder is 48 long: a shorter token shows).
// Redis's passwords (honeydue-redis-apps, honeydue-redis-backup) differ, so a test can tell them apart.
export const mockRedisPassword = (name: string, length = 40) => `PLACEHOLDER${name.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(length, "0").slice(0, length);
addResourceState("random:index/randomPassword:RandomPassword", (a) =>
    /-redis-/.test(a.name) ? { result: mockRedisPassword(a.name, Number(a.inputs.length)) } : { result: mockClusterToken.slice(0, Number(a.inputs.length ?? mockClusterToken.length)) },
);
addResourceState("command:remote:Command", (a) => {
    const create = String(plain(a.inputs.create) ?? "");
    if (create.endsWith("cat /etc/rancher/k3s/k3s.yaml")) return { stdout: k3sYamlFixture, stderr: "" };
    if (create.endsWith("cat /var/lib/rancher/k3s/server/token")) return { stdout: `${mockSecureToken}\n`, stderr: "" };
    return { stdout: "", stderr: "" };
});
