/* global process */
// A second test reporter (next to spec): at the end of the run, the slowest test files and the
// processes they ran in. A file in a group (tests/support/groups.js) is timed by its own tests and
// hooks, since the group's process loads the SDKs once for all its files; a process by its whole
// run (starting node, loading, every test). A file run without a group is timed whole. It only
// reads the runner's events, so it neither hides a failure nor changes the exit code.
const shown = 8;

/** The lines this reporter prints for the runner's events. */
export default async function* slowest(source) {
    const processes = [];
    const members = [];
    for await (const event of source) {
        if (event.type !== "test:complete" || event.data.nesting !== 0 || !event.data.file) continue;
        const entry = { ms: event.data.details.duration_ms, passed: event.data.details.passed };
        // The runner reports each process as a test of its own, named by the file it ran; a group
        // reports each member as a suite named by the member's path (tests/support/group.js).
        if (event.data.name === event.data.file) processes.push({ ...entry, file: event.data.file });
        else if (event.data.file.endsWith("/tests/support/group.js")) members.push({ ...entry, file: event.data.name });
    }
    if (processes.length === 0) return;
    const cwd = `${process.cwd()}/`;
    // tests/support/unit.js names a group's file <place>-<name>.group.js.
    const groupName = (file) => /(?:^|\/)(?:\d+-)?([^/]+)\.group\.js$/.exec(file)?.[1];
    const alone = processes.filter((p) => !groupName(p.file));
    const groups = processes.filter((p) => groupName(p.file));
    const line = (ms, label, passed) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${label}${passed ? "" : "  (failed)"}`;
    const files = [...alone, ...members].sort((a, b) => b.ms - a.ms);
    let out = `\nslowest test files (of ${files.length}; wall time; a file in a group without the group's loading):\n`;
    out += files.slice(0, shown).map((f) => line(f.ms, f.file.replace(cwd, ""), f.passed)).join("\n");
    if (groups.length > 0) {
        out += `\ntest processes (${processes.length}; wall time):\n`;
        out += [...processes].sort((a, b) => b.ms - a.ms).map((p) => line(p.ms, groupName(p.file) ? `group ${groupName(p.file)}` : p.file.replace(cwd, ""), p.passed)).join("\n");
    }
    yield `${out}\n`;
}
