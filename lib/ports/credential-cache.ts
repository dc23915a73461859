import type { ApiToken, Session } from "../domain/auth";
import type { User } from "../domain/user";

/**
 * Verified credentials kept in the process, so that authenticating a request costs no database round trip
 * (issue 16; docs/decisions/011). Keyed by the kind of secret and its SHA-256 (`token:<hash>`, `session:<hash>`),
 * so a token's secret sent as a cookie cannot stand for the token.
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
  get(key: string): VerifiedCredential | undefined;
  /**
   * Keeps `credential`, unless a change was published since `readSince` (a {@link generation} taken before the
   * database was read): what was read may predate that change, so it is not kept.
   */
  set(key: string, credential: VerifiedCredential, readSince: number): void;
  /** Counts the changes seen; taken before reading the database, passed to {@link set}. */
  generation(): number;
}

/** This process's side of a change: what it has cached of those credentials is dropped. */
export interface CredentialChanges {
  /** Called once the unit of work that made `changes` has settled (committed or not: forgetting is always safe). */
  forget(changes: readonly CredentialChange[]): void;
}

/**
 * The other replicas' side, inside the unit of work that makes the change: sent by the database when, and only
 * if, the unit commits (PostgreSQL NOTIFY within the transaction), so no change can commit unannounced.
 */
export interface CredentialChangeNotices {
  announce(changes: readonly CredentialChange[]): Promise<void>;
}
