/**
 * GET /api/v1/events: the live console's stream (issue 21). Server-Sent Events of what changed, as it commits,
 * among what the caller may read (lib/use-cases/live-changes.ts).
 */
import { untilAborted } from "../../domain/until-aborted";
import type { LiveFrame } from "../../use-cases/live-changes";
import { route } from "../route";
import { IMPORT_EVENT_STREAM_CAPS } from "../../use-cases/watch-import";
import { liveEventsResponse } from "../../api-contract";

/** A comment line this often keeps proxies and the browser from taking a quiet stream for a dead one. */
const HEARTBEAT_MS = 15_000;

export const liveEvents = route({
  method: "GET",
  path: "/api/v1/events",
  // The live console's stream: anyone signed in, each hearing only of what they may read (use-cases/live-changes.ts).
  access: "self",
  summary: "Follow changes live",
  description:
    "What changed, as it commits: the stream the console's pages refresh from (one per browser, shared by its tabs). " +
    "Import progress streams and these count against the same caps: a caller may have " +
    `${IMPORT_EVENT_STREAM_CAPS.perPrincipal} open at once and a server ${IMPORT_EVENT_STREAM_CAPS.perProcess}: past ` +
    "either, 429 `TOO_MANY_CONCURRENT_REQUESTS` with Retry-After.",
  tag: "Events",
  responses: { "200": { description: "The event stream", schema: liveEventsResponse, mediaType: "text/event-stream" } },
  errors: ["TOO_MANY_CONCURRENT_REQUESTS"],
  async handler({ app, request, caller, stillAllowed }) {
    const stop = AbortSignal.any([request.signal, app.importJobs.stopping]);
    // The browser's EventSource sends Last-Event-ID when it reconnects; a tab taking over the shared stream passes
    // the last id it saw in the query (EventSource cannot set headers).
    const lastEventId = request.headers.get("last-event-id") || new URL(request.url).searchParams.get("lastEventId") || null;
    // Past the caps this throws: answered 429 as problem+json, before any stream exists.
    const context = caller();
    const live = app.liveChanges.watch(lastEventId, { signal: stop, stillAllowed }, context);
    // Answered once this replica hears what commits, so whatever commits after the answer is on the stream; within
    // the request's deadline (a PostgreSQL that does not answer the LISTEN's connect: 504), closing the stream when
    // not answered, so its slot is given back.
    try {
      await untilAborted(live.listening, context.signal);
    } catch (error) {
      live.close();
      throw error;
    }
    const encoder = new TextEncoder();
    const frame = (next: LiveFrame) =>
      encoder.encode(
        next.kind === "reset"
          ? `id: ${next.id}\nevent: reset\ndata: {}\n\n`
          : `id: ${next.id}\nevent: change\ndata: ${JSON.stringify(next.change)}\n\n`,
      );
    let heartbeat: NodeJS.Timeout | undefined;
    const end = () => {
      clearInterval(heartbeat);
      live.close();
    };
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // A client that loses the stream (a replica draining) reconnects after a second, with its Last-Event-ID.
        controller.enqueue(encoder.encode("retry: 1000\n\n"));
        heartbeat = setInterval(() => controller.enqueue(encoder.encode(": keep-alive\n\n")), HEARTBEAT_MS);
        heartbeat.unref();
      },
      async pull(controller) {
        const next = await live.next();
        if (next) return controller.enqueue(frame(next));
        end();
        controller.close();
      },
      cancel: end,
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  },
});
