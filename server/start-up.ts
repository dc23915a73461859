/**
 * The steps of start-up that server/main.ts runs in order: the build's Next config, the start-up report, and the
 * app's work that runs alongside requests, started before the server listens or, the periodic kind, after.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { z } from "zod";

import type { App, StartupReport } from "../lib/composition-root";
import type { Logger } from "../lib/ports/logger";

const requiredServerFiles = z.object({ config: z.record(z.string(), z.unknown()) });
/** The users-by-status gauge is recounted this often, never per scrape (issue 8). */
const USER_GAUGE_INTERVAL_MS = 30_000;

/** A production start: NODE_ENV, and the build's Next config (Next's folder is `dir`). */
export function applyBuildConfig(dir: string): void {
  Reflect.set(process.env, "NODE_ENV", "production");
  // The standalone folder has no next.config.js: Next reads the build's config from this variable.
  const serverFiles = requiredServerFiles.parse(
    JSON.parse(readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8")),
  );
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(serverFiles.config);
}

/** Says what start-up did to the database; on the start that created the first admin, how to sign in as them. */
export function announceStartup(report: StartupReport, log: Logger, url: string): void {
  // Without the bootstrap admin: its one-time password goes to the console once, never into the logs.
  const { bootstrapAdmin, ...startup } = report;
  log.info({ database: { ...startup, bootstrapAdmin: bootstrapAdmin?.email ?? null } }, describeStartup(report));
  // At once, before anything else can fail (a port in use): the admin now exists, and this is the only time
  // its one-time password can be shown.
  if (bootstrapAdmin) {
    console.log(describeBootstrapAdmin(bootstrapAdmin, url));
  }
}

/** The app's background work that needs no listener: started before Next prepares. */
export async function startBackgroundWork(app: App): Promise<void> {
  // Import jobs cut by an earlier stop or crash resume now, and any other replica's abandoned ones later.
  app.importJobs.start();
  // Flags changed on other replicas reach this one (LISTEN/NOTIFY on PostgreSQL, and a poll).
  await app.flagSync?.start();
  // Credentials changed on other replicas (revoked, signed out, disabled) are dropped from this one's cache.
  await app.credentialCache.start();
  app.flagEvaluations.start();
}

/**
 * Periodic database work, started once the server listens: Next's preparation loads its bundles synchronously,
 * which held the event loop for 1-2.5 s at a time on a loaded 2-core machine, and a unit of work waiting for a
 * connection across such a stall timed out on the wall clock (DB_POOL_WAIT_MS) with nothing wrong with the
 * database: "clean-up failed … DATABASE_BUSY" and "counting users for the metrics failed" on replicas started
 * during server/rolling-restart.process.test.ts. Returns the gauge's timer, which shutdown clears.
 */
export function startPeriodicWork(app: App, log: Logger): NodeJS.Timeout {
  // Expired sign-in failures, sessions, invitations and finished imports' files: now, then every interval.
  app.cleanup.start();
  // Domain events committed here or on other replicas reach their publishers, from whichever replica leads.
  app.eventRelay.start();
  const refreshUserGauge = () =>
    app.refreshUserGauge().catch((error: unknown) => log.warn({ err: error }, "counting users for the metrics failed"));
  void refreshUserGauge();
  const userGauge = setInterval(refreshUserGauge, USER_GAUGE_INTERVAL_MS);
  userGauge.unref();
  return userGauge;
}

/**
 * Printed once, on the start that created the first admin, straight to the console rather than as a log
 * record: the one-time password is for the person starting the server, and exists nowhere else.
 */
function describeBootstrapAdmin(admin: NonNullable<StartupReport["bootstrapAdmin"]>, url: string): string {
  const lines = [
    admin.reissued
      ? "The administrator's one-time password had expired unused (24 hours), so a new one was issued."
      : "First start: no users existed, so an administrator was created.",
    `  Sign in at ${url}/sign-in as ${admin.email}`,
    admin.generated
      ? `  with this one-time password: ${admin.password}`
      : "  with the password from BOOTSTRAP_ADMIN_PASSWORD.",
    "  You will be asked to choose a new password at once; this password expires in 24 hours.",
    ...(admin.generated ? ["  This password is shown only now; it is not stored anywhere in clear."] : []),
  ];
  const width = Math.max(...lines.map((line) => line.length));
  const rule = "=".repeat(width);
  return ["", rule, ...lines, rule, ""].join("\n");
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
