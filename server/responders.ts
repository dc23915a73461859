/**
 * What answers a request on the main port, built once Next has prepared (server/main.ts); server/request-handler.ts
 * asks them in turn: the health probes, /metrics, the REST API (our own dispatch), then Next (pages).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import type { App } from "../lib/composition-root";
import type { Config } from "../lib/config";
import { createApiRouter } from "../lib/http/api-router";
import type { Logger } from "../lib/ports/logger";
import { createApiServer, type ApiRequestHandler } from "./api-server";
import { createHealthHandler } from "./health";
import type { Lifecycle } from "./lifecycle";
import { createMetricsEndpoint, metricsAccess } from "./metrics-endpoint";
import type { RedactPath } from "./route-templates";

/** Answers the request when it is theirs (true), or leaves it to the next one (false). */
export type Responder = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export interface Responders {
  /** /live and /ready (server/health.ts). */
  health: Responder;
  /** /metrics on the main port: 404 when METRICS_PORT serves it. */
  metrics: Responder;
  /** /metrics as served on METRICS_PORT, when set (server/listen.ts createMetricsServer). */
  scrapes: Responder;
  /** The REST API (docs/decisions/010). */
  api: ApiRequestHandler;
  /** Whether our dispatch answers this API request; in development Next keeps the routes that have a handler. */
  servesApi: (method: string, url: string) => boolean;
  /** Next's own request handler: pages, assets, and in development the API routes it keeps. */
  next: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}

export function createResponders({
  app,
  config,
  log,
  dev,
  lifecycle,
  handleNext,
  redactPath,
}: {
  app: App;
  config: Config;
  log: Logger;
  dev: boolean;
  lifecycle: Pick<Lifecycle, "draining">;
  handleNext: Responders["next"];
  redactPath: RedactPath;
}): Responders {
  const handleHealth = createHealthHandler({
    database: app.database,
    log,
    readyTimeoutMs: config.READY_TIMEOUT_MS,
    isDraining: () => lifecycle.draining,
    flagsInitialized: () => app.featureFlags.initialized(),
    breaker: app.databaseBreaker,
    onReadiness: (ready) => app.metrics.setReady(ready),
    // Tracing was started by Next's prepare() (instrumentation.ts), in Next's bundle: hence globalThis.
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
  return { health: handleHealth, metrics: handleMetrics, scrapes, api: handleApi, servesApi, next: handleNext };
}
