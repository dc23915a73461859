import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";

import type { Config } from "../lib/config";

/**
 * Who may read /metrics (issue 18, item 11): metrics name routes, volumes and users by status, which an outsider
 * need not see, and the image listens on every interface. `token`: only `Authorization: Bearer <METRICS_TOKEN>`.
 * `open`: anyone who can reach the port, which is only this machine. `off`: nobody (404).
 */
export type MetricsAccess = { kind: "token"; token: string } | { kind: "open" } | { kind: "off"; warning?: string };

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (and its IPv4-mapped form). */
export function isLoopbackHost(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (address === "localhost") return true;
  if (isIP(address) === 4) return address.startsWith("127.");
  if (isIP(address) === 6) return address === "::1" || /^::ffff:127\./.test(address);
  return false;
}

/**
 * METRICS_TOKEN when set, wherever the server listens. Unset: open on a loopback address (a developer's
 * `npm start`) or on METRICS_PORT (a port of its own, which no load balancer routes to: who reaches it is the
 * network's business), off beyond loopback otherwise (the container's 0.0.0.0), with a warning at start-up saying
 * how to turn it on.
 */
export function metricsAccess(config: Pick<Config, "HOSTNAME" | "METRICS_TOKEN" | "METRICS_PORT">): MetricsAccess {
  if (config.METRICS_TOKEN !== undefined) return { kind: "token", token: config.METRICS_TOKEN };
  if (config.METRICS_PORT !== undefined || isLoopbackHost(config.HOSTNAME)) return { kind: "open" };
  return {
    kind: "off",
    warning:
      `/metrics is off: the server listens on ${config.HOSTNAME}, beyond loopback, and METRICS_TOKEN is unset; ` +
      "set METRICS_TOKEN (16+ characters) and scrape with Authorization: Bearer <METRICS_TOKEN>, or serve it on a " +
      "port of its own with METRICS_PORT",
  };
}

/**
 * GET /metrics in Prometheus's text format, answered by our server before Next (like the health probes), so a
 * scrape costs no trip through Next's pipeline; who may read it is {@link metricsAccess}'s answer.
 */
export function createMetricsEndpoint(options: {
  exposition: () => Promise<{ contentType: string; text: string }>;
  access: MetricsAccess;
}) {
  const { access } = options;
  const expected = access.kind === "token" ? Buffer.from(`Bearer ${access.token}`) : undefined;
  return async function handleMetrics(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (request.url?.split("?")[0] !== "/metrics") return false;
    if (access.kind === "off") {
      // As if there were no such endpoint: an outsider learns nothing, not even that a token would open it.
      response.writeHead(404, { "content-type": "text/plain", "cache-control": "no-store" });
      response.end("Not Found\n");
      return true;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      response.end("Method Not Allowed\n");
      return true;
    }
    if (expected) {
      const sent = Buffer.from(request.headers.authorization ?? "");
      if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
        response.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain" });
        response.end("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n");
        return true;
      }
    }
    const { contentType, text } = await options.exposition();
    response.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    response.end(request.method === "HEAD" ? undefined : text);
    return true;
  };
}
