/**
 * Every request on the main port (server/main.ts hands it to node:http): what each request gets whoever answers
 * it (a request id, a SERVER span, its time in the metrics and a log line, the security headers), then the first
 * of server/responders.ts that is its own.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { context, propagation, ROOT_CONTEXT, trace, type Span } from "@opentelemetry/api";

import type { App } from "../lib/composition-root";
import type { Config } from "../lib/config";
import { isApiPath } from "../lib/http/api-router";
import { withRequestFacts, type RequestFacts } from "../lib/http/request-facts";
import { saneRequestId } from "../lib/http/request-info";
import type { Logger } from "../lib/ports/logger";
import { createForwardedForWarning } from "./forwarded-for-warning";
import type { Lifecycle } from "./lifecycle";
import type { Responders } from "./responders";
import { endRequestSpan, startRequestSpan, traceIdsOf } from "./request-span";
import { PROBE_ROUTES, type RedactPath, type RouteOf } from "./route-templates";
import { applySecurityHeaders } from "./security-headers";
import { answerDatabaseUnavailable, isPagePath } from "./unavailable-page";

export interface RequestHandlerDeps {
  responders: Responders;
  app: Pick<App, "metrics" | "databaseBreaker">;
  config: Pick<Config, "TRUST_PROXY" | "PUBLIC_ORIGIN">;
  log: Logger;
  dev: boolean;
  lifecycle: Pick<Lifecycle, "track">;
  routeOf: RouteOf;
  redactPath: RedactPath;
}

export function createRequestHandler(deps: RequestHandlerDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const { responders, app, config, log, dev, lifecycle, routeOf, redactPath } = deps;
  const tracer = trace.getTracer("user-console");
  const warnOfForwardedFor = createForwardedForWarning({ trustProxy: config.TRUST_PROXY, log });

  return (request, response) => {
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
    observeWhenClosed({ app, log, request, response, method, route, probe, requestId, span, facts });
    warnOfForwardedFor(request);
    const api = isApiPath(path) && responders.servesApi(method, request.url ?? "/");
    applySecurityHeaders(request, response, {
      dev,
      api,
      trustProxy: config.TRUST_PROXY,
      publicOrigin: config.PUBLIC_ORIGIN,
    });
    void context.with(requestContext, async () => {
      try {
        await dispatch({ responders, app, request, response, path, api, facts });
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
  };
}

/**
 * Every request is timed and logged by its route template, whoever answers it (probes, /metrics, Next). One cut
 * before its response finished (the client went away) counts as 499, nginx's "client closed request".
 */
function observeWhenClosed(observed: {
  app: Pick<App, "metrics">;
  log: Logger;
  request: IncomingMessage;
  response: ServerResponse;
  method: string;
  route: string;
  probe: boolean;
  requestId: string;
  span: Span | undefined;
  /** Who called, as the route handler found out (lib/http/request-facts.ts): read when the response closes. */
  facts: RequestFacts;
}): void {
  const { app, log, request, response, method, route, probe, requestId, span, facts } = observed;
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
}

/** The first responder whose request it is answers it: probes, /metrics, the REST API, then Next. */
async function dispatch({
  responders,
  app,
  request,
  response,
  path,
  api,
  facts,
}: {
  responders: Responders;
  app: Pick<App, "databaseBreaker">;
  request: IncomingMessage;
  response: ServerResponse;
  path: string;
  api: boolean;
  facts: RequestFacts;
}): Promise<void> {
  if (await responders.health(request, response)) return;
  if (await responders.metrics(request, response)) return;
  if (api) {
    await withRequestFacts(facts, () => responders.api(request, response));
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
  await withRequestFacts(facts, () => responders.next(request, response));
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
