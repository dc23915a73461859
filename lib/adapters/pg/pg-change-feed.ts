import pg from "pg";

import type { ChangeFeed } from "../../ports/change-feed";
import type { Logger } from "../../ports/logger";

const CONNECT_TIMEOUT_MS = 5_000;

/** Waits before reconnecting a lost LISTEN connection: doubled each time, up to the last. */
const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];

/**
 * One channel of PostgreSQL LISTEN/NOTIFY between replicas (flag changes, issue 9; credential changes, issue 16):
 * one connection of its own, outside the pool (a pooled connection cannot hold a LISTEN). A lost connection is
 * reconnected with backoff, and then reported as "*" (anything may have changed), because notifications sent while
 * it was down are gone. A first connection that fails is retried the same way, so a replica started during a
 * database blip listens once it can. One subscription per feed.
 *
 * @param channel a fixed name of ours (it is spliced into LISTEN, which takes no parameter).
 * @param purpose what the channel carries, for the connection's application_name and the log.
 */
export function createPgChangeFeed(connectionString: string, channel: string, purpose: string, log: Logger): ChangeFeed {
  let client: pg.Client | null = null;
  return {
    async subscribe(onChange) {
      let closed = false;
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;

      const connect = async (): Promise<void> => {
        // Bounded connect, and TCP keepalive so a half-open connection is noticed rather than waited on forever.
        const next = new pg.Client({
          connectionString,
          application_name: `user-console ${purpose}`,
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          keepAlive: true,
        });
        next.on("notification", (message) => {
          if (message.channel === channel && message.payload) onChange(message.payload);
        });
        const lost = (error?: Error) => {
          if (closed || client !== next) return;
          log.warn({ err: error }, `${purpose}: the LISTEN connection failed; reconnecting`);
          client = null;
          void next.end().catch(() => undefined);
          scheduleReconnect();
        };
        next.on("error", lost);
        next.on("end", () => lost());
        try {
          await next.connect();
          await next.query(`LISTEN ${channel}`);
        } catch (error) {
          // Connected but refused LISTEN (a standby after a failover, say): not left open until the next try.
          await next.end().catch(() => undefined);
          throw error;
        }
        if (closed) {
          await next.end();
          return;
        }
        client = next;
      };

      const scheduleReconnect = () => {
        if (closed || timer) return;
        const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)] ?? 10_000;
        attempt += 1;
        timer = setTimeout(() => {
          timer = undefined;
          connect().then(
            () => {
              log.info({ attempts: attempt }, `${purpose}: listening again`);
              attempt = 0;
              onChange("*");
            },
            (error: unknown) => {
              // Said once per outage (the loss above, or the first failed try); the retries go to debug, so a
              // database that stays down does not fill the log (issue 17).
              log.debug({ err: error, attempt }, `${purpose}: cannot LISTEN yet; trying again`);
              scheduleReconnect();
            },
          );
        }, delay);
        timer.unref();
      };

      // A first connection that fails is retried like a lost one; meanwhile the poll delivers changes.
      await connect().catch((error: unknown) => {
        log.warn({ err: error }, `${purpose}: cannot LISTEN yet; trying again`);
        scheduleReconnect();
      });
      return {
        async close() {
          closed = true;
          clearTimeout(timer);
          await client?.end().catch(() => undefined);
          client = null;
        },
      };
    },
  };
}
