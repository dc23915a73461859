/**
 * What shutdown closes, and in which order (server/main.ts; the sequence itself, signals to exit, is
 * server/lifecycle.ts). Shutdown may begin at any point of start-up and closes what exists by then. The database
 * closes once, from whichever path gets there first (a signal or a failed start).
 */
import type { Server } from "node:http";

import type { App } from "../lib/composition-root";
import type { Config } from "../lib/config";
import type { Logger } from "../lib/ports/logger";
import { createLifecycle, DATABASE_CLOSE_TIMEOUT_MS, TRACING_FLUSH_TIMEOUT_MS, type Lifecycle } from "./lifecycle";

/** What start-up has made so far beyond the app: filled in as start-up gets there. */
export interface Started {
  nextApp?: { close(): Promise<void> };
  metricsServer?: Server;
  userGauge?: NodeJS.Timeout;
}

export interface Shutdown {
  lifecycle: Lifecycle;
  /** Stops the app's background work, then closes the database; once, whoever calls first. */
  closeDatabase: () => Promise<void>;
}

export function createShutdown(options: {
  server: Server;
  config: Pick<Config, "SHUTDOWN_DELAY_MS" | "SHUTDOWN_TIMEOUT_MS">;
  log: Logger;
  /** The app being opened, once it is (a signal may come before). */
  opening: () => Promise<App>;
  started: Started;
  exit: (code: number) => void;
}): Shutdown {
  const { server, config, log, opening, started, exit } = options;
  let databaseClosed: Promise<void> | undefined;
  const closeDatabase = () => (databaseClosed ??= stopAppThenCloseDatabase(opening, log));

  const lifecycle = createLifecycle({
    server,
    log,
    delayMs: config.SHUTDOWN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    startup: () => opening().then(() => undefined, () => undefined),
    onDrain: () => {
      clearInterval(started.userGauge);
      void opening().then((app) => app.cleanup.stop()).catch(() => undefined); // closeDatabase reports failures
      void opening().then((app) => app.importJobs.stop()).catch(() => undefined); // closeDatabase reports failures
    },
    closeDatabase,
    databaseCloseTimeoutMs: DATABASE_CLOSE_TIMEOUT_MS,
    closeNext: async () => {
      started.metricsServer?.close();
      started.metricsServer?.closeAllConnections();
      await started.nextApp?.close();
    },
    // Started by Next from instrumentation.ts (lib/adapters/otel/start-tracing.ts), unless OTEL_SDK_DISABLED.
    closeTracing: async () => {
      await globalThis.__userConsoleTracing?.shutdown();
    },
    tracingCloseTimeoutMs: TRACING_FLUSH_TIMEOUT_MS,
    exit,
  });
  return { lifecycle, closeDatabase };
}

async function stopAppThenCloseDatabase(opening: () => Promise<App>, log: Logger): Promise<void> {
  // Still opening: let it finish (or fail: it then closes what it had opened itself), then close it.
  const app = await opening().catch(() => undefined);
  // No more probes of a database that is about to close.
  app?.databaseBreaker.stop();
  // The event relay lets go of its lease (another replica takes over) before the database goes; a batch being
  // published is abandoned, and sent again by the next leader (at-least-once).
  await app?.eventRelay.stop().catch((error: unknown) => log.error({ err: error }, "stopping the event relay failed"));
  // The live console's streams ended with the drain; its listening connection goes now.
  await app?.liveChanges.close().catch((error: unknown) => log.error({ err: error }, "stopping the live console's feed failed"));
  // Import batches under way finish and commit first; cut jobs give up their lease for the next start.
  await app?.importJobs.stop().catch((error: unknown) => log.error({ err: error }, "stopping import jobs failed"));
  await app?.cleanup.stop().catch((error: unknown) => log.warn({ err: error }, "stopping the clean-up failed"));
  await app?.flagEvaluations.stop().catch((error: unknown) => log.warn({ err: error }, "storing the last flag evaluation counts failed"));
  await app?.flagSync?.stop().catch((error: unknown) => log.error({ err: error }, "stopping the flag sync failed"));
  await app?.credentialCache.stop().catch((error: unknown) => log.error({ err: error }, "stopping the credential cache failed"));
  await app?.featureFlags.close().catch((error: unknown) => log.error({ err: error }, "closing the feature flag SDK failed"));
  await app?.database.close();
}
