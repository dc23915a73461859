import pg from "pg";

import { sleepUnlessAborted } from "../../domain/until-aborted";
import type { Logger } from "../../ports/logger";
import type { RelayLeadership, RelayLease } from "../../ports/outbox";

/**
 * The event relay's key for PostgreSQL's session advisory locks (issue 20): any constant no other lock of this
 * database uses (the migrator's is 72707369).
 */
export const RELAY_LOCK_KEY = 20_161_208n;

export interface PgAdvisoryLeadershipOptions {
  connectionString: string;
  log: Logger;
  /** How often a process that does not lead asks for the lock again (default 2 s): the takeover delay after a holder dies. */
  retryMs?: number;
  /** How often the holder checks that its connection still answers (default 5 s), and how long it waits (default 5 s). */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  key?: bigint;
}

/**
 * Leadership as a PostgreSQL session advisory lock held on a connection of its own (docs/decisions/016). The
 * lock lives exactly as long as that session: when the holder's process dies, its connection closes and
 * PostgreSQL releases the lock, and the next replica to ask gets it, within `retryMs`. The holder loses the lease
 * when its connection ends or errors (a terminated backend, a server restart), and when a heartbeat on it goes
 * unanswered (a network that silently dropped it: PostgreSQL will end that session and free the lock on its own
 * once TCP notices). Not a pooled connection: a pool could hand the session, lock and all, to someone else.
 */
export function createPgAdvisoryLeadership(options: PgAdvisoryLeadershipOptions): RelayLeadership {
  const retryMs = options.retryMs ?? 2_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5_000;
  const key = (options.key ?? RELAY_LOCK_KEY).toString();
  const log = options.log;

  return {
    async acquire(signal) {
      let failures = 0;
      for (;;) {
        signal.throwIfAborted();
        const client = new pg.Client({
          connectionString: options.connectionString,
          keepAlive: true,
          application_name: "user-console event relay",
        });
        // An error on an idle client is emitted, not thrown: without a listener it would crash the process.
        let broken: Error | undefined;
        client.on("error", (error) => {
          broken = error;
        });
        try {
          await client.connect();
          if (failures > 0) log.info({ failures }, "event relay: the database answers again");
          failures = 0;
          for (;;) {
            if (broken) throw broken;
            const { rows } = await client.query<{ held: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS held", [key]);
            if (rows[0]?.held) return holding(client, broken);
            if (await sleepUnlessAborted(retryMs, signal)) throw signal.reason;
          }
        } catch (error) {
          await client.end().catch(() => undefined);
          if (signal.aborted) throw signal.reason;
          // An outage: logged once, then retried quietly with backoff up to 30 s.
          if (failures++ === 0) log.warn({ err: error }, "event relay: cannot reach the database for its lease; retrying");
          if (await sleepUnlessAborted(Math.min(30_000, retryMs * 2 ** (failures - 1)), signal)) throw signal.reason;
        }
      }
    },
  };

  function holding(client: pg.Client, broken: Error | undefined): RelayLease {
    const lost = new AbortController();
    let released: Promise<void> | undefined;
    const lose = (reason: Error) => {
      if (lost.signal.aborted) return;
      lost.abort(reason);
      clearInterval(heartbeat);
      // The session, and with it the lock, must not outlive the lease: a half-dead one is closed from this side.
      void client.end().catch(() => undefined);
    };
    client.on("error", (error) => lose(error));
    client.on("end", () => lose(new Error("the relay lease's connection ended")));
    if (broken) lose(broken);
    let beating = false;
    const heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the relay lease's connection did not answer within ${heartbeatTimeoutMs} ms`)), heartbeatTimeoutMs);
      });
      Promise.race([client.query("SELECT 1"), timeout])
        .catch((error: unknown) => lose(error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          clearTimeout(timer);
          beating = false;
        });
    }, heartbeatMs);
    heartbeat.unref();
    return {
      lost: lost.signal,
      release() {
        released ??= (async () => {
          clearInterval(heartbeat);
          if (!lost.signal.aborted) {
            lost.abort(new Error("relay lease released"));
            // Ending the session frees the lock too; unlocking first frees it even if the goodbye is slow.
            await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
          }
          await client.end().catch(() => undefined);
        })();
        return released;
      },
    };
  }
}
