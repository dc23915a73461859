/**
 * The database ports held in memory: for unit tests and anything that must not touch a real database. It
 * passes the same contract suite as the Prisma adapter (test/contract/user-repository.contract.ts).
 *
 * Units of work run one at a time (an async mutex) on a private copy of the committed state: a unit sees its
 * own writes, its copy replaces the committed state when it resolves, and is dropped when it rejects or its
 * signal aborts. Serialising units is the in-memory equivalent of row locks: two units updating the same user
 * from the same version cannot both win. A savepoint is one more copy, of the staged state, put back when the
 * savepoint's work rejects (each costs a copy of every table: fine for tests, not for millions of rows).
 */
import { v7 as uuidv7 } from "uuid";

import type { AuditEntry } from "../../domain/audit";
import type { ApiToken, Invitation, KnownDevice, Session } from "../../domain/auth";
import type { User } from "../../domain/user";
import type { StoredCredential } from "../../ports/auth-repositories";
import type { FlagEvaluationCount, StoredFlag } from "../../ports/feature-flag-repository";
import type { IdempotencyRecord } from "../../ports/idempotency-store";
import type { DatabaseLifecycle } from "../../ports/database";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";
import { untilAborted } from "../../domain/until-aborted";
import { InMemoryAuditLog } from "./in-memory-audit-log";
import {
  InMemoryApiTokenRepository,
  InMemoryCredentialRepository,
  InMemoryInvitationRepository,
  InMemoryKnownDeviceRepository,
  InMemorySessionRepository,
  InMemoryIdempotencyStore,
  InMemorySignInFailureRepository,
} from "./in-memory-auth-repositories";
import { InMemoryEventOutbox, type StoredOutboxEvent } from "./in-memory-event-outbox";
import { InMemoryFeatureFlagRepository } from "./in-memory-feature-flag-repository";
import { InMemoryUserRepository } from "./in-memory-user-repository";
import { InMemoryWebhookRepository, type StoredWebhookDelivery, type StoredWebhookEndpoint } from "./in-memory-webhook-repository";
import {
  copyImports,
  emptyImports,
  InMemoryImportJobRepository,
  type InMemoryImports,
} from "./in-memory-import-job-repository";

/** Committed (or, inside a unit, staged) contents of the database. */
export interface InMemoryState {
  users: Map<string, User>;
  /** In insertion order, which is also creation order. */
  audit: AuditEntry[];
  credentials: Map<string, StoredCredential>;
  sessions: Map<string, Session>;
  tokens: Map<string, StoredApiToken>;
  invitations: Map<string, StoredInvitation>;
  signInFailures: { id: string; key: string; at: Date }[];
  nextFailureId: number;
  /** Known devices by id (issue 18). */
  devices: Map<string, KnownDevice>;
  /** By `${scope} ${key}`. */
  idempotency: Map<string, IdempotencyRecord>;
  /** Import jobs, their files, batches and row errors (issue 6). */
  imports: InMemoryImports;
  /** Local feature flags by key (issue 9). */
  flags: Map<string, StoredFlag>;
  /** Flag evaluations per flag, day and variation, keyed by all three. */
  flagEvaluations: Map<string, FlagEvaluationCount>;
  /** The outbox's events in commit order (issue 20); rows are replaced, never changed in place. */
  outbox: StoredOutboxEvent[];
  /** The last sequence given to each subject, by `${type}:${id}`. */
  outboxSequences: Map<string, number>;
  /** Webhook endpoints by id, with their secrets (issue 20, item 3). */
  webhookEndpoints: Map<string, StoredWebhookEndpoint>;
  /** Webhook deliveries in queue order; rows are replaced, never changed in place. */
  webhookDeliveries: StoredWebhookDelivery[];
  nextWebhookDeliveryPosition: number;
  /** Test switch: every audit append fails, as a refused insert would (proves changes roll back with it). */
  failAuditAppends: boolean;
}

export type StoredApiToken = ApiToken & { secretHash: string };
export type StoredInvitation = Invitation & { secretHash: string };

function emptyState(): InMemoryState {
  return {
    users: new Map(),
    audit: [],
    credentials: new Map(),
    sessions: new Map(),
    tokens: new Map(),
    invitations: new Map(),
    signInFailures: [],
    nextFailureId: 1,
    devices: new Map(),
    idempotency: new Map(),
    imports: emptyImports(),
    flags: new Map(),
    flagEvaluations: new Map(),
    outbox: [],
    outboxSequences: new Map(),
    webhookEndpoints: new Map(),
    webhookDeliveries: [],
    nextWebhookDeliveryPosition: 1,
    failAuditAppends: false,
  };
}

function copyState(state: InMemoryState): InMemoryState {
  return {
    users: new Map(state.users),
    audit: [...state.audit],
    credentials: new Map(state.credentials),
    sessions: new Map(state.sessions),
    tokens: new Map(state.tokens),
    invitations: new Map(state.invitations),
    signInFailures: [...state.signInFailures],
    nextFailureId: state.nextFailureId,
    devices: new Map(state.devices),
    idempotency: new Map(state.idempotency),
    imports: copyImports(state.imports),
    flags: new Map(state.flags),
    flagEvaluations: new Map(state.flagEvaluations),
    outbox: [...state.outbox],
    outboxSequences: new Map(state.outboxSequences),
    webhookEndpoints: new Map(state.webhookEndpoints),
    webhookDeliveries: [...state.webhookDeliveries],
    nextWebhookDeliveryPosition: state.nextWebhookDeliveryPosition,
    failAuditAppends: state.failAuditAppends,
  };
}

export interface InMemoryDatabase {
  unitOfWork: UnitOfWork;
  lifecycle: DatabaseLifecycle;
  /** For tests: make every later audit append fail (see {@link InMemoryState.failAuditAppends}). */
  failAuditAppends(fail: boolean): void;
  /**
   * For tests: while true, every unit of work, read and ping fails as a connect to a stopped PostgreSQL does
   * (node's ECONNREFUSED), so the circuit breaker can be tested without a server (issue 17).
   */
  setUnreachable(unreachable: boolean): void;
}

export function createInMemoryDatabase(options: { now?: () => Date } = {}): InMemoryDatabase {
  const now = options.now ?? (() => new Date());
  let committed: InMemoryState = emptyState();
  let closed = false;
  let unreachable = false;
  const mutex = new Mutex();

  const assertOpen = () => {
    if (closed) throw new Error("The in-memory database is closed");
    if (unreachable) throw refusedConnection();
  };

  const unitOfWork: UnitOfWork = {
    async run(work, runOptions) {
      const signal = runOptions?.signal;
      assertOpen();
      signal?.throwIfAborted();
      const release = await untilAborted(mutex.acquire(), signal, (lateRelease) => lateRelease());
      try {
        assertOpen();
        const staged = copyState(committed);
        // Once the unit is given up on, a repository call from its abandoned `work` must not go on as if
        // nothing happened (its writes would go nowhere anyway: `staged` is dropped).
        const guard = () => signal?.throwIfAborted();
        const repos: Repositories = {
          users: new InMemoryUserRepository(staged, now, guard),
          // UUIDv7, as the database's ids: they grow with time, so entries of one millisecond keep their order.
          audit: new InMemoryAuditLog(staged, now, () => uuidv7(), guard),
          credentials: new InMemoryCredentialRepository(staged, guard),
          sessions: new InMemorySessionRepository(staged, guard),
          tokens: new InMemoryApiTokenRepository(staged, guard),
          invitations: new InMemoryInvitationRepository(staged, guard),
          signInFailures: new InMemorySignInFailureRepository(staged, guard),
          devices: new InMemoryKnownDeviceRepository(staged, guard),
          // One process, no other replica to tell.
          credentialChanges: { announce: async () => undefined },
          idempotency: new InMemoryIdempotencyStore(staged, guard),
          imports: new InMemoryImportJobRepository(staged, now, guard),
          flags: new InMemoryFeatureFlagRepository(staged, now, guard),
          events: new InMemoryEventOutbox(staged, now, () => uuidv7(), guard),
          webhooks: new InMemoryWebhookRepository(staged, () => uuidv7(), guard),
          savepoint: async (work) => {
            guard();
            // The repositories hold `staged` itself, so a failed savepoint puts the copy's contents back into it.
            const before = copyState(staged);
            try {
              return await work();
            } catch (error) {
              Object.assign(staged, before);
              throw error;
            }
          },
        };
        const result = await untilAborted(work(repos), signal);
        signal?.throwIfAborted();
        committed = staged;
        return result;
      } finally {
        release();
      }
    },
    async read(work, readOptions) {
      const signal = readOptions?.signal;
      assertOpen();
      signal?.throwIfAborted();
      // What was committed when the read began; units committing meanwhile replace `committed`, never change it.
      const guard = () => signal?.throwIfAborted();
      return untilAborted(work({ users: new InMemoryUserRepository(committed, now, guard) }), signal);
    },
  };

  const lifecycle: DatabaseLifecycle = {
    async ping(signal) {
      signal?.throwIfAborted();
      assertOpen();
    },
    async pendingMigrations(signal) {
      signal?.throwIfAborted();
      assertOpen();
      return [];
    },
    connections: () => null,
    async close() {
      closed = true;
    },
  };

  return {
    unitOfWork,
    lifecycle,
    failAuditAppends(fail) {
      committed = { ...committed, failAuditAppends: fail };
    },
    setUnreachable(value) {
      unreachable = value;
    },
  };
}

/** What node-postgres rejects with when nothing listens at the server's address. */
function refusedConnection(): Error {
  return Object.assign(new Error("connect ECONNREFUSED (the in-memory database is set unreachable)"), {
    code: "ECONNREFUSED",
    errno: -111,
    syscall: "connect",
  });
}

/** First come, first served; `acquire` resolves with the function that releases the lock. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => released);
    return acquired;
  }
}
