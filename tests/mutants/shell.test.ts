// Hand-written mutants of the node scripts (infra/scripts/*.sh), the most security-sensitive code:
// each is one realistic edit, applied to an in-memory copy of the script (tests/mutants/
// apply-mutant.js), and the sandbox tests named in `killedBy` are run against it. Each mutant
// must be killed: at least one of those tests fails. Run by `npm run mutate` (and `npm run
// mutate -- shell`), not by `npm test`: each mutant is one test process of a few seconds.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

interface Mutant {
    script: string;
    find: string;
    replace: string;
    why: string;
    /** Names (substrings) of the tests in the test file expected to kill it. */
    killedBy: string[];
    file?: string;
}

const root = join(__dirname, "..", "..");

export const mutants: Mutant[] = [
    {
        script: "k3s-server.sh",
        find: '    chmod 0600 "$dest.new"\n',
        replace: "",
        why: "file modes: a stale or loosened copy keeps its mode, the token is world-readable",
        killedBy: ["0600 when it finds them loosened"],
    },
    {
        script: "k3s-server.sh",
        find: "    umask 077\n",
        replace: "",
        why: "umask: the token and the marker are readable by others until the chmod",
        killedBy: ["umask 077"],
    },
    {
        script: "k3s-server.sh",
        find: ' && [ "$(stat -c %a "$dest")" = 600 ]',
        replace: "",
        why: "file modes: an unchanged file with a loosened mode is left as it is",
        killedBy: ["0600 when it finds them loosened"],
    },
    {
        script: "k3s-server.sh",
        find: 'if [ -f "$dest" ] && cmp -s "$src" "$dest"',
        replace: "if false",
        why: "idempotency: every run rewrites the files and restarts k3s",
        killedBy: ["changes nothing on a second run"],
    },
    {
        script: "k3s-server.sh",
        find: '    [ -z "$snapshot" ] || [ "$(marker_get restored)" != "$snapshot" ] || snapshot=""\n',
        replace: "",
        why: "idempotency: the etcd restore runs again on every `pulumi up`",
        killedBy: ["resets node 1 from the snapshot once"],
    },
    {
        script: "k3s-server.sh",
        find: 'timeout "${SYSTEMCTL_TIMEOUT:-90}" systemctl "$@"',
        replace: 'systemctl "$@"',
        why: "timeouts: a wedged systemd hangs `pulumi up`",
        killedBy: ["fails a fresh install within its bound"],
        file: "tests/scripts-nodes.test.ts",
    },
    {
        script: "k3s-server.sh",
        find: 'svc "$verb" --no-block k3s',
        replace: 'svc "$verb" k3s',
        why: "timeouts: a start blocks until k3s is ready (Type=notify, TimeoutStartSec=0)",
        killedBy: ["never blocks on k3s's own start"],
        file: "tests/scripts-nodes.test.ts",
    },
    {
        script: "k3s-server.sh",
        find: "INSTALL_K3S_SKIP_START=true timeout",
        replace: "timeout",
        why: "timeouts: the installer's own blocking start",
        killedBy: ["never blocks on k3s's own start"],
        file: "tests/scripts-nodes.test.ts",
    },
    {
        script: "k3s-server.sh",
        find: '[[ "$version" =~ ^v[0-9]+\\.[0-9]+\\.[0-9]+\\+k3s[0-9]+$ ]] || die',
        replace: "true || die",
        why: "argument parsing: an unpinned version (stable, latest) is installed",
        killedBy: ["bad arguments, naming what is expected"],
    },
    {
        script: "k3s-server.sh",
        find: '--peers) peers="${2:?--peers needs a value}"; shift 2 ;;',
        replace: "--peers) shift 2 ;;",
        why: "argument parsing: node 1 never probes its peers and starts a second cluster",
        killedBy: ["rejoins a rebuilt first node through node 2"],
    },
    {
        script: "k3s-server.sh",
        find: '            rotate_token "$work/token"\n',
        replace: "",
        why: "order of steps: the new token file is written before k3s has rotated to it",
        killedBy: ["rotates the token on node 1 when the payload's differs"],
    },
    {
        script: "k3s-server.sh",
        find: '        verify_download "$work/install.sh" "$url" "$INSTALLER_SHA256" k3sInstallerSha256\n',
        replace: "",
        why: "verified downloads: a changed installer runs as root",
        killedBy: ["refuses an installer whose SHA-256 is not the pinned one"],
    },
    {
        script: "k3s-server.sh",
        find: '    verify_download "$work/$asset" "$url" "$BINARY_SHA256" k3sBinarySha256\n',
        replace: "",
        why: "verified downloads: a changed k3s binary is installed",
        killedBy: ["refuses a k3s binary whose SHA-256 is not the pinned one"],
    },
    {
        script: "k3s-server.sh",
        find: '    k3s token rotate --new-token="$new" >/dev/null &\n',
        replace: '    timeout "$bound" k3s token rotate --new-token="$new" >/dev/null &\n',
        why: "secrets: a wrapper keeps the new token in its argv for the whole wait",
        killedBy: ["rotates the token on node 1 when the payload's differs"],
    },
    {
        script: "drain-node.sh",
        find: '        k3s kubectl drain "$NODE"',
        replace: '        timeout "$stop" systemctl stop k3s; k3s kubectl drain "$NODE"',
        why: "order of steps: k3s stops before its pods are drained",
        killedBy: ["cordons and drains the node, then stops k3s"],
        file: "tests/scripts-nodes.test.ts",
    },
    {
        script: "wait-for-node.sh",
        find: 'timeout "$timeout" cloud-init status --wait',
        replace: "cloud-init status --wait",
        why: "timeouts: a cloud-init that never finishes hangs the bootstrap",
        killedBy: ["fails clearly when cloud-init runs too long"],
        file: "tests/scripts-nodes.test.ts",
    },
    {
        script: "wait-for-node.sh",
        find: '        same_sshd_value "$want" "$have" || bad+=',
        replace: "        true || bad+=",
        why: "sshd hardening: a drop-in that overrides it goes unnoticed",
        killedBy: ["fails clearly when another drop-in won"],
        file: "tests/scripts-nodes.test.ts",
    },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function runTests(file: string, names: string[], mutant?: Mutant): Promise<{ code: number | null; out: string }> {
    const args = ["--require", "./tests/support/register.js", "--require", "./tests/mutants/apply-mutant.js", "--test", "--test-reporter=tap"];
    args.push(`--test-name-pattern=${names.map(escape).join("|")}`, file);
    // A test process of its own (node:test marks a child of a test file as a subtest otherwise).
    const env: NodeJS.ProcessEnv = { ...process.env, HONEYDUE_SCRIPT_MUTANT: mutant ? JSON.stringify(mutant) : "" };
    delete env.NODE_TEST_CONTEXT;
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: root, env });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code, out }));
    });
}

const ran = (out: string) => Number(/^# pass (\d+)/m.exec(out)?.[1] ?? 0) + Number(/^# fail (\d+)/m.exec(out)?.[1] ?? 0);

describe("the node scripts' mutants are killed by the sandbox tests", { concurrency: 2 }, () => {
    const byFile = new Map<string, Mutant[]>();
    for (const m of mutants) byFile.set(m.file ?? "tests/scripts.test.ts", [...(byFile.get(m.file ?? "tests/scripts.test.ts") ?? []), m]);

    for (const [file, list] of byFile) {
        it(`the killing tests pass on the real scripts (${file})`, async () => {
            const names = [...new Set(list.flatMap((m) => m.killedBy))];
            const r = await runTests(file, names);
            assert.equal(r.code, 0, r.out);
            assert.ok(ran(r.out) >= names.length, `each named test ran\n${r.out}`);
        });
    }

    for (const m of mutants) {
        it(`${m.script}: ${m.why}`, async () => {
            const text = readFileSync(join(root, "infra", "scripts", m.script), "utf8");
            assert.equal(text.split(m.find).length, 2, `the mutant's text occurs exactly once in ${m.script}: ${m.find}`);
            const r = await runTests(m.file ?? "tests/scripts.test.ts", m.killedBy, m);
            assert.ok(ran(r.out) >= 1, `the killing tests ran\n${r.out}`);
            assert.notEqual(r.code, 0, `the mutant survived: ${m.find.trim()} → ${m.replace.trim() || "(removed)"}\n${r.out.slice(-2000)}`);
            assert.match(r.out, /^# fail [1-9]/m, "killed by a failing test, not a crash");
        });
    }
});
