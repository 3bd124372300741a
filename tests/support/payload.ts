// What a node receives on stdin after a script (infra/k3s/scripts.ts withPayload), decoded back into
// its files, as the node scripts' read_payload does. Test code: it lives here, not in infra/, so the
// mutation run does not count its edits as the program's.
export function payloadFiles(stdin: string): Record<string, string> {
    const marker = /^main "\$@"; exit \$\?\n/m;
    const at = stdin.search(marker);
    if (at < 0) return {};
    const rest = stdin.slice(at).replace(marker, "");
    return Object.fromEntries(
        rest
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => {
                const [file, data] = l.split(" ");
                return [file, Buffer.from(data, "base64").toString("utf8")];
            }),
    );
}
