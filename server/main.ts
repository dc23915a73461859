/**
 * The process entry: builds the app, hosts Next's request handler on our own node:http server, answers the
 * health probes itself, and owns shutdown (docs/decisions/002-own-server.md).
 *
 *   node server/main.mjs          production build (npm start, the container's CMD)
 *   tsx server/main.ts --dev      development (npm run dev)
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from "@opentelemetry/semantic-conventions";
import next from "next";
import { z } from "zod";

import { createLogger } from "../lib/adapters/pino/logger";
import { registerApp, registerPathRedactor } from "../lib/app-registry";
import { createApp, type App, type StartupReport } from "../lib/composition-root";
import { loadConfig } from "../lib/config";
import { createApiRouter, isApiPath } from "../lib/http/api-router";
import { withRequestFacts, type RequestFacts } from "../lib/http/request-facts";
import { saneRequestId, traceIdOfTraceparent } from "../lib/http/request-info";
import { createApiServer } from "./api-server";
import { createForwardedForWarning } from "./forwarded-for-warning";
import { createHealthHandler } from "./health";
import { createLifecycle, DATABASE_CLOSE_TIMEOUT_MS, handleSignals, TRACING_FLUSH_TIMEOUT_MS } from "./lifecycle";
import { createMetricsEndpoint, metricsAccess } from "./metrics-endpoint";
import { createPathRedactor, createRouteMatcher, loadRouteTemplates, PROBE_ROUTES } from "./route-templates";
import { applySecurityHeaders } from "./security-headers";
import { answerDatabaseUnavailable, isPagePath } from "./unavailable-page";

const requiredServerFiles = z.object({ config: z.record(z.string(), z.unknown()) });
const dev = process.argv.includes("--dev");
// Next's folder: the project root in development, the standalone folder in production (server/ sits in both).
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The users-by-status gauge is recounted this often, never per scrape (issue 8). */
const USER_GAUGE_INTERVAL_MS = 30_000;
/** Methods named as such in spans; any other is `_OTHER` (OpenTelemetry's HTTP semantic conventions). */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]);

/** A start-up failure the operator can fix, such as a port in use. */
class StartupError extends Error {
  override name = "StartupError";
}

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
  const exit = (code: number) => process.exit(code);
  const server = createServer();

  // Shutdown may begin at any point of start-up and closes what exists by then. The database closes once,
  // from whichever path gets there first (a signal or a failed start). `opening` is declared further down,
  // right after the signal handlers: no signal is handled before then, as nothing in between awaits.
  let nextApp: ReturnType<typeof next> | undefined;
  let metricsServer: Server | undefined;
  let databaseClosed: Promise<void> | undefined;
  const closeDatabase = () =>
    (databaseClosed ??= (async () => {
      // Still opening: let it finish (or fail: it then closes what it had opened itself), then close it.
      const app = await opening.catch(() => undefined);
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
    })());

  const lifecycle = createLifecycle({
    server,
    log,
    delayMs: config.SHUTDOWN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    startup: () => opening.then(() => undefined, () => undefined),
    onDrain: () => {
      clearInterval(userGauge);
      void opening.then((app) => app.cleanup.stop()).catch(() => undefined); // closeDatabase reports failures
      void opening.then((app) => app.importJobs.stop()).catch(() => undefined); // closeDatabase reports failures
    },
    closeDatabase,
    databaseCloseTimeoutMs: DATABASE_CLOSE_TIMEOUT_MS,
    closeNext: async () => {
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await nextApp?.close();
    },
    // Started by Next from instrumentation.ts (lib/adapters/otel/start-tracing.ts), unless OTEL_SDK_DISABLED.
    closeTracing: async () => {
      await globalThis.__userConsoleTracing?.shutdown();
    },
    tracingCloseTimeoutMs: TRACING_FLUSH_TIMEOUT_MS,
    exit,
  });
  // Before the database opens: a SIGTERM during a slow start (migrations, seeding) must still close it.
  handleSignals(lifecycle, log, exit);

  let userGauge: NodeJS.Timeout | undefined;
  const opening: Promise<App> = createApp(config, log);
  const app = await opening;
  try {
    registerApp(app);
    // Without the bootstrap admin: its one-time password goes to the console once, never into the logs.
    const { bootstrapAdmin, ...startup } = app.startup;
    log.info({ database: { ...startup, bootstrapAdmin: bootstrapAdmin?.email ?? null } }, describeStartup(app.startup));
    // At once, before anything else can fail (a port in use): the admin now exists, and this is the only time
    // its one-time password can be shown.
    if (bootstrapAdmin) {
      console.log(describeBootstrapAdmin(bootstrapAdmin, `http://${config.HOSTNAME}:${config.PORT}`));
    }
    if (lifecycle.draining) return; // a signal came meanwhile: the shutdown under way closes the database
    // Import jobs cut by an earlier stop or crash resume now, and any other replica's abandoned ones later.
    app.importJobs.start();
    // Flags changed on other replicas reach this one (LISTEN/NOTIFY on PostgreSQL, and a poll).
    await app.flagSync?.start();
    // Credentials changed on other replicas (revoked, signed out, disabled) are dropped from this one's cache.
    await app.credentialCache.start();
    app.flagEvaluations.start();

    const templates = loadRouteTemplates(dir);
    const routeOf = createRouteMatcher(templates);
    // Paths are recorded in spans and error lines only through this: a secret in a path stays in the process
    // (issue 18, item 4). Registered before Next prepares, which starts tracing (instrumentation.ts).
    const redactPath = createPathRedactor(templates);
    registerPathRedactor(redactPath);

    nextApp = next({ dev, dir, hostname: config.HOSTNAME, port: config.PORT });
    await nextApp.prepare();
    if (lifecycle.draining) return;
    const handleNext = nextApp.getRequestHandler();
    const handleHealth = createHealthHandler({
      database: app.database,
      log,
      readyTimeoutMs: config.READY_TIMEOUT_MS,
      isDraining: () => lifecycle.draining,
      flagsInitialized: () => app.featureFlags.initialized(),
      breaker: app.databaseBreaker,
      onReadiness: (ready) => app.metrics.setReady(ready),
      // Tracing was started by Next's prepare() above (instrumentation.ts), in Next's bundle: hence globalThis.
      ...(config.READY_REQUIRES_TRACE_EXPORT && {
        traceExport: { watch: () => globalThis.__userConsoleTracing?.traceExport, graceMs: config.READY_TRACE_EXPORT_GRACE_MS },
      }),
    });
    if (config.READY_REQUIRES_TRACE_EXPORT && !globalThis.__userConsoleTracing?.traceExport) {
      log.warn(
        { OTEL_SDK_DISABLED: process.env.OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER },
        "READY_REQUIRES_TRACE_EXPORT is set, but no OTLP exporter is running (tracing off, or another exporter): /ready's traceExport check always passes",
      );
    }
    const access = metricsAccess(config);
    // Beyond loopback without a token or a port of its own, nobody may scrape: said once (issue 18, item 11).
    if (access.kind === "off" && access.warning) log.warn({ listen: config.HOSTNAME }, access.warning);
    const exposition = () => app.metrics.exposition();
    const scrapes = createMetricsEndpoint({ exposition, access });
    // With METRICS_PORT, /metrics is served there only; the main port, which the load balancer routes, says 404.
    const handleMetrics =
      config.METRICS_PORT === undefined ? scrapes : createMetricsEndpoint({ exposition, access: { kind: "off" } });
    // The REST API is served by our own dispatch, not Next's pipeline (docs/decisions/010). In development Next
    // keeps the routes that have a handler, so editing one reloads it; the router still answers the rest (an
    // unknown path, a method a route lacks) so those look the same as in production.
    const apiRouter = createApiRouter({
      onError: (error, request) => log.error({ err: error, path: redactPath(new URL(request.url).pathname) }, "request failed"),
    });
    const handleApi = createApiServer({ router: apiRouter });
    const servesApi = (method: string, url: string) =>
      !dev || apiRouter.resolve(method, new URL(url, "http://localhost")).kind !== "handler";
    const tracer = trace.getTracer("user-console");
    const warnOfForwardedFor = createForwardedForWarning({ trustProxy: config.TRUST_PROXY, log });

    server.on("request", (request, response) => {
      lifecycle.track(request, response);
      // One id per request, the caller's when sane: Next's handlers read it from the header, so the id in a
      // problem body, the response header and the log line are the same.
      const requestId = saneRequestId(request.headers["x-request-id"]?.toString()) ?? randomUUID();
      request.headers["x-request-id"] = requestId;
      response.setHeader("x-request-id", requestId);
      const facts: RequestFacts = { actorType: null, actorId: null };
      const method = request.method ?? "GET";
      const path = (request.url ?? "/").split("?")[0] ?? "/";
      const route = routeOf(path);
      const probe = PROBE_ROUTES.has(route);
      // One SERVER span per request (issue 8), continuing the caller's trace when it sent a W3C traceparent;
      // Next's own spans and ours (use cases, repository calls) nest under it, as everything below runs in its
      // context. Not for probes and scrapes: they would be most of the traces and say nothing.
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const span = probe ? undefined : startRequestSpan(tracer, parent, method, route, redactPath(path));
      const requestContext = span ? trace.setSpan(parent, span) : parent;
      // Every request is timed and logged by its route template, whoever answers it (probes, /metrics, Next).
      // One cut before its response finished (the client went away) counts as 499, nginx's "client closed request".
      const started = performance.now();
      response.once("close", () => {
        const status = response.writableFinished ? response.statusCode : 499;
        const seconds = (performance.now() - started) / 1000;
        app.metrics.observeRequest({ method, route, status, probe }, seconds);
        const line = {
          method,
          route,
          status,
          durationMs: Math.round(seconds * 1e4) / 10,
          requestId,
          ...traceIdsOf(span, request.headers.traceparent?.toString()),
          ...facts,
        };
        // Probes and scrapes come every few seconds from every prober: in the log only when debugging.
        if (probe) log.debug(line, "request");
        else log.info(line, "request");
      });
      warnOfForwardedFor(request);
      const api = isApiPath(path) && servesApi(method, request.url ?? "/");
      applySecurityHeaders(request, response, {
        dev,
        api,
        trustProxy: config.TRUST_PROXY,
        publicOrigin: config.PUBLIC_ORIGIN,
      });
      void context.with(requestContext, async () => {
        try {
          if (await handleHealth(request, response)) return;
          if (await handleMetrics(request, response)) return;
          if (api) {
            await withRequestFacts(facts, () => handleApi(request, response));
            return;
          }
          // Next answers a path that is not valid percent-encoded UTF-8 with a bare 500 (decodeURIComponent throws
          // inside it): it is the client's mistake, said as such.
          if (!isDecodable(path)) {
            response.writeHead(400, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
            response.end("Bad Request: the address is not valid percent-encoded UTF-8\n");
            return;
          }
          // While the database's breaker is open no page can render (each needs the session behind it at
          // least): answered here at once, 503 with Retry-After, rather than by Next failing slowly (issue 17).
          if (app.databaseBreaker.state() !== "closed" && isPagePath(path)) {
            answerDatabaseUnavailable(request, response, app.databaseBreaker.retryAfterSeconds());
            return;
          }
          await withRequestFacts(facts, () => handleNext(request, response));
        } catch (error) {
          log.error({ err: error, route, path: redactPath(path) }, "request failed");
          if (!response.headersSent) {
            response.writeHead(500, { "content-type": "text/plain" });
            response.end("Internal Server Error");
          } else {
            response.destroy();
          }
        } finally {
          // Ended once the handler has returned and the response has closed, whichever comes last: Next writes
          // the route onto its caller's span after it has answered, and a write to an ended span is an error.
          if (span) {
            const end = () => endRequestSpan(span, response.writableFinished ? response.statusCode : undefined);
            if (response.closed) end();
            else response.once("close", end);
          }
        }
      });
    });

    await listen(server, config.PORT, config.HOSTNAME, "");
    if (config.METRICS_PORT !== undefined) {
      metricsServer = createServer((request, response) => {
        scrapes(request, response)
          .then((handled) => {
            if (!handled) response.writeHead(404, { "content-type": "text/plain" }).end("Not Found\n");
          })
          .catch((error: unknown) => {
            log.error({ err: error }, "metrics scrape failed");
            if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error\n");
            else response.destroy();
          });
      });
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
  const url = `http://${config.HOSTNAME}:${config.PORT}`;
  log.info({ url, dev }, `listening on ${url}`);
  // Periodic database work starts only now (unless stopped meanwhile): Next's preparation above loads its bundles
  // synchronously, which held the event loop for 1-2.5 s at a time on a loaded 2-core machine, and a unit of work
  // waiting for a connection across such a stall timed out on the wall clock (DB_POOL_WAIT_MS) with nothing wrong
  // with the database: "clean-up failed … DATABASE_BUSY" and "counting users for the metrics failed" on replicas
  // started during server/rolling-restart.process.test.ts.
  if (!lifecycle.draining) {
    // Expired sign-in failures, sessions, invitations and finished imports' files: now, then every interval.
    app.cleanup.start();
    // Domain events committed here or on other replicas reach their publishers, from whichever replica leads.
    app.eventRelay.start();
    const refreshUserGauge = () =>
      app.refreshUserGauge().catch((error: unknown) => log.warn({ err: error }, "counting users for the metrics failed"));
    void refreshUserGauge();
    userGauge = setInterval(refreshUserGauge, USER_GAUGE_INTERVAL_MS);
    userGauge.unref();
  }
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The request's SERVER span, child of the caller's span when its `traceparent` was valid (`parent`, extracted
 * by the SDK's propagators: W3C trace context by default, OTEL_PROPAGATORS). Named by route template, never the
 * raw path. `url.path` is the path with every segment that could be a secret masked (`/invitations/REDACTED`),
 * as the semantic conventions ask of sensitive content (issue 18, item 4); the query string, which can hold a
 * search for an email, is left out.
 */
function startRequestSpan(
  tracer: Tracer,
  parent: Context,
  method: string,
  route: string,
  path: string,
): Span {
  const known = KNOWN_METHODS.has(method);
  return tracer.startSpan(
    `${known ? method : "HTTP"} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: known ? method : "_OTHER",
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_URL_PATH]: path,
      },
    },
    parent,
  );
}

/** A 5xx is the server's failure; a 4xx is the caller's, and leaves the server span unset (as conventions say). */
function endRequestSpan(span: Span, status: number | undefined): void {
  if (status !== undefined) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * The ids for the request's log line: its span's, which the logger cannot find by itself at `close` (that event
 * runs outside the request's context); while tracing is off, the trace id the caller sent, as in problem bodies
 * (lib/http/request-info.ts `traceIdOf`).
 */
function traceIdsOf(span: Span | undefined, traceparent: string | undefined): { traceId?: string; spanId?: string } {
  const ids = span?.spanContext();
  if (ids && isSpanContextValid(ids)) return { traceId: ids.traceId, spanId: ids.spanId };
  const traceId = traceIdOfTraceparent(traceparent);
  return traceId ? { traceId } : {};
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

/** Resolves once `server` listens; a failure becomes {@link listenError}'s one line, `what` naming the variable. */
async function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    throw listenError(error, `${host}:${port}${what}`);
  }
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
    return new StartupError(`Cannot listen on ${address}: no such local address; set LISTEN_HOST (0.0.0.0 for all)`);
  }
  return error;
}
