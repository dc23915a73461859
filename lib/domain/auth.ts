/**
 * Identities and credentials: who is calling (a {@link Principal}) and the records that prove it.
 * Secrets (session ids, API tokens, invitation tokens) are stored only as SHA-256 hashes; passwords as argon2id.
 */
import type { Role, User } from "./user";

/** Who a request acts as: a signed-in user (browser session) or an API token. */
export type Principal =
  | {
      readonly kind: "user";
      readonly userId: string;
      readonly email: string;
      readonly name: string;
      readonly role: Role;
      readonly sessionId: string;
      /** Set for the bootstrap admin until the one-time password has been changed: nothing else is allowed. */
      readonly mustChangePassword: boolean;
    }
  | {
      readonly kind: "token";
      readonly tokenId: string;
      readonly name: string;
      readonly role: Role;
    };

export type UserPrincipal = Extract<Principal, { kind: "user" }>;

export function userPrincipal(
  user: Pick<User, "id" | "email" | "name" | "role">,
  sessionId: string,
  mustChangePassword: boolean,
): UserPrincipal {
  return { kind: "user", userId: user.id, email: user.email, name: user.name, role: user.role, sessionId, mustChangePassword };
}

/** The actor recorded in the audit log. */
export interface Actor {
  readonly type: "user" | "token" | "system" | "anonymous";
  readonly id: string | null;
  /** Email, token name, `system`, or the email someone tried to sign in with. */
  readonly label: string;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, label: "system" };

export function actorOf(principal: Principal): Actor {
  return principal.kind === "user"
    ? { type: "user", id: principal.userId, label: principal.email }
    : { type: "token", id: principal.tokenId, label: principal.name };
}

/** Sessions end after 30 minutes without a request, and 12 hours after sign-in whatever happens. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** last_seen_at is written at most this often, so a busy session does not write on every request. */
export const SESSION_TOUCH_MS = 60_000;

/**
 * Sign-in throttling (issue 18). Per client address, and per known device (a browser that signed in to the account
 * before): this many failures within the window, then 429 until the oldest leaves it. Spraying many accounts from
 * one address is stopped here.
 */
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

/**
 * Per account, from browsers it has not signed in on: never a lock, a growing delay. Failures are counted over
 * the last day; the first ACCOUNT_FREE_FAILURES cost nothing, then each further attempt must wait
 * {@link accountDelayMs} after the latest failure (30 s, 1 min, 2, 4, 8, then 15 min at most). An attacker gets
 * about 4 guesses an hour; the owner waits at most 15 minutes after the attacker's last guess, and not at all on
 * a browser they signed in on before (the device cookie), nor after an ADMIN clears the account's failures.
 */
export const ACCOUNT_FAILURE_WINDOW_MS = 24 * 60 * 60_000;
export const ACCOUNT_FREE_FAILURES = 5;
export const ACCOUNT_DELAY_BASE_MS = 30_000;
export const ACCOUNT_DELAY_MAX_MS = 15 * 60_000;

/** How long an account's sign-in must wait after its latest failure, with `failures` in the last day. */
export function accountDelayMs(failures: number): number {
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  return Math.min(ACCOUNT_DELAY_BASE_MS * 2 ** (failures - ACCOUNT_FREE_FAILURES), ACCOUNT_DELAY_MAX_MS);
}

/** A device cookie lives this long, renewed at each sign-in with it; a device unused that long is purged. */
export const KNOWN_DEVICE_TTL_MS = 180 * 24 * 60 * 60_000;

export interface KnownDevice {
  /** SHA-256 of the device cookie's value. */
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
}

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;

/**
 * The bootstrap admin's first password (one that must be changed) signs in for this long after it was set, then
 * never (issue 18, item 10): a password printed or handed over once should not stay good for ever.
 */
export const ONE_TIME_PASSWORD_TTL_MS = 24 * 60 * 60_000;

/** Passwords: long enough to resist guessing, short enough to keep hashing cheap (NIST SP 800-63B). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

export interface Session {
  /** SHA-256 of the cookie's value: the stored id; the cookie's value itself is never stored. */
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export function sessionExpiry(session: Pick<Session, "createdAt" | "lastSeenAt">): Date {
  return new Date(
    Math.min(session.lastSeenAt.getTime() + SESSION_IDLE_MS, session.createdAt.getTime() + SESSION_ABSOLUTE_MS),
  );
}

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** The first characters of the secret, shown in lists so people can tell tokens apart. */
  readonly prefix: string;
  readonly createdAt: Date;
  /** The creator's email as it was then (the audit label). */
  readonly createdBy: string;
  /**
   * The ADMIN who created the token and answers for it: it is revoked when they stop being an active ADMIN
   * (issue 18). Null only for a token made before tokens had owners whose creator was not found (revoked then).
   */
  readonly ownerId: string | null;
  /** Every token expires, at most API_TOKEN_MAX_LIFETIME_DAYS after it was made. */
  readonly expiresAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface Invitation {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}
