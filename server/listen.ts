/**
 * Opening the server's ports (server/main.ts): the main one, and METRICS_PORT's when set. A port that cannot be
 * opened is a {@link StartupError}: one line naming the problem and its fix.
 */
import { createServer, type Server } from "node:http";

import type { Logger } from "../lib/ports/logger";
import type { Responder } from "./responders";

/**
 * A start-up failure the operator can fix, such as a port in use. Matched by name (server/main.ts), like the
 * other errors an operator can fix.
 */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Resolves once `server` listens; a failure becomes {@link listenError}'s one line, `what` naming the variable. */
export async function listen(server: Server, port: number, host: string, what: string): Promise<void> {
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

/** The server of METRICS_PORT: /metrics, and 404 for anything else. */
export function createMetricsServer(scrapes: Responder, log: Logger): Server {
  return createServer((request, response) => {
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
}
