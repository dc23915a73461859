// `npm test`: every check, in order, each stage timed; stops at the first failing stage.
//   lint, typecheck, unit, integration, build, process, e2e
// Prints the number of repository-contract tests executed per implementation (and fails if one ran none),
// a time table, and last a `N passed, N failed` line over all test stages.
// Run some stages only: npm test -- --only=unit,integration
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { isBuildCurrent } from "./support/build-stamp.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = mkdtempSync(path.join(tmpdir(), "user-console-test-"));
const bin = (name) => path.join(root, "node_modules/.bin", name);
const vitest = (project) => [
  bin("vitest"),
  ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${path.join(reports, `${project}.json`)}`],
];
const IMPLEMENTATIONS = ["in-memory", "prisma-pglite", "prisma-postgres"];
const BUDGETS = [
  { stages: ["unit", "integration"], seconds: 240 },
  { stages: ["build"], seconds: 90 },
  { stages: ["e2e"], seconds: 240 },
];

const STAGES = [
  { name: "lint", run: [[bin("eslint"), ["--max-warnings=0", "."]]] },
  { name: "typecheck", run: [[bin("tsc"), ["--noEmit"]]] },
  { name: "unit", run: [vitest("unit")], report: "vitest" },
  { name: "integration", run: [vitest("integration")], report: "vitest" },
  {
    name: "build",
    run: () => (isBuildCurrent(root) ? (console.log("build is current; not rebuilding"), []) : [[process.execPath, ["scripts/build.mjs"]]]),
  },
  { name: "process", run: [vitest("process")], report: "vitest" },
  {
    name: "e2e",
    run: [
      [process.execPath, ["scripts/ensure-browser.mjs"]],
      [bin("playwright"), ["test"]],
    ],
    report: "playwright",
  },
];

const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",");
const unknown = only?.filter((name) => !STAGES.some((stage) => stage.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown stage(s): ${unknown.join(", ")}; stages: ${STAGES.map((s) => s.name).join(", ")}`);
  process.exit(2);
}

const results = [];
const totals = { passed: 0, failed: 0, skipped: 0 };
const contract = Object.fromEntries(IMPLEMENTATIONS.map((name) => [name, 0]));
let failedStage;

for (const stage of STAGES.filter((s) => !only || only.includes(s.name))) {
  console.log(`\n━━ ${stage.name} ━━`);
  const started = Date.now();
  let ok = true;
  const commands = typeof stage.run === "function" ? stage.run() : stage.run;
  for (const [command, args] of commands) {
    ok = (await run(command, args, stage.name)) === 0;
    if (!ok) break;
  }
  if (stage.report) countTests(stage);
  results.push({ name: stage.name, seconds: (Date.now() - started) / 1000, ok });
  if (!ok) {
    failedStage = stage.name;
    break;
  }
}

console.log("\n━━ summary ━━");
for (const { name, seconds, ok } of results) {
  console.log(`${ok ? "ok  " : "FAIL"}  ${name.padEnd(12)} ${seconds.toFixed(1).padStart(7)} s`);
}
if (!only || only.includes("unit") || only.includes("integration")) {
  console.log("\nrepository contract tests executed per implementation:");
  for (const [name, count] of Object.entries(contract)) console.log(`  ${name.padEnd(16)} ${count}`);
  const missing = IMPLEMENTATIONS.filter(
    (name) => contract[name] === 0 && (name === "in-memory" ? ran("unit") : ran("integration")),
  );
  if (missing.length > 0 && !failedStage) {
    console.log(`FAIL: the contract suite ran no test on ${missing.join(", ")}`);
    failedStage = "contract counts";
  }
}
for (const budget of BUDGETS) {
  const spent = results.filter((r) => budget.stages.includes(r.name)).reduce((sum, r) => sum + r.seconds, 0);
  if (spent > budget.seconds) {
    console.log(`warning: ${budget.stages.join("+")} took ${spent.toFixed(0)} s, over the ${budget.seconds} s budget`);
  }
}
rmSync(reports, { recursive: true, force: true });
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
process.exit(failedStage ? 1 : 0);

function ran(name) {
  return results.some((r) => r.name === name);
}

function run(command, args, stage) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, E2E_JSON_REPORT: path.join(reports, "e2e.json"), FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
    });
    child.on("error", (error) => {
      console.error(`${stage}: cannot run ${command}: ${error.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function countTests(stage) {
  let report;
  try {
    report = JSON.parse(readFileSync(path.join(reports, `${stage.report === "vitest" ? stage.name : "e2e"}.json`), "utf8"));
  } catch {
    return; // the stage failed before writing its report; its own output says why
  }
  if (stage.report === "vitest") {
    for (const file of report.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        const status = test.status === "passed" ? "passed" : test.status === "failed" ? "failed" : "skipped";
        totals[status]++;
        const impl = /^user repository contract \((.+)\)$/.exec(test.ancestorTitles?.[0] ?? "")?.[1];
        if (impl && impl in contract && status !== "skipped") contract[impl]++;
      }
    }
  } else {
    totals.passed += report.stats?.expected ?? 0;
    totals.failed += (report.stats?.unexpected ?? 0) + (report.stats?.flaky ?? 0);
    totals.skipped += report.stats?.skipped ?? 0;
  }
}
