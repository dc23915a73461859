/**
 * The Node side of the API's dispatch (docs/decisions/010): a `node:http` request becomes a Fetch `Request`
 * for lib/http/api-router.ts, and its `Response` is written back, streamed when it is a stream (the users export,
 * an import's progress events). @remix-run/node-fetch-server does the conversion; its `Request` carries a signal
 * that aborts when the client goes away before the response is finished, which the import progress stream and
 * every deadline depend on.
 *
 * Compression as Next did it for these routes: gzip or brotli when the client accepts it, for bodies of 1 kB
 * and more; never for event streams, whose events must leave as they happen.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { createRequest, sendResponse } from "@remix-run/node-fetch-server";
import compression from "compression";

import { malformedRequest, type ApiRouter } from "../lib/http/api-router";

export type ApiRequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export function createApiServer({ router }: { router: ApiRouter }): ApiRequestHandler {
  const compress = compression({
    filter: (request, response) =>
      !String(response.getHeader("content-type") ?? "").startsWith("text/event-stream") &&
      compression.filter(request, response),
  });
  return async (incoming, outgoing) => {
    // compression() installs itself on the response and calls on at once (it never fails). Only for a client
    // that accepts an encoding: its hooks on every write cost a service that sends none (most do not).
    if (incoming.headers["accept-encoding"]) {
      await new Promise<void>((resolve) => compress(incoming, outgoing, () => resolve()));
    }
    let request: Request;
    try {
      request = createRequest(incoming, outgoing);
    } catch {
      // No URL can be made of what the client sent (a Host header like "a b"): its mistake, not a server error.
      await sendWhole(outgoing, malformedRequest());
      return;
    }
    // Never rejects: route() answers its handler's failures, the router any failure around them.
    const response = await router.dispatch(request);
    // The client went away meanwhile: nothing to send, but a stream must still be told to stop.
    if (outgoing.destroyed || request.signal.aborted) {
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    if (isWholeBody(response)) await sendWhole(outgoing, response);
    else await sendResponse(outgoing, response);
  };
}

/**
 * JSON (and problem+json) answers are built whole by the handlers; only CSV exports and event streams are
 * streams. A whole body goes out in one write with its Content-Length, rather than read chunk by chunk from a
 * stream and sent chunked (about a fifth of a GET's CPU before issue 16 changed it).
 */
function isWholeBody(response: Response): boolean {
  const type = response.headers.get("content-type") ?? "";
  return response.body === null || /^application\/(problem\+)?json\b/.test(type);
}

async function sendWhole(outgoing: ServerResponse, response: Response): Promise<void> {
  const body = response.body === null ? null : Buffer.from(await response.arrayBuffer());
  for (const [name, value] of response.headers) {
    // Set-Cookie is the one header that may repeat; Headers iterates each of its values separately.
    if (name === "set-cookie") outgoing.appendHeader(name, value);
    else outgoing.setHeader(name, value);
  }
  if (body !== null) outgoing.setHeader("content-length", body.byteLength);
  outgoing.statusCode = response.status;
  outgoing.end(outgoing.req.method === "HEAD" ? undefined : body);
}
