// Redis's ACL file, the backup script and the restore, for real: a redis-server on loopback loads
// the ACL file the program renders (the apps' user cannot run what it denies; the backup's user
// can only fetch an RDB); workloads/scripts/redis-backup.sh runs as the CronJob's pod runs it
// (`sh -c SCRIPT redis-backup.sh STEP`) against that server, with a fake rclone recording the
// upload; and infra/scripts/restore-redis-data.sh (docs/runbook/restore-redis.md) puts that
// snapshot into a second, append-only Redis's volume, which starts with the snapshot's keys.
// Debian's redis-server 7.0 (.ci/run installs it); the estate runs 7.4, whose ACL rules and
// `redis-cli --rdb` protocol (REPLCONF, SYNC) are the same (redis/redis src/acl.c, src/redis-cli.c).
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { redisDeniedDefault } from "../config/workloads";
import { aclFile, redisProbeCommand, sha256 } from "../workloads/redisUsers";

/** The script the CronJob runs (workloads/redisBackup.ts reads the same file). */
const backupScript = () => readFileSync(join(__dirname, "..", "workloads", "scripts", "redis-backup.sh"), "utf8");

const appsPassword = "appsPassword0123456789abcdefABCDEF012345";
const backupPassword = "backupPassword0123456789abcdefABCDEF0123";
/** The default of honeydue:redis.denied: what a stack gets unless it says otherwise. */
const denied = [...redisDeniedDefault];

let box: string;
let port: number;
let server: ChildProcess;

const freePort = () =>
    new Promise<number>((resolve, reject) => {
        const s = createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const p = (s.address() as { port: number }).port;
            s.close(() => resolve(p));
        });
    });

/** redis-cli against the test server; the password from REDISCLI_AUTH, as in the pods. */
function cli(args: string[], auth?: { user?: string; password: string }) {
    const userArgs = auth?.user ? ["--user", auth.user] : [];
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...(auth ? { REDISCLI_AUTH: auth.password } : {}) };
    const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...userArgs, ...args], { encoding: "utf8", env, timeout: 10_000 });
    return `${r.stdout}${r.stderr}`.trim();
}
const apps = (...args: string[]) => cli(args, { password: appsPassword });
const backup = (...args: string[]) => cli(args, { user: "backup", password: backupPassword });

/** The script as the pod runs it: POSIX sh (dash here, busybox ash in the images). */
function step(name: string, env: Record<string, string>) {
    const r = spawnSync("sh", ["-c", backupScript(), "redis-backup.sh", name], {
        encoding: "utf8",
        env: { PATH: `${join(box, "bin")}:/usr/bin:/bin`, SNAPSHOT_DIR: join(box, "backup"), ...env },
        timeout: 30_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
const dumpEnv = (password = backupPassword) => ({ REDIS_HOST: "127.0.0.1", REDIS_PORT: String(port), REDIS_USER: "backup", REDISCLI_AUTH: password, DUMP_TIMEOUT: "20" });

before(async () => {
    const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
    assert.ok(!found.error, "redis-server is not installed (apt-get install redis-server; .ci/run does it)");
    box = mkdtempSync(join(tmpdir(), "redis-backup-"));
    mkdirSync(join(box, "bin"));
    mkdirSync(join(box, "backup"));
    writeFileSync(join(box, "users.acl"), aclFile(denied, appsPassword, backupPassword));
    port = await freePort();
    // No 5 s wait for more replicas before a diskless SYNC (the default) in a test.
    server = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--dir", box, "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--aclfile", join(box, "users.acl")], { stdio: "ignore" });
    // Bounded: at most 10 s for the server to answer (NOAUTH is an answer).
    for (let i = 0; i < 100 && !/NOAUTH|PONG/.test(cli(["ping"])); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(cli(["ping"]), /NOAUTH/, "the test redis-server did not start on loopback within 10 s");
    apps("set", "queue:job:1", "payload");
});

after(() => {
    server?.kill();
    if (box) rmSync(box, { recursive: true, force: true });
});

describe("the ACL file", () => {
    it("holds SHA-256 hashes, never a password", () => {
        const text = aclFile(denied, appsPassword, backupPassword);
        assert.ok(!text.includes(appsPassword) && !text.includes(backupPassword));
        assert.ok(text.includes(`#${sha256(appsPassword)}`) && text.includes(`#${sha256(backupPassword)}`));
        assert.equal(sha256("foobar"), "c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2");
    });

    it("lets nobody in without a password", () => {
        assert.match(cli(["get", "queue:job:1"]), /NOAUTH/);
        assert.match(cli(["get", "queue:job:1"], { password: "wrong-password" }), /WRONGPASS/);
    });

    it("lets the apps read and write keys, and refuses them CONFIG, FLUSHALL, FLUSHDB, SWAPDB, FUNCTION, ACL and SHUTDOWN", () => {
        assert.equal(apps("get", "queue:job:1"), "payload");
        assert.equal(apps("lpush", "queue:list", "a"), "1");
        assert.equal(apps("ping"), "PONG");
        const refused = [["config", "get", "maxmemory"], ["config", "set", "appendonly", "no"], ["flushall"], ["flushdb"], ["swapdb", "0", "1"], ["acl", "list"], ["function", "list"], ["script", "debug", "yes"], ["shutdown", "nosave"]];
        for (const command of refused) assert.match(apps(...command), /NOPERM/, command.join(" "));
        assert.equal(apps("get", "queue:job:1"), "payload", "FLUSHALL was refused");
    });

    // What a Go app's client sends: go-redis v9 opens each connection with HELLO 3 AUTH (then
    // CLIENT SETINFO, which Redis 7.0 here does not know, and SELECT, CLIENT SETNAME when set);
    // its Script.Run is EVALSHA then, on NOSCRIPT, EVAL (redis/go-redis script.go), which is how
    // asynq enqueues and dequeues (hibiken/asynq internal/rdb/rdb.go). Denying any of these
    // stops the worker's queue on the first `up`.
    it("lets the apps connect as go-redis does and run a queue library's Lua (EVALSHA, EVAL after NOSCRIPT), INFO and KEYS", () => {
        assert.doesNotMatch(apps("hello", "3", "auth", "default", appsPassword), /NOPERM|WRONGPASS|ERR/);
        assert.equal(apps("client", "setname", "honeydue-worker"), "OK");
        assert.equal(apps("select", "0"), "OK");
        const script = "return redis.call('LPUSH', KEYS[1], ARGV[1])";
        const sha = createHash("sha1").update(script).digest("hex");
        assert.match(apps("evalsha", sha, "1", "queue:lua", "job"), /NOSCRIPT/, "a fresh Redis has no cached script");
        assert.equal(apps("eval", script, "1", "queue:lua", "job"), "1");
        assert.equal(apps("evalsha", sha, "1", "queue:lua", "job"), "2");
        assert.equal(apps("script", "load", script), sha);
        assert.match(apps("info", "server"), /redis_version:/);
        assert.match(apps("keys", "queue:lua"), /queue:lua/);
    });

    it("Redis's probe passes only on PONG to the apps' password (redis-cli ping alone exits 0 on NOAUTH)", () => {
        const probe = (env: Record<string, string>) => spawnSync(redisProbeCommand[0], redisProbeCommand.slice(1), { encoding: "utf8", env, timeout: 10_000 }).status;
        // The probe runs in the Redis container, where redis-cli's default 127.0.0.1:6379 is Redis; here a wrapper points it at the test server.
        const bin = join(box, "probe-bin");
        mkdirSync(bin, { recursive: true });
        writeFileSync(join(bin, "redis-cli"), `#!/bin/sh\nexec /usr/bin/redis-cli -p ${port} "$@"\n`);
        chmodSync(join(bin, "redis-cli"), 0o755);
        const path = `${bin}:/usr/bin:/bin`;
        assert.equal(probe({ PATH: path, REDISCLI_AUTH: appsPassword }), 0);
        assert.notEqual(probe({ PATH: path, REDISCLI_AUTH: "wrong-password" }), 0, "a refused password is not ready");
        assert.notEqual(probe({ PATH: path }), 0, "NOAUTH is not ready");
        assert.equal(spawnSync("redis-cli", ["-p", String(port), "ping"], { env: { PATH: path } }).status, 0, "why the probe checks the answer");
    });

    it("lets the backup user fetch an RDB and nothing else", () => {
        assert.equal(backup("ping"), "PONG");
        for (const command of [["get", "queue:job:1"], ["set", "x", "y"], ["keys", "*"], ["config", "get", "dir"], ["flushall"]]) {
            assert.match(backup(...command), /NOPERM/, command.join(" "));
        }
        const file = join(box, "direct.rdb");
        backup("--rdb", file);
        assert.equal(readFileSync(file).subarray(0, 5).toString(), "REDIS");
    });
});

describe("redis-backup.sh", () => {
    it("is shellcheck-clean as POSIX sh", () => {
        const r = spawnSync("shellcheck", ["--severity=style", "--shell=sh", "-"], { input: backupScript(), encoding: "utf8" });
        assert.ok(!r.error, "shellcheck is not installed");
        assert.equal(r.status, 0, r.stdout);
    });

    it("dump: fetches an RDB snapshot as the backup user into the shared directory", () => {
        const r = step("dump", dumpEnv());
        assert.equal(r.status, 0, r.out);
        const rdb = readFileSync(join(box, "backup", "dump.rdb"));
        assert.equal(rdb.subarray(0, 5).toString(), "REDIS");
        assert.ok(rdb.includes(Buffer.from("queue:job:1")), "the snapshot holds the data");
        assert.match(r.out, new RegExp(`fetched \\d+ bytes from 127.0.0.1:${port}`));
        assert.ok(!r.out.includes(backupPassword), "the password is never printed");
    });

    it("dump: a refused login leaves no snapshot, and says which server, which user and where to look", () => {
        writeFileSync(join(box, "backup", "dump.rdb"), "REDIS-old");
        const r = step("dump", dumpEnv("not-the-password"));
        assert.equal(r.status, 1);
        assert.match(r.out, new RegExp(`no RDB snapshot from 127.0.0.1:${port} as user backup within 20s; .*kubectl -n honeydue logs deploy/redis`));
        assert.ok(!existsSync(join(box, "backup", "dump.rdb")), "an old snapshot is not left for the upload");
        assert.ok(!r.out.includes("not-the-password"));
    });

    it("dump: a server that hangs is given up after DUMP_TIMEOUT", () => {
        const bin = join(box, "hang");
        mkdirSync(bin, { recursive: true });
        writeFileSync(join(bin, "redis-cli"), "#!/bin/sh\nsleep 30\n");
        chmodSync(join(bin, "redis-cli"), 0o755);
        const started = Date.now();
        const r = spawnSync("sh", ["-c", backupScript(), "redis-backup.sh", "dump"], {
            encoding: "utf8",
            env: { PATH: `${bin}:/usr/bin:/bin`, SNAPSHOT_DIR: join(box, "backup"), ...dumpEnv(), DUMP_TIMEOUT: "1" },
            timeout: 20_000,
        });
        assert.equal(r.status, 1, r.stderr);
        assert.ok(Date.now() - started < 10_000, "bounded by DUMP_TIMEOUT");
        assert.match(r.stderr, /within 1s/);
    });

    it("dump: what is not an RDB (redis-cli exiting 0 with an error text in the file) is not left for the upload", () => {
        const bin = join(box, "junk");
        mkdirSync(bin, { recursive: true });
        // Writes its --rdb target (the last argument) with what no RDB starts with.
        writeFileSync(join(bin, "redis-cli"), '#!/bin/sh\nfor a; do out=$a; done\necho "-ERR something" > "$out"\n');
        chmodSync(join(bin, "redis-cli"), 0o755);
        const r = spawnSync("sh", ["-c", backupScript(), "redis-backup.sh", "dump"], {
            encoding: "utf8",
            env: { PATH: `${bin}:/usr/bin:/bin`, SNAPSHOT_DIR: join(box, "backup"), ...dumpEnv() },
            timeout: 20_000,
        });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /does not start with REDIS \(got '-ERR '\): not an RDB file/);
        assert.ok(!existsSync(join(box, "backup", "dump.rdb")), "nothing named dump.rdb for the upload");
    });

    it("refuses to run without its settings, naming the missing one", () => {
        const noHost: Record<string, string> = dumpEnv();
        delete noHost.REDIS_HOST;
        const r = step("dump", noHost);
        assert.equal(r.status, 1);
        assert.match(r.out, /REDIS_HOST is not set; expected it from the redis-backup CronJob's pod spec/);
        assert.match(step("restore", {}).out, /unknown step 'restore'; expected dump or upload/);
    });

    it("upload: copies the snapshot to b2:<bucket>/<folder>/redis-<UTC time>.rdb, and says where", () => {
        assert.equal(step("dump", dumpEnv()).status, 0);
        const calls = join(box, "rclone-calls");
        writeFileSync(join(box, "bin", "rclone"), `#!/bin/sh\necho "$@" >> ${calls}\n`);
        chmodSync(join(box, "bin", "rclone"), 0o755);
        const r = step("upload", { B2_BUCKET: "honeyDueProd", BACKUP_FOLDER: "redis-backups" });
        assert.equal(r.status, 0, r.out);
        const [call] = readFileSync(calls, "utf8").trim().split("\n");
        assert.match(call, new RegExp(`^copyto ${join(box, "backup", "dump.rdb")} b2:honeyDueProd/redis-backups/redis-\\d{8}T\\d{6}Z\\.rdb$`));
        assert.match(r.out, /uploaded \d+ bytes to b2:honeyDueProd\/redis-backups\/redis-/);
    });

    it("upload: fails with the key's likely fault when rclone fails, and without a snapshot says so", () => {
        writeFileSync(join(box, "bin", "rclone"), "#!/bin/sh\necho 'AccessDenied: 403' >&2\nexit 1\n");
        const failed = step("upload", { B2_BUCKET: "honeyDueProd", BACKUP_FOLDER: "redis-backups" });
        assert.equal(failed.status, 1);
        assert.match(failed.out, /AccessDenied: 403\n.*could not upload .* \(a 403 is the key: its bucket, name prefix redis-backups\/ and writeFiles capability/s);
        rmSync(join(box, "backup", "dump.rdb"));
        const none = step("upload", { B2_BUCKET: "honeyDueProd", BACKUP_FOLDER: "redis-backups" });
        assert.equal(none.status, 1);
        assert.match(none.out, /no snapshot at .*dump\.rdb; the dump step did not leave one/);
    });
});

describe("restore-redis-data.sh (docs/runbook/restore-redis.md)", () => {
    const storage = () => join(box, "storage");
    const volume = () => join(storage(), "pvc-0123_honeydue_redis-data");
    let restorePort: number;
    /** Redis as the Deployment runs it: append-only, in the claim's directory. */
    async function startAppendOnly(): Promise<ChildProcess> {
        const child = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(restorePort), "--dir", volume(), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--aclfile", join(box, "users.acl")], { stdio: "ignore" });
        const ask = () => spawnSync("redis-cli", ["-p", String(restorePort), "ping"], { encoding: "utf8", env: { PATH: process.env.PATH, REDISCLI_AUTH: appsPassword } }).stdout.trim();
        for (let i = 0; i < 100 && ask() !== "PONG"; i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(ask(), "PONG", "the append-only redis-server did not start within 10 s");
        return child;
    }
    const stop = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM"))));
    const at = (...args: string[]) => spawnSync("redis-cli", ["-p", String(restorePort), ...args], { encoding: "utf8", env: { PATH: process.env.PATH, REDISCLI_AUTH: appsPassword } }).stdout.trim();
    /** As root (CI), the redis image's 999:1000, so a restore that leaves root's files shows; else this user. */
    const owner = process.getuid?.() === 0 ? [999, 1000] : [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
    /** The node's k3s, as far as the script asks it: `kubectl get pods` lists the Redis pods in `pods`. */
    const k3sBin = () => join(box, "k3s-bin");
    function redisPods(names: string) {
        mkdirSync(k3sBin(), { recursive: true });
        writeFileSync(join(k3sBin(), "pods"), names);
        writeFileSync(join(k3sBin(), "k3s"), `#!/bin/sh
[ "$1 $2 $3 $4 $5 $6 $7 $8 $9" = "kubectl -n honeydue get pods -l app.kubernetes.io/name=redis -o name" ] || exit 2
cat ${join(k3sBin(), "pods")}
`);
        chmodSync(join(k3sBin(), "k3s"), 0o755);
    }
    function restore(snapshot: string, extra: string[] = []) {
        const r = spawnSync("bash", ["-s", "--", "--node", "ubuntu-8gb-nbg1-2", "--snapshot", snapshot, ...extra], {
            input: readFileSync(join(__dirname, "..", "infra", "scripts", "restore-redis-data.sh"), "utf8"),
            encoding: "utf8",
            env: { PATH: `${k3sBin()}:/usr/bin:/bin`, REDIS_STORAGE: storage(), REDIS_OWNER: owner.join(":") },
        });
        return { status: r.status, out: r.stderr };
    }

    it("replaces the append-only data with the snapshot's, keeping the old; a second run changes nothing; Redis starts with the snapshot's keys", async () => {
        restorePort = await freePort();
        mkdirSync(volume(), { recursive: true });
        let redis = await startAppendOnly();
        at("set", "written:after:backup", "lost");
        await stop(redis);
        const r = step("dump", dumpEnv());
        assert.equal(r.status, 0, r.out);
        const snapshot = join(box, "backup", "dump.rdb");

        // A Redis pod still there (step 2 skipped): its next AOF rewrite would undo the restore.
        redisPods("pod/redis-5d8f7c9b6-x2k4q\n");
        const early = restore(snapshot);
        assert.equal(early.status, 1);
        assert.match(early.out, /ubuntu-8gb-nbg1-2: Redis still runs \(pod\/redis-5d8f7c9b6-x2k4q \); stop it first: kubectl -n honeydue scale deployment\/redis --replicas=0/);
        assert.ok(!readdirSync(volume()).some((f) => f.startsWith("appendonlydir.before-restore-")), "nothing moved while Redis runs");
        redisPods("");

        const first = restore(snapshot);
        assert.equal(first.status, 0, first.out);
        assert.match(first.out, /ubuntu-8gb-nbg1-2: kept the data Redis had in .*appendonlydir\.before-restore-\d{8}T\d{6}Z/);
        assert.equal(readFileSync(join(volume(), "appendonlydir", "appendonly.aof.manifest"), "utf8"), "file appendonly.aof.1.base.rdb seq 1 type b\n");
        // Redis runs as 999:1000 and must create its next append-only file in that directory.
        for (const f of ["", "appendonly.aof.1.base.rdb", "appendonly.aof.manifest"]) {
            const st = statSync(join(volume(), "appendonlydir", f));
            assert.deepEqual([st.uid, st.gid], owner, `owner of appendonlydir/${f}`);
        }
        const again = restore(snapshot);
        assert.equal(again.status, 0, again.out);
        assert.match(again.out, /already holds this snapshot as its only file; nothing to do/);
        assert.equal(readdirSync(volume()).filter((f) => f.startsWith("appendonlydir.before-restore-")).length, 1, "a second run keeps nothing more");

        redis = await startAppendOnly();
        assert.equal(at("get", "queue:job:1"), "payload", "the snapshot's key is back");
        assert.equal(at("exists", "written:after:backup"), "0", "what Redis had is replaced");
        at("set", "after:restore", "kept");
        await stop(redis);
        redis = await startAppendOnly();
        assert.equal(at("get", "after:restore"), "kept", "Redis appends to the restored files, and keeps what it appends");
        await stop(redis);

    });

    it("refuses a file that is not an RDB, and a node without the Redis volume, naming the node", () => {
        redisPods("");
        const junk = join(box, "junk.rdb");
        writeFileSync(junk, "not a snapshot");
        assert.match(restore(junk).out, /ubuntu-8gb-nbg1-2: .*junk\.rdb does not start with REDIS: not an RDB snapshot/);
        const elsewhere = spawnSync("bash", ["-s", "--", "--node", "ubuntu-8gb-nbg1-3", "--snapshot", join(box, "direct.rdb")], {
            input: readFileSync(join(__dirname, "..", "infra", "scripts", "restore-redis-data.sh"), "utf8"),
            encoding: "utf8",
            env: { PATH: `${k3sBin()}:/usr/bin:/bin`, REDIS_STORAGE: join(box, "nowhere") },
        });
        assert.equal(elsewhere.status, 1);
        assert.match(elsewhere.stderr, /ubuntu-8gb-nbg1-3: expected one Redis volume .*found 0; is this honeydue:redis.node/);
        // An adopted claim keeps its own name (honeydue:redis.claimName): --claim finds its volume.
        redisPods("");
        const rdb = join(box, "header-only.rdb");
        writeFileSync(rdb, "REDIS0011");
        assert.match(restore(rdb, ["--claim", "cache-data"]).out, /ubuntu-8gb-nbg1-2: expected one Redis volume .*\*_honeydue_cache-data, found 0/);
    });
});
