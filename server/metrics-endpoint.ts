import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * GET /metrics in Prometheus's text format, answered by our server before Next (like the health probes), so a
 * scrape costs no trip through Next's pipeline. With a token configured (METRICS_TOKEN), only
 * `Authorization: Bearer <token>` may read it: metrics name routes and volumes an outsider need not see.
 */
export function createMetricsEndpoint(options: {
  exposition: () => Promise<{ contentType: string; text: string }>;
  token: string | undefined;
}) {
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  return async function handleMetrics(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (request.url?.split("?")[0] !== "/metrics") return false;
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
