import type { IncomingHttpHeaders } from "node:http";

import type { Logger } from "../lib/ports/logger";

/**
 * Warns once per process when a request arrives with X-Forwarded-For while TRUST_PROXY is off (issue 18): the
 * server is then most likely behind a proxy, every client has the proxy's address, and one client's failed
 * sign-ins throttle everyone's. Once, not per request: the log must not become the flood.
 */
export function createForwardedForWarning({ trustProxy, log }: { trustProxy: boolean; log: Pick<Logger, "warn"> }) {
  let warned = trustProxy;
  return (request: { headers: IncomingHttpHeaders; socket: { remoteAddress?: string } }): void => {
    if (warned || request.headers["x-forwarded-for"] === undefined) return;
    warned = true;
    log.warn(
      { remoteAddress: request.socket.remoteAddress ?? null },
      "X-Forwarded-For received while TRUST_PROXY is off: if a reverse proxy forwards to this server, every client " +
        "has its address, and sign-in throttling per address hits them all together; set TRUST_PROXY=true when the " +
        "proxy sets X-Forwarded-For (and clients cannot reach this server directly). Said once per process.",
    );
  };
}
