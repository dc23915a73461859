import type { ApiToken, Session } from "../domain/auth";
import type { User } from "../domain/user";

/**
 * Verified credentials kept in the process, so that authenticating a request costs no database round trip
 * (issue 16; docs/decisions/011). Keyed by the secret's SHA-256, as the database keys them.
 */
export type VerifiedCredential =
  | { kind: "token"; token: ApiToken }
  | { kind: "session"; session: Session; user: User; mustChangePassword: boolean }
  /** The hash names no token or session: refused without asking the database again, for a short while. */
  | { kind: "unknown" };

/** What changed about credentials: a token, a session, everything of a user's, or (a missed message) anything. */
export type CredentialChange =
  | { kind: "token"; id: string }
  | { kind: "session"; id: string }
  | { kind: "user"; id: string }
  | { kind: "all" };

export interface CredentialCache {
  get(secretHash: string): VerifiedCredential | undefined;
  /**
   * Keeps `credential`, unless a change was published since `readSince` (a {@link generation} taken before the
   * database was read): what was read may predate that change, so it is not kept.
   */
  set(secretHash: string, credential: VerifiedCredential, readSince: number): void;
  /** Counts the changes seen; taken before reading the database, passed to {@link set}. */
  generation(): number;
}

export interface CredentialChanges {
  /**
   * Tells every replica that credentials changed, after the change committed: this process forgets at once, the
   * others when the notification reaches them (bounded by the cache's time to live when one is lost).
   */
  publish(changes: readonly CredentialChange[]): void;
}
