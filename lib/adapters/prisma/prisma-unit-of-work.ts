import type { DatabaseLifecycle } from "../../ports/database";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { untilAborted } from "../resilience/until-aborted";
import type { PrismaClient } from "./generated/client.ts";
import { PrismaAuditLog } from "./prisma-audit-log";
import {
  PrismaApiTokenRepository,
  PrismaCredentialRepository,
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
          const guard = () => signal?.throwIfAborted();
          const repos: Repositories = {
            users: new PrismaUserRepository(tx, guard),
            audit: new PrismaAuditLog(tx, guard),
            credentials: new PrismaCredentialRepository(tx, guard),
            sessions: new PrismaSessionRepository(tx, guard),
            tokens: new PrismaApiTokenRepository(tx, guard),
            invitations: new PrismaInvitationRepository(tx, guard),
            signInFailures: new PrismaSignInFailureRepository(tx, guard),
          };
          const result = await untilAborted(work(repos), signal);
          // Given up on while the work was finishing: roll back rather than commit behind the caller's back.
          signal?.throwIfAborted();
          return result;
        },
        { timeout, maxWait },
      );
      if (!signal) return transaction;
      return new Promise((resolve, reject) => {
        // Once started, the transaction itself rejects with the reason after rolling back.
        const onAbort = () => {
          if (!started) reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        transaction.then(
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
