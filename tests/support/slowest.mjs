/* global process */
// A second test reporter (next to spec): at the end of the run, the slowest test files, each
// with its whole time (its own process: loading, the program's runs, every test). It only reads
// the runner's events, so it neither hides a failure nor changes the exit code.
const shown = 8;

export default async function* slowest(source) {
    const files = [];
    for await (const event of source) {
        // The runner reports each file as a test of its own, named by its path (nesting 0).
        if (event.type === "test:complete" && event.data.nesting === 0 && event.data.file && event.data.name === event.data.file) {
            files.push({ file: event.data.file, ms: event.data.details.duration_ms, passed: event.data.details.passed });
        }
    }
    if (files.length === 0) return;
    files.sort((a, b) => b.ms - a.ms);
    const cwd = `${process.cwd()}/`;
    const lines = files.slice(0, shown).map((f) => `  ${(f.ms / 1000).toFixed(1).padStart(6)} s  ${f.file.replace(cwd, "")}${f.passed ? "" : "  (failed)"}`);
    yield `\nslowest test files (of ${files.length}; each is one process, wall time):\n${lines.join("\n")}\n`;
}
