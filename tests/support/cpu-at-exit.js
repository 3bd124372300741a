// Preloaded (node --require) into a process a test measures: at exit it writes this process's CPU
// time (process.cpuUsage, from its start) as JSON to the file named by HONEYDUE_CPU_REPORT, so
// neither its stdout nor its stderr changes.
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports */
const { writeFileSync } = require("node:fs");

const report = process.env.HONEYDUE_CPU_REPORT;
if (report) process.on("exit", () => writeFileSync(report, JSON.stringify(process.cpuUsage())));
