import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, StorageType, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";

import { toEventMessage, type DomainEvent } from "../../domain/events";
import { untilAborted } from "../../domain/until-aborted";
import type { EventPublisher } from "../../ports/event-publisher";
import type { Logger } from "../../ports/logger";

/** Every event goes to `user-console.<type>`, e.g. `user-console.user.created` (issue 20, item 4). */
export const NATS_SUBJECT_PREFIX = "user-console";

/**
 * How long JetStream remembers a message id: a batch sent again within it (a failed batch retried, a relay that
 * died between publishing and marking the batch delivered, a new leader) is stored once. An hour covers the relay's
 * backoff (at most 30 s) and a restart of every replica many times over; consumers that must be exact across
 * longer outages also drop an event whose subject's sequence they have seen (docs/decisions/016).
 */
export const DUPLICATE_WINDOW_MS = 60 * 60_000;
/** The stream the publisher creates keeps events this long (an existing stream keeps its own limits). */
export const STREAM_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
/** A message not acknowledged by JetStream within this long fails its batch. */
const ACK_TIMEOUT_MS = 5_000;
/** Messages awaiting their PubAck at once, at most. */
const MAX_IN_FLIGHT = 256;

export interface NatsJetStreamPublisherOptions {
  /** NATS_URL: one URL, or several separated by commas; `user:password@` or `token@` in them authenticates. */
  url: string;
  /** The JetStream stream that holds the events: created (file storage) when missing, used as is when present. */
  stream: string;
  log: Logger;
}

interface Connected {
  nc: NatsConnection;
  js: JetStreamClient;
  /** Between a disconnect and the client's reconnect. */
  reconnecting: boolean;
}

/**
 * The relay's events on NATS JetStream (issue 20, item 4; docs/decisions/016). Each event is one message on
 * `user-console.<type>`, its body the event's JSON ({@link toEventMessage}), its `Nats-Msg-Id` the event's id, so
 * JetStream stores a batch the relay sends again only once (within {@link DUPLICATE_WINDOW_MS}).
 *
 * Order: messages are sent in the batch's order, several awaiting their PubAck at once, but an event is sent only
 * once the previous event of its subject has been acknowledged. A subject's events are therefore stored in
 * sequence order whatever fails: a message lost with a broken connection cannot be overtaken by a later one of
 * its subject still in the client's buffer, and after a failure none of that subject's later events is sent.
 * `publish` resolves once every message is acknowledged and rejects at the first that is not (the relay then sends
 * the whole batch again; what was stored meanwhile is a duplicate JetStream drops).
 *
 * The connection is opened at the first publish, not at start-up: the app starts and is ready with NATS down,
 * and the relay retries with backoff until it is up. Once connected, the client reconnects on its own for as
 * long as it takes. The stream is checked (and created when missing) after connecting and after any failure.
 */
export function createNatsJetStreamPublisher(options: NatsJetStreamPublisherOptions): EventPublisher {
  const log = options.log;
  const subjects = `${NATS_SUBJECT_PREFIX}.>`;
  let connecting: Promise<Connected> | undefined;
  /** False until the stream was checked on this connection, and again after a failed publish. */
  let streamChecked = false;
  let closed = false;

  function open(): Promise<Connected> {
    connecting ??= connectAndWatch().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  }

  async function connectAndWatch(): Promise<Connected> {
    const nc = await connect({ ...connectionOptions(options.url), name: "user-console event relay", timeout: 5_000 });
    log.info({ servers: nc.getServer() }, "nats: connected");
    const connected: Connected = { nc, js: jetstream(nc, { timeout: ACK_TIMEOUT_MS }), reconnecting: false };
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") {
          connected.reconnecting = true;
          log.warn({ server: status.server }, "nats: disconnected, reconnecting");
        } else if (status.type === "reconnect") {
          connected.reconnecting = false;
          log.info({ server: status.server }, "nats: reconnected");
        }
      }
    })();
    // Closed for good (not a reconnect: the client does those itself): the next publish connects anew.
    void nc.closed().then((error) => {
      if (error) log.warn({ err: error }, "nats: connection closed");
      if (connecting && !closed) connecting = undefined;
      streamChecked = false;
    });
    return connected;
  }

  /** Creates the stream when missing; an existing one is used as it is, provided it holds our subjects. */
  async function ensureStream(nc: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(nc);
    try {
      const info = await jsm.streams.info(options.stream);
      if (!info.config.subjects?.includes(subjects)) {
        throw new Error(
          `NATS stream "${options.stream}" exists but does not take the subjects ${subjects} (it takes ${JSON.stringify(info.config.subjects ?? [])}): add them, or set NATS_STREAM to another stream`,
        );
      }
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await jsm.streams.add({
        name: options.stream,
        subjects: [subjects],
        storage: StorageType.File,
        duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000,
        max_age: STREAM_MAX_AGE_MS * 1_000_000,
      });
      log.info({ stream: options.stream, subjects }, "nats: created the events stream");
    }
  }

  return {
    name: "nats",
    async publish(events, signal) {
      signal.throwIfAborted();
      if (closed) throw new Error("The NATS publisher is closed");
      try {
        const { nc, js, reconnecting } = await untilAborted(open(), signal);
        // Refused at once rather than buffered by the client until its ack times out: the relay backs off, and
        // no stale copies pile up in the buffer to be flushed at the reconnect.
        if (reconnecting) throw new Error("NATS is unreachable: the client is reconnecting");
        if (!streamChecked) {
          await untilAborted(ensureStream(nc), signal);
          streamChecked = true;
        }
        await untilAborted(sendInOrder(js, events, signal), signal);
      } catch (error) {
        // Whatever failed (a stream deleted meanwhile, a broker that lost its store), check again next time.
        streamChecked = false;
        throw error;
      }
    },
    async close() {
      closed = true;
      const pending = connecting;
      connecting = undefined;
      const connection = await pending?.catch(() => undefined);
      if (!connection || connection.nc.isClosed()) return;
      // Drain sends what is buffered and waits for it; while the broker is unreachable it would wait for the
      // reconnect, so it gets a bound, then the connection is closed outright.
      const drained = connection.nc.drain().then(() => true, () => false);
      const timedOut = new Promise<false>((resolve) => setTimeout(resolve, 5_000, false).unref());
      if (!(await Promise.race([drained, timedOut]))) await connection.nc.close();
    },
  };
}

/**
 * Sends the events in order and resolves with their acks; rejects at the first failure, after which no event is
 * sent. An event waits for its subject's previous one to be acknowledged (see {@link createNatsJetStreamPublisher}).
 */
async function sendInOrder(js: JetStreamClient, events: readonly DomainEvent[], signal: AbortSignal): Promise<PubAck[]> {
  const sent: Promise<PubAck>[] = [];
  const lastOfSubject = new Map<string, Promise<PubAck>>();
  let failure: { error: unknown } | undefined;
  for (const [i, event] of events.entries()) {
    const key = `${event.subject.type}:${event.subject.id}`;
    const previous = lastOfSubject.get(key);
    if (previous) await previous;
    const oldest = sent[i - MAX_IN_FLIGHT];
    if (oldest) await oldest;
    if (failure) throw failure.error;
    signal.throwIfAborted();
    const ack = js.publish(`${NATS_SUBJECT_PREFIX}.${event.type}`, JSON.stringify(toEventMessage(event)), { msgID: event.id });
    // Seen at once, so that nothing is sent after a failure even while this loop waits on another subject.
    ack.catch((error: unknown) => (failure ??= { error }));
    sent.push(ack);
    lastOfSubject.set(key, ack);
  }
  return Promise.all(sent);
}

/**
 * NATS_URL as the client takes it: the servers without their credentials, which become `user`/`pass` (or a
 * `token` when there is no password), as the NATS CLI and the Go client read such URLs; `tls://` requires TLS.
 */
export function connectionOptions(url: string): NodeConnectionOptions {
  const servers: string[] = [];
  const options: NodeConnectionOptions = { servers, maxReconnectAttempts: -1, pingInterval: 10_000 };
  for (const item of url.split(",").map((part) => part.trim()).filter(Boolean)) {
    const parsed = new URL(item);
    if (parsed.username) {
      const user = decodeURIComponent(parsed.username);
      if (parsed.password) Object.assign(options, { user, pass: decodeURIComponent(parsed.password) });
      else options.token = user;
    }
    if (parsed.protocol === "tls:") options.tls = {};
    servers.push(`${parsed.hostname}:${parsed.port || "4222"}`);
  }
  return options;
}
