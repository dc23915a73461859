/**
 * Which database failures mean "the database cannot be reached" (issue 17): only these count towards the circuit
 * breaker and may be retried. Everything else is a real answer from a reachable server, or our own doing, and
 * must not open the breaker for everyone: a deadline's cancel (SQLSTATE 57014), a pool with no free connection
 * (DATABASE_BUSY), a client that went away, lock waits, rule violations.
 *
 * Matched structurally, not with instanceof: node-postgres errors reach us directly (pg-reads.ts) or wrapped by
 * Prisma's adapter-pg (`meta.driverAdapterError.cause`), and lib/ is bundled twice at run time. The shapes below
 * were recorded against a PostgreSQL 15 stopped with `pg_ctl stop -m immediate` (connection-failure.test.ts).
 */

/** Socket errors of a server that is down or unreachable (node's `code` on a connect or a read). */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ECONNABORTED",
]);

/**
 * SQLSTATEs of a server going away: class 08 (connection exception) and 57P01-57P03 (admin_shutdown,
 * crash_shutdown, cannot_connect_now: terminated by an operator, a crash, or starting up / in recovery).
 */
const SERVER_GOING_AWAY = /^(08[0-9A-Z]{3}|57P0[123])$/;

/** Prisma's own codes for the same: P1001 can't reach, P1002 timed out reaching, P1017 server closed the connection. */
const PRISMA_CODES: ReadonlySet<string> = new Set(["P1001", "P1002", "P1017"]);

/** adapter-pg's names for socket failures (`meta.driverAdapterError.cause.kind`). */
const ADAPTER_KINDS: ReadonlySet<string> = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);

/**
 * node-postgres's wording for a connection lost or never made, which carries no code: a socket closed under a
 * query ("Connection terminated unexpectedly"), a new connection not made within connectionTimeoutMillis
 * ("Connection terminated due to connection timeout"), a client used after either. Not pg-pool's "timeout
 * exceeded when trying to connect", which is a wait for a free pooled connection: DATABASE_BUSY.
 */
const PG_CONNECTION_LOST = /^Connection terminated( unexpectedly| due to connection timeout)?$|connection error and is not queryable/;

/** True when `error` (or what it wraps) says the database could not be reached or dropped the connection. */
export function isConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  // Breadth-first through `cause` and Prisma's `meta.driverAdapterError`, a few levels at most.
  while (pending.length > 0 && seen.size < 8) {
    const current = pending.shift();
    if (!isRecord(current) || seen.has(current)) continue;
    seen.add(current);
    if (saysUnreachable(current)) return true;
    pending.push(current.cause);
    const meta = current.meta;
    if (isRecord(meta)) pending.push(meta.driverAdapterError);
  }
  return false;
}

function saysUnreachable(error: Record<string, unknown>): boolean {
  const { code, kind, message } = error;
  if (typeof code === "string" && (SOCKET_CODES.has(code) || SERVER_GOING_AWAY.test(code) || PRISMA_CODES.has(code))) {
    return true;
  }
  if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
  // adapter-pg passes other server errors on as kind "postgres" with their SQLSTATE in `code` (checked above).
  return error instanceof Error && typeof message === "string" && PG_CONNECTION_LOST.test(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
