import pg from "pg";

import type { FlagChangeFeed } from "../../ports/feature-flags";
import type { Logger } from "../../ports/logger";
import { FLAG_CHANGES_CHANNEL } from "../prisma/prisma-feature-flag-repository";

const CONNECT_TIMEOUT_MS = 5_000;

/** Waits before reconnecting a lost LISTEN connection: doubled each time, up to the last. */
const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];

/**
 * Flag changes from other replicas through PostgreSQL LISTEN/NOTIFY (issue 9): one connection of its own, outside
 * the pool (a pooled connection cannot hold a LISTEN). A lost connection is reconnected with backoff, and then
 * reported as a change of every flag ("*"), because notifications sent while it was down are gone. A first
 * connection that fails is retried the same way, so a replica started during a database blip listens once it can.
 */
export function createPgFlagChangeFeed(connectionString: string, log: Logger): FlagChangeFeed {
  return {
    async subscribe(onChange) {
      let client: pg.Client | null = null;
      let closed = false;
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;

      const connect = async (): Promise<void> => {
        // Bounded connect, and TCP keepalive so a half-open connection is noticed rather than waited on forever.
        const next = new pg.Client({
          connectionString,
          application_name: "user-console flag changes",
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          keepAlive: true,
        });
        next.on("notification", (message) => {
          if (message.channel === FLAG_CHANGES_CHANNEL && message.payload) onChange(message.payload);
        });
        const lost = (error?: Error) => {
          if (closed || client !== next) return;
          log.warn({ err: error }, "feature flags: the LISTEN connection failed; reconnecting");
          client = null;
          void next.end().catch(() => undefined);
          scheduleReconnect();
        };
        next.on("error", lost);
        next.on("end", () => lost());
        await next.connect();
        await next.query(`LISTEN ${FLAG_CHANGES_CHANNEL}`);
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
              attempt = 0;
              onChange("*");
            },
            (error: unknown) => {
              log.warn({ err: error }, "feature flags: cannot LISTEN for flag changes yet; trying again");
              scheduleReconnect();
            },
          );
        }, delay);
        timer.unref();
      };

      // A first connection that fails is retried like a lost one; meanwhile the poll delivers changes.
      await connect().catch((error: unknown) => {
        log.warn({ err: error }, "feature flags: cannot LISTEN for flag changes yet; trying again");
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
