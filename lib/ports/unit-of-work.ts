import type { AuditLog } from "./audit-log";
import type {
  ApiTokenRepository,
  CredentialRepository,
  InvitationRepository,
  SessionRepository,
  SignInFailureRepository,
} from "./auth-repositories";
import type { IdempotencyStore } from "./idempotency-store";
import type { UserRepository } from "./user-repository";

/** The repositories of one unit of work: all of them share its transaction. */
export interface Repositories {
  users: UserRepository;
  audit: AuditLog;
  credentials: CredentialRepository;
  sessions: SessionRepository;
  tokens: ApiTokenRepository;
  invitations: InvitationRepository;
  signInFailures: SignInFailureRepository;
  idempotency: IdempotencyStore;
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
}
