import type { DatabaseLifecycle } from "../../ports/database";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { DatabaseBusyError } from "../../domain/errors";
import { untilAborted } from "../../domain/until-aborted";
import { isTransactionStartTimeout } from "./prisma-errors";
import type { Prisma, PrismaClient } from "./generated/client.ts";
import { PrismaAuditLog } from "./prisma-audit-log";
import {
  PrismaApiTokenRepository,
  PrismaCredentialRepository,
  PrismaIdempotencyStore,
  PrismaInvitationRepository,
  PrismaSessionRepository,
  PrismaSignInFailureRepository,
} from "./prisma-auth-repositories";
import { PrismaUserRepository } from "./prisma-user-repository";

export interface PrismaUnitOfWorkOptions {
  /**
   * Prisma rolls back a transaction open longer than this (Prisma's default: 5000). A backstop: callers are
   * normally answered earlier by their own deadline (withDeadline), whose abort rolls back too.
   */
  transactionTimeoutMs?: number;
  /** How long to wait for a connection from the pool (default: the transaction timeout). */
  maxWaitMs?: number;
  /**
   * PostgreSQL only: when the unit's signal aborts while a statement runs, cancel that statement on the server
   * (pg_cancel_backend) rather than let it run on to its statement_timeout. PGlite runs one statement at a time
   * in this process and cannot be interrupted, so there it stays off.
   */
  cancelOnAbort?: boolean;
}

/**
 * Units of work as interactive Prisma transactions (READ COMMITTED, the database default); the repositories
 * handed to the work are built on the transaction client, so they all share it.
 *
 * Aborting the unit's signal: before the transaction starts (waiting for a connection), `run` rejects at once
 * and the work never starts; once it runs, the work is abandoned, no further query is sent, the transaction
 * rolls back and `run` rejects with the signal's reason. A query already in flight finishes first (node-postgres
 * cannot cancel one), which is why callers hold their own deadline.
 */
export function createPrismaUnitOfWork(
  prisma: PrismaClient,
  options: PrismaUnitOfWorkOptions = {},
): UnitOfWork {
  const timeout = options.transactionTimeoutMs ?? 5_000;
  const maxWait = options.maxWaitMs ?? timeout;
  return {
    async run(work, runOptions) {
      const signal = runOptions?.signal;
      signal?.throwIfAborted();
      let started = false;
      const transaction = prisma.$transaction(
        async (tx) => {
          started = true;
          signal?.throwIfAborted();
          const stopCancelling = signal && options.cancelOnAbort ? await cancelOnAbort(prisma, tx, signal) : undefined;
          const guard = () => signal?.throwIfAborted();
          const repos: Repositories = {
            users: new PrismaUserRepository(tx, guard),
            audit: new PrismaAuditLog(tx, guard),
            credentials: new PrismaCredentialRepository(tx, guard),
            sessions: new PrismaSessionRepository(tx, guard),
            tokens: new PrismaApiTokenRepository(tx, guard),
            invitations: new PrismaInvitationRepository(tx, guard),
            signInFailures: new PrismaSignInFailureRepository(tx, guard),
            idempotency: new PrismaIdempotencyStore(tx, guard),
          };
          try {
            const result = await untilAborted(work(repos), signal);
            // Given up on while the work was finishing: roll back rather than commit behind the caller's back.
            signal?.throwIfAborted();
            return result;
          } finally {
            stopCancelling?.();
          }
        },
        { timeout, maxWait },
      );
      // Not started for want of a connection: the caller gets "busy, retry" rather than an internal error.
      const mapped = transaction.catch((error: unknown) => {
        throw !started && isTransactionStartTimeout(error) ? new DatabaseBusyError() : error;
      });
      if (!signal) return mapped;
      return new Promise((resolve, reject) => {
        // Once started, the transaction itself rejects with the reason after rolling back.
        const onAbort = () => {
          if (!started) reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        mapped.then(
          (value) => {
            signal.removeEventListener("abort", onAbort);
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(error);
          },
        );
      });
    },
  };
}

/**
 * Arranges for the statement the transaction is running, if any, to be cancelled when `signal` aborts; returns
 * the function that stops watching. Costs one round trip per unit of work (its backend's pid and start time).
 *
 * The cancel goes through another pooled connection and names the backend by pid AND transaction start, and
 * only while it is active: a connection that has since been returned to the pool and serves someone else's
 * transaction is never hit. A cancel that fails (pool exhausted, server gone) is harmless: the statement then
 * ends at the pool's statement_timeout, and the caller was answered at its deadline anyway.
 */
async function cancelOnAbort(
  prisma: PrismaClient,
  tx: Prisma.TransactionClient,
  signal: AbortSignal,
): Promise<() => void> {
  const [backend] = await tx.$queryRaw<{ pid: number; started: string }[]>`
    SELECT pg_backend_pid() AS pid, now()::text AS started`;
  if (!backend) return () => undefined;
  const cancel = () => {
    prisma.$executeRaw`
      SELECT pg_cancel_backend(pid) FROM pg_stat_activity
      WHERE pid = ${backend.pid} AND xact_start = ${backend.started}::timestamptz AND state = 'active'`.catch(
      () => undefined,
    );
  };
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
  return () => signal.removeEventListener("abort", cancel);
}

/**
 * Readiness ping and shutdown for a Prisma client. `closeUnderlying` closes what the client was built on and
 * does not own: an external pg.Pool, or the PGlite instance (Prisma's $disconnect leaves both open).
 */
export function createPrismaLifecycle(
  prisma: PrismaClient,
  options: { closeUnderlying?: () => Promise<void> } = {},
): DatabaseLifecycle {
  let closing: Promise<void> | undefined;
  return {
    async ping(signal) {
      signal?.throwIfAborted();
      if (closing) throw new Error("The database has been closed");
      // A PrismaPromise is lazy: untilAborted's `then` is what sends the query.
      await untilAborted(Promise.resolve(prisma.$queryRaw`SELECT 1`), signal);
    },
    close() {
      closing ??= (async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await options.closeUnderlying?.();
        }
      })();
      return closing;
    },
  };
}
