/**
 * The process entry: builds the app, hosts Next's request handler on our own node:http server, answers the
 * health probes itself, and owns shutdown (docs/decisions/002-own-server.md). `main` is the lifecycle; its steps
 * are in start-up.ts, shutdown.ts (with lifecycle.ts), responders.ts, request-handler.ts and listen.ts.
 *
 *   node server/main.mjs          production build (npm start, the container's CMD)
 *   tsx server/main.ts --dev      development (npm run dev)
 */
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import next from "next";

import { createLogger } from "../lib/adapters/pino/logger";
import { registerApp, registerPathRedactor } from "../lib/app-registry";
import { createApp, type App } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import { handleSignals } from "./lifecycle";
import { createMetricsServer, listen } from "./listen";
import { createRequestHandler } from "./request-handler";
import { createResponders } from "./responders";
import { createPathRedactor, createRouteMatcher, loadRouteTemplates } from "./route-templates";
import { createShutdown, type Started } from "./shutdown";
import { announceStartup, startBackgroundWork, startPeriodicWork, applyBuildConfig } from "./start-up";

const dev = process.argv.includes("--dev");
// Next's folder: the project root in development, the standalone folder in production (server/ sits in both).
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

try {
  await main();
} catch (error) {
  // Errors the operator can fix are one line naming the problem and the fix; matched by name because this
  // bundle and Next's each have their own copy of lib/ (decision 002).
  const operatorError = ["ConfigError", "DatabaseOpenError", "StartupError", "BootstrapPasswordRequiredError"];
  if (error instanceof Error && operatorError.includes(error.name)) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
}

async function main(): Promise<void> {
  if (!dev) applyBuildConfig(dir);
  const config = loadConfig();
  const log = createLogger(config);
  const exit = (code: number) => process.exit(code);
  const server = createServer();

  // Shutdown may begin at any point of start-up and closes what exists by then (shutdown.ts). `opening` is
  // declared further down, right after the signal handlers: no signal is handled before then, as nothing in
  // between awaits.
  const started: Started = {};
  const { lifecycle, closeDatabase } = createShutdown({ server, config, log, opening: () => opening, started, exit });
  // Before the database opens: a SIGTERM during a slow start (migrations, seeding) must still close it.
  handleSignals(lifecycle, log, exit);

  const opening: Promise<App> = createApp(config, log);
  const app = await opening;
  const url = `http://${config.HOSTNAME}:${config.PORT}`;
  try {
    registerApp(app);
    announceStartup(app.startup, log, url);
    if (lifecycle.draining) return; // a signal came meanwhile: the shutdown under way closes the database
    await startBackgroundWork(app);

    const templates = loadRouteTemplates(dir);
    const routeOf = createRouteMatcher(templates);
    // Paths are recorded in spans and error lines only through this: a secret in a path stays in the process
    // (issue 18, item 4). Registered before Next prepares, which starts tracing (instrumentation.ts).
    const redactPath = createPathRedactor(templates);
    registerPathRedactor(redactPath);

    const nextApp = (started.nextApp = next({ dev, dir, hostname: config.HOSTNAME, port: config.PORT }));
    await nextApp.prepare();
    if (lifecycle.draining) return;
    const handleNext = nextApp.getRequestHandler();
    const responders = createResponders({ app, config, log, dev, lifecycle, handleNext, redactPath });
    server.on("request", createRequestHandler({ responders, app, config, log, dev, lifecycle, routeOf, redactPath }));

    await listen(server, config.PORT, config.HOSTNAME, "");
    if (config.METRICS_PORT !== undefined) {
      const metricsServer = (started.metricsServer = createMetricsServer(responders.scrapes, log));
      await listen(metricsServer, config.METRICS_PORT, config.HOSTNAME, " (METRICS_PORT)");
      metricsServer.on("error", (error) => log.error({ err: error }, "metrics server error"));
    }
  } catch (error) {
    // Close the database cleanly whatever failed: the embedded one's folder is locked to this process until then.
    await closeDatabase().catch((closeError: unknown) =>
      log.error({ err: closeError }, "closing the database after a failed start failed"),
    );
    throw error;
  }
  // From here on an error on the listener is not a start-up failure; without a listener it would crash us.
  server.on("error", (error) => log.error({ err: error }, "server error"));
  log.info({ url, dev }, `listening on ${url}`);
  // Periodic database work starts only now, unless stopped meanwhile: see startPeriodicWork for why.
  if (!lifecycle.draining) started.userGauge = startPeriodicWork(app, log);
}
