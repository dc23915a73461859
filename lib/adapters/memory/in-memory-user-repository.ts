import { utcDay } from "../../domain/days";
import { randomUUID } from "node:crypto";

import { EmailTakenError, UserNotFoundError, VersionConflictError } from "../../domain/errors";
import { normalizeEmail, type NewUser, type Role, type User, type UserPatch, type UserStatus } from "../../domain/user";
import {
  type Page,
  type UserCount,
  type UserFilter,
  type UserListQuery,
} from "../../domain/user-list";
import { compareByKeyset, normalizedSearch, planPage, sortKey, toPage } from "../../domain/user-pages";
import type { UserRepository, UserStatsCounts, UserWriteOptions } from "../../ports/user-repository";
import type { InMemoryState } from "./in-memory-database";

/**
 * Users in the staged state of one in-memory unit of work. Text compares by UTF-16 code unit, which for the
 * ASCII the tests use is the order of PostgreSQL's C collation (the Prisma adapter orders by the database's
 * collation).
 */
export class InMemoryUserRepository implements UserRepository {
  constructor(
    private readonly state: InMemoryState,
    private readonly now: () => Date,
    /** Throws once the unit of work has been given up on. */
    private readonly guard: () => void,
  ) {}

  async create(input: NewUser): Promise<User> {
    this.guard();
    const email = normalizeEmail(input.email);
    this.assertEmailFree(email, null);
    const at = this.now();
    const user = newUser(input, email, at);
    this.state.users.set(user.id, user);
    return user;
  }

  async getById(id: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
    this.guard();
    const user = this.state.users.get(id);
    return user && (options.includeDeleted || user.deletedAt === null) ? user : null;
  }

  async getByEmail(email: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
    this.guard();
    const user = this.findByEmail(normalizeEmail(email));
    return user && (options.includeDeleted || user.deletedAt === null) ? user : null;
  }

  async list(query: UserListQuery): Promise<Page<User>> {
    this.guard();
    const plan = planPage(query);
    const matches = matcher(query);
    const sign = plan.scanDirection === "asc" ? 1 : -1;
    const position = (user: User) => ({ key: sortKey(user, query.sort.field), id: user.id });
    const rows = [...this.state.users.values()]
      .filter(
        (user) => matches(user) && (plan.after === null || sign * compareByKeyset(position(user), plan.after) > 0),
      )
      .sort((a, b) => sign * compareByKeyset(position(a), position(b)))
      .slice(0, plan.take);
    return toPage(rows, query, plan);
  }

  async count(filter: UserFilter, options: { exactUpTo: number }): Promise<UserCount> {
    this.guard();
    const matches = matcher(filter);
    let count = 0;
    for (const user of this.state.users.values()) if (matches(user)) count++;
    // Counting is cheap here, but the answer keeps the port's promise: past the limit it is not called exact.
    return { count, exact: count <= options.exactUpTo };
  }

  /** Counted from the users themselves: the in-memory database needs no read model. */
  async stats(since: Date): Promise<UserStatsCounts> {
    this.guard();
    const byStatus: Record<UserStatus, number> = { ACTIVE: 0, DISABLED: 0, INVITED: 0 };
    const byRole: Record<Role, number> = { ADMIN: 0, EDITOR: 0, VIEWER: 0 };
    const perDay = new Map<string, number>();
    for (const user of this.state.users.values()) {
      if (user.deletedAt === null) {
        byStatus[user.status]++;
        byRole[user.role]++;
      }
      if (user.createdAt < since) continue;
      const day = utcDay(user.createdAt);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    const signupsPerDay = [...perDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, count]) => ({ day, count }));
    return { byStatus, byRole, signupsPerDay };
  }

  async compactStats(): Promise<number> {
    this.guard();
    return 0;
  }

  async rebuildStats(): Promise<number> {
    this.guard();
    return 0;
  }

  async update(id: string, change: (current: User) => UserPatch, options: UserWriteOptions = {}): Promise<User> {
    this.guard();
    const current = this.writtenAgainst(id, options);
    const patch = change(current);
    this.guard();
    const email = patch.email === undefined ? current.email : normalizeEmail(patch.email);
    if (email !== current.email) this.assertEmailFree(email, id);
    return this.write({
      ...current,
      email,
      name: patch.name ?? current.name,
      role: patch.role ?? current.role,
      status: patch.status ?? current.status,
    });
  }

  async softDelete(id: string, options: UserWriteOptions = {}): Promise<User> {
    this.guard();
    const current = this.writtenAgainst(id, options);
    return this.write({ ...current, deletedAt: this.now() });
  }

  async restore(id: string, options: { expectedVersion?: number } = {}): Promise<User> {
    this.guard();
    const current = this.state.users.get(id);
    if (!current || current.deletedAt === null) throw new UserNotFoundError(id);
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw new VersionConflictError(id, options.expectedVersion, current.version);
    }
    return this.write({ ...current, deletedAt: null });
  }

  async lockActiveAdmins(): Promise<string[]> {
    this.guard();
    // Units of work run one at a time here, so reading is locking.
    return [...this.state.users.values()]
      .filter(
        (user) =>
          user.role === "ADMIN" && user.status === "ACTIVE" && user.deletedAt === null && this.state.credentials.has(user.id),
      )
      .map((user) => user.id)
      .sort();
  }

  async isEmpty(): Promise<boolean> {
    this.guard();
    return this.state.users.size === 0;
  }

  async createIfEmpty(input: NewUser): Promise<User | null> {
    this.guard();
    // Units of work run one at a time here, so checking then creating is atomic.
    return this.state.users.size === 0 ? this.create(input) : null;
  }

  async createMany(inputs: readonly NewUser[]): Promise<{ created: User[]; taken: string[] }> {
    this.guard();
    const holders = new Set([...this.state.users.values()].map((user) => user.email));
    const created: User[] = [];
    const taken: string[] = [];
    const at = this.now();
    for (const input of inputs) {
      const email = normalizeEmail(input.email);
      if (holders.has(email)) {
        taken.push(email);
        continue;
      }
      holders.add(email);
      const user = newUser(input, email, at);
      this.state.users.set(user.id, user);
      created.push(user);
    }
    return { created, taken };
  }

  /** The live (not deleted) user at `expectedVersion` when one is given. */
  /**
   * The stored user a write applies to. Nothing to save by trusting a `current` the caller read (the stored user is
   * at hand): it is checked as PostgreSQL's conditional UPDATE checks it, so a user changed since it was read is a
   * conflict, as is a `current` at another version than `expectedVersion`.
   */
  private writtenAgainst(id: string, { current, expectedVersion }: UserWriteOptions): User {
    if (current?.deletedAt) throw new UserNotFoundError(id);
    if (current && expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new VersionConflictError(id, expectedVersion, current.version);
    }
    return this.current(id, current?.version ?? expectedVersion);
  }

  private current(id: string, expectedVersion: number | undefined): User {
    const current = this.state.users.get(id);
    if (!current || current.deletedAt !== null) throw new UserNotFoundError(id);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new VersionConflictError(id, expectedVersion, current.version);
    }
    return current;
  }

  private write(next: User): User {
    const user: User = { ...next, version: next.version + 1, updatedAt: this.now() };
    this.state.users.set(user.id, user);
    return user;
  }

  private findByEmail(email: string): User | undefined {
    for (const user of this.state.users.values()) if (user.email === email) return user;
    return undefined;
  }

  /** Deleted users keep their email reserved, as the unique index does in the database. */
  private assertEmailFree(email: string, exceptId: string | null): void {
    const holder = this.findByEmail(email);
    if (holder && holder.id !== exceptId) throw new EmailTakenError(email);
  }
}

/** The predicate of a listing's filter. */
function matcher(filter: UserFilter): (user: User) => boolean {
  const term = normalizedSearch(filter)?.toLowerCase() ?? null;
  const roles = filter.roles?.length ? new Set(filter.roles) : null;
  const statuses = filter.statuses?.length ? new Set(filter.statuses) : null;
  return (user) =>
    (filter.includeDeleted === true || user.deletedAt === null) &&
    (roles === null || roles.has(user.role)) &&
    (statuses === null || statuses.has(user.status)) &&
    (term === null || user.email.toLowerCase().includes(term) || user.name.toLowerCase().includes(term));
}

/** A user as `create` stores it: version 1, created now unless the input says when. */
function newUser(input: NewUser, email: string, at: Date): User {
  return {
    id: randomUUID(),
    email,
    name: input.name,
    role: input.role,
    status: input.status,
    createdAt: input.createdAt ?? at,
    updatedAt: at,
    version: 1,
    deletedAt: null,
  };
}
