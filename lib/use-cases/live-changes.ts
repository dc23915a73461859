/**
 * The live console (issue 21, item 2): what changed, as it commits, for the browsers connected to this process
 * (GET /api/v1/events). Each change is a domain event's type and subject, no payload: the console refetches what it
 * shows, through the API and its permissions, so a stream tells a caller only that something they may read changed.
 *
 * One hub per process takes the changes from its source (on PostgreSQL the `domain_events` channel, which every
 * replica hears in commit order, its own commits included; elsewhere this process's own commits), numbers them,
 * keeps the last {@link LIVE_BUFFER} for reconnects, and fans them out to the open streams. A stream resumes after
 * its Last-Event-ID when this process still has what followed it; otherwise (another replica, a restart, too long
 * away, the source reconnected) it starts with `reset`: anything may have changed, refetch everything.
 */
import { randomUUID } from "node:crypto";

import type { EventSubject } from "../domain/events";
import { principalHas, type Permission } from "../domain/permissions";
import type { LiveChange, LiveChangeSource } from "../ports/live-changes";
import type { CallContext } from "./call-context";
import type { ConcurrencySlots } from "./concurrency-slots";

export type LiveFrame =
  /** `id` is the stream position to send back as Last-Event-ID. */
  | { kind: "change"; id: string; change: LiveChange }
  /** Something may have been missed: refetch everything. */
  | { kind: "reset"; id: string };

/** Changes kept for streams that reconnect. */
export const LIVE_BUFFER = 2_000;
/** How often an open stream re-checks its caller's credential (as the import progress streams do). */
export const LIVE_RECHECK_MS = 5_000;

/** Who may hear of a change: the permission that reads its subject. */
const READ_PERMISSION: Record<EventSubject["type"], Permission> = {
  user: "users:read",
  flag: "flags:read",
  token: "tokens:manage",
  import: "users:import",
};

export interface LiveStream {
  /**
   * Settles once this process hears what commits (on PostgreSQL, its LISTEN is in place), or has tried and will try
   * again (the database is down: up to the connect timeout). Never rejects. Answering a stream after it means that
   * every change committed after the answer is on the stream, or a reset where some may have been missed (the
   * source reconnected).
   */
  listening: Promise<void>;
  /** The next frame, waiting for one if need be; null once the stream has ended (closed, or the credential ended). */
  next(): Promise<LiveFrame | null>;
  /** Ends the stream and gives its slot back; safe to call twice. */
  close(): void;
}

export interface LiveChanges {
  /**
   * One caller's stream: first what followed `lastEventId` (or `reset` when that cannot be told), then each change
   * it may read as it commits, until `signal` aborts, `close()`, or the caller's credential ends (re-checked every
   * `recheckMs`).
   * @throws ConcurrencyLimitError at once past the caps shared with the import progress streams.
   */
  watch(lastEventId: string | null, options: { signal: AbortSignal; stillAllowed: () => Promise<boolean> }, context: CallContext): LiveStream;
  /**
   * Where the stream stands now, as a Last-Event-ID: a page rendered on the server hands it to the browser, whose
   * stream then starts from there, so a change committed between the render and the stream's start is not missed.
   * Starts listening to the source if nothing had yet.
   */
  position(): string;
  /** Streams open in this process (metrics, tests). */
  readonly streams: number;
  /** Stops listening to the source (shutdown). */
  close(): Promise<void>;
}

export function makeLiveChanges(deps: { source: LiveChangeSource; slots: ConcurrencySlots; recheckMs?: number }): LiveChanges {
  const recheckMs = deps.recheckMs ?? LIVE_RECHECK_MS;
  // Positions are this process's: `<boot>.<n>`. A Last-Event-ID from another boot (a restart, another replica)
  // cannot be placed, and gets a reset.
  const boot = randomUUID().slice(0, 8);
  const buffer: LiveFrame[] = [];
  let counter = 0;
  const listeners = new Set<(frame: LiveFrame) => void>();
  let subscribed: Promise<{ close(): Promise<void> }> | undefined;
  let streams = 0;
  const idOf = (n: number) => `${boot}.${n}`;
  const numberOf = (frame: LiveFrame) => Number(frame.id.slice(boot.length + 1));

  function emit(kind: "reset"): void;
  function emit(kind: "change", change: LiveChange): void;
  function emit(kind: LiveFrame["kind"], change?: LiveChange): void {
    counter++;
    const frame: LiveFrame = kind === "reset" || !change ? { kind: "reset", id: idOf(counter) } : { kind, id: idOf(counter), change };
    buffer.push(frame);
    if (buffer.length > LIVE_BUFFER) buffer.shift();
    for (const listener of listeners) listener(frame);
  }

  function listen(): void {
    if (subscribed) return;
    subscribed = deps.source.subscribe((changes) => {
      if (changes === null) emit("reset");
      // Only the type and the subject, whatever the source handed over (a local commit hands whole events).
      else for (const { type, subject } of changes) emit("change", { type, subject: { type: subject.type, id: subject.id } });
    });
    // Could not listen (the database is down): the next stream tries again; this one hears nothing until then.
    subscribed.catch(() => (subscribed = undefined));
  }

  /** What followed `lastEventId`, or null when this process cannot tell. */
  function since(lastEventId: string): LiveFrame[] | null {
    const [from, n] = lastEventId.split(".");
    const seen = Number(n);
    if (from !== boot || !Number.isSafeInteger(seen) || seen > counter) return null;
    const oldest = buffer[0] ? numberOf(buffer[0]) : counter + 1;
    if (seen < oldest - 1) return null; // fell out of the buffer
    return buffer.filter((frame) => numberOf(frame) > seen);
  }

  function watch(
    lastEventId: string | null,
    options: { signal: AbortSignal; stillAllowed: () => Promise<boolean> },
    context: CallContext,
  ): LiveStream {
    const release = deps.slots.acquire(context.principal);
    streams++;
    listen();
    const mayRead = (frame: LiveFrame) => frame.kind === "reset" || principalHas(context.principal, READ_PERMISSION[frame.change.subject.type]);
    const queue: LiveFrame[] = [];
    if (lastEventId !== null) {
      const missed = since(lastEventId);
      queue.push(...(missed === null ? [{ kind: "reset" as const, id: idOf(counter) }] : missed.filter(mayRead)));
    }
    let wake: (() => void) | null = null;
    let ended = false;
    const onFrame = (frame: LiveFrame) => {
      if (!mayRead(frame)) return;
      queue.push(frame);
      wake?.();
    };
    listeners.add(onFrame);
    const end = () => {
      if (ended) return;
      ended = true;
      listeners.delete(onFrame);
      clearInterval(recheck);
      options.signal.removeEventListener("abort", end);
      streams--;
      release();
      wake?.();
    };
    const recheck = setInterval(() => {
      options.stillAllowed().then(
        (allowed) => {
          if (!allowed) end();
        },
        // A check that cannot be made (the database is down) ends the stream: it never outlives a credential.
        () => end(),
      );
    }, recheckMs);
    recheck.unref();
    options.signal.addEventListener("abort", end, { once: true });
    if (options.signal.aborted) end();
    return {
      listening: (subscribed ?? Promise.resolve()).then(
        () => undefined,
        () => undefined,
      ),
      async next() {
        while (!ended && queue.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
        return ended ? null : (queue.shift() ?? null);
      },
      close: end,
    };
  }

  return {
    watch,
    position() {
      listen();
      return idOf(counter);
    },
    get streams() {
      return streams;
    },
    async close() {
      const subscription = await subscribed?.catch(() => undefined);
      await subscription?.close();
    },
  };
}

/** A source fed by this process alone (the embedded and in-memory databases: one process, no one else writes). */
export function localLiveChangeSource(): LiveChangeSource & { committed(changes: readonly LiveChange[]): void } {
  const subscribers = new Set<(changes: readonly LiveChange[] | null) => void>();
  return {
    async subscribe(onChanges) {
      subscribers.add(onChanges);
      return {
        async close() {
          subscribers.delete(onChanges);
        },
      };
    },
    committed(changes) {
      for (const subscriber of subscribers) subscriber(changes);
    },
  };
}
