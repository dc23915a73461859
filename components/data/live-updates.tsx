"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

import { createInvalidationCoalescer, type LiveMessage } from "./live-invalidation";

/** The tabs of one browser share one stream (browsers allow six connections per origin over HTTP/1.1). */
const LOCK = "user-console-live-stream";
const CHANNEL = "user-console-live";

/** A tab's refetches wait this long after the last change of a burst, and no longer than `MAX_WAIT_MS`. */
const QUIET_MS = 250;
const MAX_WAIT_MS = 1_000;

type Broadcast = LiveMessage & { id: string };

/**
 * The live console (issue 21): pages refresh what they show when another admin, a script or an import changes it,
 * without a reload. One tab per browser holds a Web Lock and with it the one stream (GET /api/v1/events), and passes
 * each change to the other tabs over a BroadcastChannel; when that tab closes, the next one in line takes the lock
 * and resumes from the last change any tab saw (the first, from where the server stood when it rendered the page).
 * Each tab invalidates its React Query caches, coalesced
 * (components/data/live-invalidation.ts). Without Web Locks (an old browser) each tab holds a stream of its own.
 */
export function LiveUpdates({ since }: { since: string }) {
  const queryClient = useQueryClient();
  useEffect(() => {
    const coalescer = createInvalidationCoalescer(
      (keys) => {
        if (keys === null) void queryClient.invalidateQueries();
        else for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey });
      },
      { quietMs: QUIET_MS, maxWaitMs: MAX_WAIT_MS },
    );
    const channel = new BroadcastChannel(CHANNEL);
    // Where the server stood when it rendered this page: the stream starts from there, so a change committed
    // between the render and the stream's start still reaches the page.
    let lastId: string | null = since;
    channel.onmessage = (event: MessageEvent<Broadcast>) => {
      lastId = event.data.id;
      coalescer.add(event.data);
    };
    const gone = new AbortController();

    /** Holds the stream until this tab goes; resolves then, which gives the lock to the next tab. */
    const holdStream = () =>
      new Promise<void>((release) => {
        const source = new EventSource(`/api/v1/events${lastId ? `?lastEventId=${encodeURIComponent(lastId)}` : ""}`);
        const pass = (message: LiveMessage, id: string) => {
          lastId = id;
          coalescer.add(message);
          channel.postMessage({ ...message, id } satisfies Broadcast);
        };
        source.addEventListener("change", (event) => pass({ kind: "change", change: JSON.parse(event.data) }, event.lastEventId));
        source.addEventListener("reset", (event) => pass({ kind: "reset" }, event.lastEventId));
        gone.signal.addEventListener("abort", () => {
          source.close();
          release();
        });
      });

    if ("locks" in navigator) {
      // Rejects with the abort when this tab goes while still waiting in line: nothing to do then.
      navigator.locks.request(LOCK, { signal: gone.signal }, holdStream).catch(() => undefined);
    } else {
      void holdStream();
    }
    return () => {
      gone.abort();
      channel.close();
      coalescer.stop();
    };
  }, [queryClient, since]);
  return null;
}
