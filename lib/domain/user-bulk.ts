/**
 * Bulk actions on users (POST /api/v1/users/bulk, issue 6): what a caller may ask for, the limits of one call,
 * and what the answer reports. docs/decisions/007-bulk-user-actions.md says why the numbers are what they are.
 */
import type { ErrorCode } from "./errors";
import type { Role, User } from "./user";
import type { UserFilter } from "./user-list";

export const BULK_ACTIONS = ["disable", "enable", "delete", "restore", "set-role"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export type BulkCommand = { action: Exclude<BulkAction, "set-role"> } | { action: "set-role"; role: Role };

/** Which users: listed by id, or every user matching the listing's filter ("select all N matching"). */
export type BulkSelection = { ids: readonly string[] } | { filter: UserFilter };

/** Most ids one call may list. */
export const MAX_BULK_IDS = 1_000;

/**
 * Most users one call over a filter may touch: past it the call is refused before anything is written
 * (BULK_LIMIT_EXCEEDED). Each user costs about six statements (savepoint, read, versioned write, sessions,
 * audit, release): 5,000 took 17 to 23 s on PostgreSQL and 28 to 31 s on PGlite on an idle 2-core machine, up to
 * 53 s on PostgreSQL when loaded (bench/users-bulk.ts): inside the deadline below.
 */
export const MAX_BULK_FILTER_USERS = 5_000;

/**
 * How many request deadlines (REQUEST_TIMEOUT_MS, 5 s by default) one bulk call may take: 60 s by default, the
 * idle timeout of common proxies and load balancers, so a longer one would be cut there anyway. Measurements in
 * docs/decisions/007-bulk-user-actions.md.
 */
export const BULK_DEADLINE_FACTOR = 12;

/**
 * Users per transaction. Each user's change runs in a savepoint, and PostgreSQL keeps at most 64 savepoints
 * that wrote per transaction in shared memory (PGPROC_MAX_CACHED_SUBXIDS); past that, every other session's
 * snapshot must look subtransactions up on disk until this one ends. 50 stays under it.
 */
export const BULK_CHUNK_SIZE = 50;

export interface BulkFailure {
  id: string;
  /** When the caller may see the user: absent for an unknown id, or a deleted user. */
  email?: string;
  /** The domain error's code; INTERNAL (message without detail, details in the log) for anything else. */
  code: ErrorCode | "INTERNAL";
  message: string;
}

export interface BulkResult {
  /** Users the selection named (distinct ids) or matched (the filter, walked to its end). */
  matched: number;
  /** Changed, each with its own audit entry. */
  succeeded: number;
  /** Already as the action would leave them: nothing written, nothing audited. Repeating a call is harmless. */
  skipped: number;
  failed: BulkFailure[];
}

/**
 * Whether `user` already is what `command` would make of them. A deleted user is never "already" disabled,
 * enabled or in a role: changing them is USER_NOT_FOUND, as it is one at a time.
 */
export function isAlreadyDone(command: BulkCommand, user: User): boolean {
  const live = user.deletedAt === null;
  switch (command.action) {
    case "disable":
      return live && user.status === "DISABLED";
    case "enable":
      return live && user.status === "ACTIVE";
    case "set-role":
      return live && user.role === command.role;
    case "delete":
      return !live;
    case "restore":
      return live;
  }
}
