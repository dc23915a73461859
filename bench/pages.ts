/**
 * Benchmark: Lighthouse on the console's pages, production build, desktop settings (issue 23).
 *
 * Set-up: the production build (built first when stale) on a throwaway embedded database, which seeds itself on
 * first start; the bootstrap admin signs in through the API and changes its one-time password
 * (test/support/http-accounts.ts), and Lighthouse sends that session cookie with every request (`extraHeaders`),
 * so it audits the signed-in pages, not the sign-in redirect. Chromium is Debian's (or Playwright's, as the e2e
 * tests find it), started by chrome-launcher headless; Lighthouse 12.2.3 (13 needs Node 22) with its desktop
 * config (no CPU slowdown, a fast wired connection simulated) and the performance category only. Nothing is
 * fetched from the network: Lighthouse needs none, and the pages reach no other host.
 *
 * Each page is audited RUNS times after one unaudited load (which warms the server's caches and Next's
 * compiled routes); the run with the median performance score is reported, as Lighthouse's own docs advise
 * (variability on a shared 2-core machine is large).
 *
 * Goals (issue 23): performance >= 95, Largest Contentful Paint <= 1.0 s, Cumulative Layout Shift 0.
 *
 *   npm run bench -- pages   (or: npx tsx --conditions react-server bench/pages.ts [--runs 3])
 * Writes bench/results/pages.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { launch } from "chrome-launcher";
import lighthouse, { desktopConfig } from "lighthouse";

import { findChromium, HOW_TO_GET_CHROMIUM } from "../e2e/support/browser.mjs";
import { ensureBuild, freePort, ROOT, startServer } from "../test/support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn } from "../test/support/http-accounts";

const { values: argv } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const RUNS = Number(argv.runs);
const PAGES = ["/users", "/dashboard"];
const GOALS = { performance: 95, lcpSeconds: 1.0, cls: 0 };
const RESULTS_FILE = path.join(ROOT, "bench/results/pages.json");

interface Audit {
  performance: number;
  lcpSeconds: number;
  cls: number;
  fcpSeconds: number;
  tbtMs: number;
  speedIndexSeconds: number;
}

await ensureBuild();
const chromium = findChromium();
if (!chromium?.launchOptions.executablePath) throw new Error(HOW_TO_GET_CHROMIUM);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "user-console-bench-pages-"));
const port = await freePort();
const server = startServer({
  port,
  env: { DATA_DIR: dataDir, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, SHUTDOWN_DELAY_MS: "0", LOG_LEVEL: "warn" },
});
const chrome = await launch({
  chromePath: chromium.launchOptions.executablePath,
  // chrome-launcher adds its own defaults (no first run, no background networking, no component update).
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});

try {
  await server.waitUntilReady();
  const cookie = await firstSignIn(server.baseUrl);
  const results: { page: string; runs: Audit[]; median: Audit }[] = [];
  for (const page of PAGES) {
    const url = `${server.baseUrl}${page}`;
    await audit(url, cookie); // warm-up, not reported
    const runs: Audit[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await audit(url, cookie));
    const median = [...runs].sort((a, b) => a.performance - b.performance)[Math.floor(runs.length / 2)];
    if (!median) throw new Error(`no Lighthouse run for ${page}`);
    results.push({ page, runs, median });
    console.log(
      `${page.padEnd(12)} performance ${median.performance}, LCP ${median.lcpSeconds.toFixed(2)} s, CLS ${median.cls.toFixed(3)}, ` +
        `FCP ${median.fcpSeconds.toFixed(2)} s, TBT ${median.tbtMs.toFixed(0)} ms, Speed Index ${median.speedIndexSeconds.toFixed(2)} s ` +
        `(median of ${RUNS}; scores ${runs.map((r) => r.performance).join(", ")})`,
    );
  }

  const goals = results.flatMap(({ page, median }) => [
    { goal: `${page}: performance >= ${GOALS.performance}`, value: median.performance, met: median.performance >= GOALS.performance },
    { goal: `${page}: LCP <= ${GOALS.lcpSeconds.toFixed(1)} s`, value: median.lcpSeconds, met: median.lcpSeconds <= GOALS.lcpSeconds },
    { goal: `${page}: CLS = ${GOALS.cls}`, value: median.cls, met: median.cls <= GOALS.cls },
  ]);
  console.log("\nIssue 23's goals (Lighthouse desktop, median run):");
  for (const { goal, value, met } of goals) console.log(`  ${met ? "met    " : "NOT met"}  ${value.toFixed(3).padStart(7)}  ${goal}`);

  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const document = {
    benchmark: "pages",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim(), node: process.version, chromium: chromium.source },
    settings: { lighthouse: "12.2.3", config: "desktop", categories: ["performance"], runs: RUNS, warmUpRuns: 1, signedInAs: "ADMIN" },
    goals,
    pages: results,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(ROOT, RESULTS_FILE)}`);
} finally {
  chrome.kill();
  server.child.kill("SIGTERM");
  await server.exited;
  await rm(dataDir, { recursive: true, force: true });
}

async function audit(url: string, cookie: string): Promise<Audit> {
  const result = await lighthouse(
    url,
    { port: chrome.port, output: "json", logLevel: "error", onlyCategories: ["performance"], extraHeaders: { cookie } },
    desktopConfig,
  );
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  // A page that redirected (to /sign-in: the cookie was not accepted) would be audited as some other page.
  if (new URL(lhr.finalDisplayedUrl).pathname !== new URL(url).pathname) {
    throw new Error(`${url} ended at ${lhr.finalDisplayedUrl}: not signed in?`);
  }
  const numeric = (id: string) => {
    const value = lhr.audits[id]?.numericValue;
    if (value === undefined) throw new Error(`Lighthouse on ${url}: no ${id}`);
    return value;
  };
  return {
    performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    lcpSeconds: numeric("largest-contentful-paint") / 1000,
    cls: numeric("cumulative-layout-shift"),
    fcpSeconds: numeric("first-contentful-paint") / 1000,
    tbtMs: numeric("total-blocking-time"),
    speedIndexSeconds: numeric("speed-index") / 1000,
  };
}
