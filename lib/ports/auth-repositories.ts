/**
 * Stores behind sign-in: passwords, sessions, API tokens, invitations and the failures that throttle sign-in.
 * Obtained only inside {@link UnitOfWork.run}, like every repository, so a change and its audit entry commit
 * together. Secrets arrive here already hashed: no adapter sees a password, cookie or token in clear.
 */
import type { ApiToken, Invitation, KnownDevice, Session } from "../domain/auth";
import type { Role } from "../domain/user";

export interface StoredCredential {
  /** argon2id PHC string. */
  passwordHash: string;
  mustChangePassword: boolean;
  /** When this password was set: a one-time password (mustChangePassword) expires a day later. */
  setAt: Date;
}

export interface CredentialRepository {
  get(userId: string): Promise<StoredCredential | null>;
  /** Creates or replaces the user's password. */
  set(userId: string, credential: StoredCredential): Promise<void>;
}

export interface SessionRepository {
  create(session: Session): Promise<Session>;
  get(id: string): Promise<Session | null>;
  /** Records activity; a session that no longer exists is ignored. */
  touch(id: string, at: Date): Promise<void>;
  /** True when there was such a session. */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes every session past its idle or absolute limit at `now` (the periodic clean-up); returns how many.
   * They are refused on sight anyway: this only keeps the table from growing.
   */
  deleteExpired(now: Date): Promise<number>;
  /** The user's sessions, most recently active first. */
  listForUser(userId: string): Promise<Session[]>;
  /** Ends every session of the user (but `exceptId`); returns how many ended. */
  deleteForUser(userId: string, options?: { exceptId?: string }): Promise<number>;
}

export interface NewApiToken {
  name: string;
  role: Role;
  secretHash: string;
  prefix: string;
  createdBy: string;
  ownerId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ApiTokenRepository {
  create(token: NewApiToken): Promise<ApiToken>;
  getBySecretHash(secretHash: string): Promise<ApiToken | null>;
  getById(id: string): Promise<ApiToken | null>;
  /** Every token, revoked ones included, newest first. */
  list(): Promise<ApiToken[]>;
  /** Sets revokedAt (once); null when there is no such token. */
  revoke(id: string, at: Date): Promise<ApiToken | null>;
  /** Revokes every token of the owner not revoked yet; returns those it revoked. */
  revokeForOwner(ownerId: string, at: Date): Promise<ApiToken[]>;
  touch(id: string, at: Date): Promise<void>;
}

export interface InvitationRepository {
  create(invitation: { userId: string; secretHash: string; createdAt: Date; expiresAt: Date }): Promise<Invitation>;
  getBySecretHash(secretHash: string): Promise<Invitation | null>;
  /**
   * Marks the invitation used, once: false when it already was (two tabs accepting at the same time cannot
   * both succeed).
   */
  markUsed(id: string, at: Date): Promise<boolean>;
  /** Marks every unused invitation of the user used: a new invitation replaces the older ones. */
  retireForUser(userId: string, at: Date): Promise<void>;
  /** Deletes the invitations that expired before `before`, used or not (the periodic clean-up); returns how many. */
  deleteExpiredBefore(before: Date): Promise<number>;
}

/** Browsers that signed in before (issue 18): their cookie exempts them from the account's sign-in throttle. */
export interface KnownDeviceRepository {
  get(id: string): Promise<KnownDevice | null>;
  /** Creates the device, or marks an existing one used at `at`. */
  save(device: { id: string; userId: string; at: Date }): Promise<void>;
  /** Deletes the devices last used before `before` (the periodic clean-up); returns how many. */
  deleteUnusedBefore(before: Date): Promise<number>;
}

export interface SignInFailureRepository {
  /**
   * Serialises attempts on these keys until the unit of work ends: a concurrent unit locking any of them waits,
   * so a burst of parallel guesses is counted one after another instead of all passing one check.
   */
  lock(keys: readonly string[]): Promise<void>;
  /** Records one failure under each key; returns the records' ids. */
  record(keys: readonly string[], at: Date): Promise<string[]>;
  /** Failures recorded under `key` after `since` (exclusive): how many, the earliest and the latest of them. */
  countSince(key: string, since: Date): Promise<{ count: number; earliest: Date | null; latest: Date | null }>;
  /** Removes the records with these ids (an attempt counted in advance that turned out to succeed). */
  remove(ids: readonly string[]): Promise<void>;
  /** Removes every record under `key`; returns how many. */
  clear(key: string): Promise<number>;
  /** Removes every record made before `before`, whatever its key (the periodic clean-up); returns how many. */
  deleteBefore(before: Date): Promise<number>;
}
