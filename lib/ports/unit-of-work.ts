import type { AuditLog } from "./audit-log";
import type {
  ApiTokenRepository,
  CredentialRepository,
  InvitationRepository,
  KnownDeviceRepository,
  SessionRepository,
  SignInFailureRepository,
} from "./auth-repositories";
import type { CredentialChangeNotices } from "./credential-cache";
import type { FeatureFlagRepository } from "./feature-flag-repository";
import type { IdempotencyStore } from "./idempotency-store";
import type { ImportJobRepository } from "./import-job-repository";
import type { EventOutbox } from "./outbox";
import type { UserQueries, UserRepository } from "./user-repository";
import type { WebhookRepository } from "./webhooks";

/** The repositories of one unit of work: all of them share its transaction. */
export interface Repositories {
  users: UserRepository;
  audit: AuditLog;
  credentials: CredentialRepository;
  sessions: SessionRepository;
  tokens: ApiTokenRepository;
  invitations: InvitationRepository;
  signInFailures: SignInFailureRepository;
  /** Browsers that signed in before (issue 18). */
  devices: KnownDeviceRepository;
  idempotency: IdempotencyStore;
  /** CSV import jobs (issue 6): a batch's record commits with the users it created. */
  imports: ImportJobRepository;
  /** Local feature flags (issue 9): a change commits with its audit entry. */
  flags: FeatureFlagRepository;
  /**
   * Domain events (issue 20), committed with the change they announce. Use cases do not append to it themselves:
   * the events are derived from the unit's audit entries (lib/adapters/outbox/with-domain-events.ts).
   */
  events: EventOutbox;
  /** Webhook endpoints and their delivery log (issue 20, item 3). */
  webhooks: WebhookRepository;
  /** Credential changes told to the other replicas when the unit commits (issue 16; with-credential-changes.ts). */
  credentialChanges: CredentialChangeNotices;
  /**
   * Runs `work` inside a savepoint of this unit's transaction. When `work` rejects, what it wrote through these
   * repositories is undone, and only that: what the unit wrote before stays, the rejection is passed on
   * unchanged, and the unit may go on and commit. When it resolves, its writes are the unit's like any other
   * (they commit or roll back with it). Savepoints nest. For batches that skip an item that fails rather than
   * fail them all (POST /api/v1/users/bulk). If undoing fails too (the connection dropped, the transaction
   * timed out), the unit cannot go on: `work`'s error is passed on carrying `rollbackError`.
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The query side (the seed's CQRS split): reads that need no transaction, each query one statement and one round
 * trip (no BEGIN or COMMIT around it). Production answers them in plain SQL (docs/decisions/011).
 */
export interface Queries {
  users: UserQueries;
}

export interface UnitOfWorkOptions {
  /** Aborting it gives up on the unit: it rolls back (if it had not committed) and `run` rejects. */
  signal?: AbortSignal;
}

/**
 * Runs `work` in one transaction: everything it wrote commits when the promise it returns resolves, and
 * nothing does when it rejects (the rejection is passed on unchanged).
 */
export interface UnitOfWork {
  run<T>(work: (repos: Repositories) => Promise<T>, options?: UnitOfWorkOptions): Promise<T>;
  /**
   * Runs read-only `work` outside any transaction: each query sees what was committed when it runs (two queries
   * may see different moments). Aborting the signal cancels the statement running on the database, if any, and
   * `read` rejects with its reason. For reads on the request path (GET by id, a listing page).
   */
  read<T>(work: (queries: Queries) => Promise<T>, options?: UnitOfWorkOptions): Promise<T>;
}
