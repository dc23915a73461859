import type { NewUser, Role, User, UserPatch, UserStatus } from "../domain/user";
import type { Page, UserCount, UserFilter, UserListQuery } from "../domain/user-list";

/** How {@link UserRepository.update} and {@link UserRepository.softDelete} write. */
export interface UserWriteOptions {
  /** The version the caller saw (If-Match): a user at another version (or a `current` at another) is a USER_VERSION_CONFLICT. */
  expectedVersion?: number;
  /**
   * The user as this unit has already read it (a use case that checked its rules against it): the adapter writes
   * against that version instead of reading the user again (a round trip less on PostgreSQL), and still fails
   * with USER_VERSION_CONFLICT if the row has moved on since.
   */
  current?: User;
}

/**
 * Users as stored. Obtained only inside {@link UnitOfWork.run}, so every call shares the unit's transaction.
 *
 * Soft-deleted users are invisible to `getById`, `getByEmail`, `list`, `update` and `softDelete` unless an
 * option says otherwise; their email stays reserved until they are purged.
 */
export interface UserRepository {
  /**
   * Inserts a user with version 1. The email is stored normalised (lower-case).
   * @throws EmailTakenError when another user, deleted or not, has the email.
   */
  create(input: NewUser): Promise<User>;

  /** The user, or null when there is none (or it is soft-deleted and `includeDeleted` is not set). */
  getById(id: string, options?: { includeDeleted?: boolean }): Promise<User | null>;

  /** Looks the email up case-insensitively; null when absent (or soft-deleted without `includeDeleted`). */
  getByEmail(email: string, options?: { includeDeleted?: boolean }): Promise<User | null>;

  /**
   * One page of users matching the query (soft-deleted ones only with `includeDeleted`), in the query's order
   * (ties broken by id).
   */
  list(query: UserListQuery): Promise<Page<User>>;

  /**
   * How many users match `filter`: exact when at most `exactUpTo` do; otherwise `exact: false` and a count
   * above `exactUpTo` (the database's estimate where it has one), without counting every row.
   */
  count(filter: UserFilter, options: { exactUpTo: number }): Promise<UserCount>;

  /**
   * The dashboard's counts (issue 21): users not deleted by status and by role, and users created per UTC day
   * (`YYYY-MM-DD`) from `since` on, deleted ones included (they did sign up), oldest first, days without any
   * absent. Exact, and as cheap on a million users as on ten: on the databases it reads the read model
   * (docs/decisions/018), which a trigger keeps in step with every write to the users table.
   */
  stats(since: Date): Promise<UserStatsCounts>;

  /**
   * Folds the read model's deltas into one row per key (the periodic clean-up); returns how many rows it folded.
   * The counts read the same before and after.
   */
  compactStats(): Promise<number>;

  /**
   * Recounts the read model from the users table (`npm run stats:rebuild`, after a restore or a manual edit that
   * bypassed the triggers), holding off user writes while it does; returns how many keys it wrote.
   */
  rebuildStats(): Promise<number>;

  /**
   * Read-modify-write: reads the current user, applies `change` to it, writes the result with version + 1.
   * The adapter owns the locking: a concurrent writer makes this fail rather than lose an update.
   * @throws UserNotFoundError when absent or soft-deleted.
   * @throws VersionConflictError when `expectedVersion` is given and stale, or a concurrent write won.
   * @throws EmailTakenError when the change sets an email another user has.
   */
  update(id: string, change: (current: User) => UserPatch, options?: UserWriteOptions): Promise<User>;

  /**
   * Marks the user deleted (version + 1); `options` as for {@link update} ({@link UserWriteOptions}).
   * @throws UserNotFoundError when absent or already deleted.
   * @throws VersionConflictError when `expectedVersion` is given and stale.
   */
  softDelete(id: string, options?: UserWriteOptions): Promise<User>;

  /**
   * Clears the deleted mark (version + 1).
   * @throws UserNotFoundError when absent or not deleted.
   * @throws VersionConflictError when `expectedVersion` is given and stale.
   */
  restore(id: string, options?: { expectedVersion?: number }): Promise<User>;

  /**
   * Ids of the users who are ADMIN, ACTIVE, not deleted and have a password (admins someone can sign in as),
   * locked until the unit of work ends: two units that
   * each demote a different admin cannot both see "another admin remains" and leave none.
   */
  lockActiveAdmins(): Promise<string[]>;

  /** True when the table holds no user at all, deleted ones included. */
  isEmpty(): Promise<boolean>;

  /**
   * Inserts the user as `create` does, but only when the table holds no user at all (deleted ones included);
   * null when it holds one. Atomic among units doing the same: of two run at once on an empty table, one creates
   * and the other, once the first has ended, finds its user and returns null (the first admin of two replicas
   * starting together, use-cases/bootstrap-admin.ts). `isEmpty` then `create` is not: both units see no users.
   */
  createIfEmpty(input: NewUser): Promise<User | null>;

  /**
   * Inserts, in one statement, the users whose email nobody has (deleted users included), and skips the others
   * without failing: a user created meanwhile by someone else is skipped too. For imports (issue 6).
   * @returns the users created, in input order, and the (normalised) emails that were taken.
   */
  createMany(inputs: readonly NewUser[]): Promise<{ created: User[]; taken: string[] }>;
}

/** The reads of {@link UserRepository} that the query side answers outside a transaction (`UnitOfWork.read`). */
export type UserQueries = Pick<UserRepository, "getById" | "list" | "count" | "stats">;

export interface UserStatsCounts {
  byStatus: Record<UserStatus, number>;
  byRole: Record<Role, number>;
  signupsPerDay: { day: string; count: number }[];
}
