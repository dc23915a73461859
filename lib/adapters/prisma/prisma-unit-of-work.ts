import type { ConnectionStats, DatabaseLifecycle } from "../../ports/database";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { DatabaseBusyError } from "../../domain/errors";
import { untilAborted } from "../../domain/until-aborted";
import { isPoolWaitTimeout, isTransactionStartTimeout, isWriteConflict } from "./prisma-errors";
import type { Prisma, PrismaClient } from "./generated/client.ts";
import { PrismaAuditLog } from "./prisma-audit-log";
import { PrismaCredentialChangeNotices } from "./prisma-credential-change-notices";
import { PrismaEventOutbox } from "./prisma-event-outbox";
import { PrismaFeatureFlagRepository } from "./prisma-feature-flag-repository";
import { PrismaImportJobRepository } from "./prisma-import-job-repository";
import {
  PrismaApiTokenRepository,
  PrismaCredentialRepository,
  PrismaIdempotencyStore,
  PrismaInvitationRepository,
  PrismaSessionRepository,
  PrismaKnownDeviceRepository,
  PrismaSignInFailureRepository,
} from "./prisma-auth-repositories";
import { PrismaUserRepository, withRollbackError } from "./prisma-user-repository";
import { PrismaWebhookRepository } from "./prisma-webhook-repository";

export interface PrismaUnitOfWorkOptions {
  /** The query side: reads outside a transaction, in plain SQL on the same database (lib/adapters/sql). */
  read: UnitOfWork["read"];
  /**
   * Prisma rolls back a transaction open longer than this (Prisma's default: 5000). A backstop: callers are
   * normally answered earlier by their own deadline (withDeadline), whose abort rolls back too.
   */
  transactionTimeoutMs?: number;
  /** How long to wait for a connection from the pool (default: the transaction timeout). */
  maxWaitMs?: number;
  /**
   * PostgreSQL only: runs `start` (which begins the transaction) so that the connection it takes is watched for
   * `signal`, whose abort then cancels the statement running on it (lib/adapters/pg/statement-cancellation.ts).
   * Given, a unit whose signal aborts has its running statement cancelled on the server rather than left to run
   * on to its statement_timeout. PGlite runs one statement at a time in this process and cannot be interrupted,
   * so there it is not given.
   */
  watching?: <T>(signal: AbortSignal, start: () => Promise<T>) => Promise<T>;
}

/**
 * Units of work as interactive Prisma transactions (READ COMMITTED, the database default); the repositories
 * handed to the work are built on the transaction client, so they all share it.
 *
 * Aborting the unit's signal: before the transaction starts (waiting for a connection), `run` rejects at once
 * and the work never starts; once it runs, the work is abandoned, no further query is sent, the transaction
 * rolls back and `run` rejects with the signal's reason. A query already in flight is cancelled on the server
 * when `watching` is given (PostgreSQL); otherwise it finishes first, which is why callers hold their own
 * deadline.
 */
export function createPrismaUnitOfWork(prisma: PrismaClient, options: PrismaUnitOfWorkOptions): UnitOfWork {
  const timeout = options.transactionTimeoutMs ?? 5_000;
  const maxWait = options.maxWaitMs ?? timeout;
  return {
    read: options.read,
    async run(work, runOptions) {
      const signal = runOptions?.signal;
      signal?.throwIfAborted();
      let started = false;
      const begin = () =>
        prisma.$transaction(
          async (tx) => {
            started = true;
            signal?.throwIfAborted();
            const guard = () => signal?.throwIfAborted();
            const repos: Repositories = {
              users: new PrismaUserRepository(tx, guard),
              audit: new PrismaAuditLog(tx, guard),
              credentials: new PrismaCredentialRepository(tx, guard),
              sessions: new PrismaSessionRepository(tx, guard),
              tokens: new PrismaApiTokenRepository(tx, guard),
              invitations: new PrismaInvitationRepository(tx, guard),
              signInFailures: new PrismaSignInFailureRepository(tx, guard),
              devices: new PrismaKnownDeviceRepository(tx, guard),
              credentialChanges: new PrismaCredentialChangeNotices(tx, guard),
              idempotency: new PrismaIdempotencyStore(tx, guard),
              imports: new PrismaImportJobRepository(tx, guard),
              flags: new PrismaFeatureFlagRepository(tx, guard),
              events: new PrismaEventOutbox(tx, guard),
              webhooks: new PrismaWebhookRepository(tx, guard),
              savepoint: savepointsOn(tx, signal),
            };
            const result = await untilAborted(work(repos), signal);
            // Given up on while the work was finishing: roll back rather than commit behind the caller's back.
            signal?.throwIfAborted();
            return result;
          },
          { timeout, maxWait },
        );
      const transaction = signal && options.watching ? options.watching(signal, begin) : begin();
      // Not started for want of a connection, or rolled back by PostgreSQL as a deadlock's victim: the caller gets
      // "busy, retry" (503, Retry-After) rather than an internal error. Either way nothing of the unit stands.
      const mapped = transaction.catch((error: unknown) => {
        const busy = (!started && (isTransactionStartTimeout(error) || isPoolWaitTimeout(error))) || isWriteConflict(error);
        throw busy ? new DatabaseBusyError() : error;
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
 * `Repositories.savepoint` on one transaction: SAVEPOINT, then RELEASE when the work resolves, or ROLLBACK TO
 * and RELEASE when it rejects (PostgreSQL aborts the whole transaction on a failed statement; rolling back to
 * the savepoint makes it usable again). Names are numbered per unit, so savepoints nest; the name is ours, never
 * input, which is why it may be spliced into the statement.
 *
 * Once the unit has been given up on (its signal aborted), nothing more is sent: the whole transaction is being
 * rolled back anyway, and the work's error (usually the abort's reason) is passed on as it is.
 */
function savepointsOn(tx: Prisma.TransactionClient, signal: AbortSignal | undefined): Repositories["savepoint"] {
  let made = 0;
  return async <T>(work: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    const name = `unit_savepoint_${++made}`;
    await tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
    let result: T;
    try {
      result = await work();
    } catch (error) {
      if (signal?.aborted) throw error;
      try {
        await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${name}`);
        await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
      } catch (rollbackError) {
        throw withRollbackError(error, rollbackError);
      }
      throw error;
    }
    signal?.throwIfAborted();
    await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
    return result;
  };
}

/**
 * Readiness ping and shutdown for a Prisma client. `closeUnderlying` closes what the client was built on and
 * does not own: an external pg.Pool, or the PGlite instance (Prisma's $disconnect leaves both open).
 */
export function createPrismaLifecycle(
  prisma: PrismaClient,
  options: {
    closeUnderlying?: () => Promise<void>;
    /** Migrations not applied yet; absent: none can be (the embedded database migrates as it opens). */
    pendingMigrations?: () => Promise<string[]>;
    connections?: () => ConnectionStats;
  } = {},
): DatabaseLifecycle {
  let closing: Promise<void> | undefined;
  const assertOpen = () => {
    if (closing) throw new Error("The database has been closed");
  };
  return {
    async ping(signal) {
      signal?.throwIfAborted();
      assertOpen();
      // A PrismaPromise is lazy: untilAborted's `then` is what sends the query.
      await untilAborted(Promise.resolve(prisma.$queryRaw`SELECT 1`), signal);
    },
    async pendingMigrations(signal) {
      signal?.throwIfAborted();
      assertOpen();
      return options.pendingMigrations ? untilAborted(options.pendingMigrations(), signal) : [];
    },
    connections() {
      return options.connections?.() ?? null;
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
