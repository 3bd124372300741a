// A Stryker reporter that writes each surviving mutant as soon as it survives, one line each, to
// reports/mutation/<run>.survivors.txt: a folder's run takes an hour or more, and its clear-text
// report only comes at the end, so work on the survivors can start while the run goes on.
// (@stryker-mutator/api report/reporter.d.ts: onMutantTested is called once per mutant.)
/* global process */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { commonTokens, declareClassPlugin, PluginKind } from "@stryker-mutator/api/plugin";

class SurvivorsReporter {
    static inject = [commonTokens.options];

    constructor(options) {
        this.file = options.jsonReporter.fileName.replace(/\.json$/, ".survivors.txt");
        mkdirSync(dirname(this.file), { recursive: true });
        writeFileSync(this.file, "");
        this.sources = new Map();
    }

    onMutantTested(result) {
        if (result.status !== "Survived" && result.status !== "NoCoverage") return;
        const { line, column } = result.location.start;
        if (!this.sources.has(result.fileName)) this.sources.set(result.fileName, readFileSync(result.fileName, "utf8").split("\n"));
        const code = (this.sources.get(result.fileName)[line - 1] ?? "").trim();
        // Lines and columns are 1-based here (the report schema's, as in reports/mutation/*.json).
        const where = `${result.fileName.replace(`${process.cwd()}/`, "")}:${line}:${column}`;
        appendFileSync(this.file, `${where} ${result.status} ${result.mutatorName} → ${JSON.stringify(result.replacement)}\n    ${code}\n`);
    }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "survivors", SurvivorsReporter)];
