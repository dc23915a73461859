/**
 * The process entry: builds the app, hosts Next's request handler on our own node:http server, answers the
 * health probes itself, and owns shutdown (docs/decisions/002-own-server.md).
 *
 *   node server/main.mjs          production build (npm start, the container's CMD)
 *   tsx server/main.ts --dev      development (npm run dev)
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import next from "next";
import { z } from "zod";

import { createLogger } from "../lib/adapters/pino/logger";
import { registerApp } from "../lib/app-registry";
import { createApp, type StartupReport } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import { createHealthHandler } from "./health";
import { createLifecycle, handleSignals } from "./lifecycle";

const requiredServerFiles = z.object({ config: z.record(z.string(), z.unknown()) });
const dev = process.argv.includes("--dev");
// Next's folder: the project root in development, the standalone folder in production (server/ sits in both).
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A start-up failure the operator can fix, such as a port in use. */
class StartupError extends Error {
  override name = "StartupError";
}

try {
  await main();
} catch (error) {
  // Errors the operator can fix are one line naming the problem and the fix; matched by name because this
  // bundle and Next's each have their own copy of lib/ (decision 002).
  const operatorError = ["ConfigError", "DatabaseOpenError", "StartupError"];
  if (error instanceof Error && operatorError.includes(error.name)) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
}

async function main(): Promise<void> {
  if (!dev) {
    Reflect.set(process.env, "NODE_ENV", "production");
    // The standalone folder has no next.config.js: Next reads the build's config from this variable.
    const serverFiles = requiredServerFiles.parse(
      JSON.parse(readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8")),
    );
    process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(serverFiles.config);
  }
  const config = loadConfig();
  const log = createLogger(config);

  const app = await createApp(config, log);
  registerApp(app);
  log.info({ database: app.startup }, describeStartup(app.startup));

  const nextApp = next({ dev, dir, hostname: config.HOSTNAME, port: config.PORT });
  await nextApp.prepare();
  const handleNext = nextApp.getRequestHandler();

  const exit = (code: number) => process.exit(code);
  const server = createServer();
  const lifecycle = createLifecycle({
    server,
    log,
    delayMs: config.SHUTDOWN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      await app.database.close();
      await nextApp.close();
    },
    exit,
  });
  const handleHealth = createHealthHandler({
    database: app.database,
    readyTimeoutMs: config.READY_TIMEOUT_MS,
    isDraining: () => lifecycle.draining,
  });

  server.on("request", (request, response) => {
    lifecycle.track(request, response);
    void (async () => {
      try {
        if (await handleHealth(request, response)) return;
        await handleNext(request, response);
      } catch (error) {
        log.error({ err: error, url: request.url }, "request failed");
        if (!response.headersSent) {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end("Internal Server Error");
        } else {
          response.destroy();
        }
      }
    })();
  });
  handleSignals(lifecycle, log, exit);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.PORT, config.HOSTNAME, resolve);
    });
  } catch (error) {
    // Close the embedded database cleanly: its folder is locked to this process until then.
    await app.database.close();
    throw listenError(error, `${config.HOSTNAME}:${config.PORT}`);
  }
  log.info({ url: `http://${config.HOSTNAME}:${config.PORT}`, dev }, `listening on http://${config.HOSTNAME}:${config.PORT}`);
}

function describeStartup(startup: StartupReport): string {
  const migrations = startup.appliedMigrations.length;
  if (startup.seededUsers > 0) {
    return `${startup.database} created: ${migrations} migration(s) applied, ${startup.seededUsers} demo users seeded`;
  }
  return migrations > 0
    ? `${startup.database} opened: ${migrations} migration(s) applied`
    : `${startup.database} opened, up to date`;
}

function listenError(error: unknown, address: string): unknown {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === "EADDRINUSE") {
    return new StartupError(`Cannot listen on ${address}: the port is in use; stop the other process or set PORT`);
  }
  if (code === "EACCES") {
    return new StartupError(`Cannot listen on ${address}: permission denied; use a port above 1024 (PORT)`);
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new StartupError(`Cannot listen on ${address}: no such local address; set HOSTNAME (0.0.0.0 for all)`);
  }
  return error;
}
