// A simulated provider's "cloud": one JSON file, $REHEARSAL_STATE/clouds/<provider>.json, read on
// every call and written atomically (temporary file + rename), so a scenario can pre-populate it
// before `pulumi up` (the hand-built estate to adopt) and inspect it afterwards. Each call reads,
// changes and writes synchronously, so the calls of one plugin process never interleave inside
// a change.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function stateDir(): string {
    const dir = process.env.REHEARSAL_STATE;
    if (!dir) throw new Error("REHEARSAL_STATE is not set: the simulated providers keep their clouds under $REHEARSAL_STATE/clouds");
    return dir;
}

export function cloudFile(provider: string): string {
    return join(stateDir(), "clouds", `${provider}.json`);
}

export function readJson<T>(file: string, empty: () => T): T {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return empty();
        throw e;
    }
    try {
        return { ...empty(), ...(JSON.parse(text) as T) };
    } catch (e) {
        throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or remove it`);
    }
}

export function writeJsonAtomic(file: string, value: unknown): void {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, file);
}

/** Read the cloud, let `change` act on it, write it back; `change`'s result is returned. */
export function withCloud<C, R>(provider: string, empty: () => C, change: (cloud: C) => R): R {
    const file = cloudFile(provider);
    const cloud = readJson(file, empty);
    const result = change(cloud);
    writeJsonAtomic(file, cloud);
    return result;
}

export function peekCloud<C>(provider: string, empty: () => C): C {
    return readJson(cloudFile(provider), empty);
}
