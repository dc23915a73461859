import { EmailTakenError, UserNotFoundError, VersionConflictError } from "../../domain/errors";
import { normalizeEmail, type NewUser, type User, type UserPatch } from "../../domain/user";
import {
  type KeysetPosition,
  type Page,
  type SortDirection,
  type UserCount,
  type UserFilter,
  type UserListQuery,
  type UserSortField,
} from "../../domain/user-list";
import { normalizedSearch, planPage, toPage } from "../../domain/user-pages";
import type { UserRepository, UserStatsCounts, UserWriteOptions } from "../../ports/user-repository";
import { Prisma, type User as UserRow } from "./generated/client.ts";
import { escapeLike, isUuid, plannedRows, USER_COLUMNS } from "../sql/sql-text";
import { COMPACT_USER_STATS, READ_USER_STATS, REBUILD_USER_STATS, statsSince, userStatsFrom } from "../sql/sql-user-stats";
import { isEmailUniqueViolation } from "./prisma-errors";
import { v7 as uuidv7 } from "uuid";

/**
 * Users through Prisma, on the transaction client of one unit of work. Rows are mapped to domain types on
 * the way out: no Prisma type leaves this file. Text sorts follow the database's collation (C on the test
 * servers, where it equals the in-memory adapter's code-unit order).
 */
export class PrismaUserRepository implements UserRepository {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async create(input: NewUser): Promise<User> {
    this.guard();
    const email = normalizeEmail(input.email);
    const row = await this.emailWrite(email, () =>
      this.tx.user.create({
        data: { email, name: input.name, role: input.role, status: input.status, createdAt: input.createdAt },
      }),
    );
    return toUser(row);
  }

  async getById(id: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
    this.guard();
    if (!isUuid(id)) return null; // the column is a uuid: anything else cannot be an id, and would not parse
    // Plain SQL on the transaction: PATCH and DELETE read the user first, and a model query costs about 0.2 ms
    // more CPU than the same statement sent raw (docs/operations.md#benchmark-results).
    const [row] = await this.tx.$queryRawUnsafe<User[]>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1::uuid`, id);
    return row && (options.includeDeleted || row.deletedAt === null) ? row : null;
  }

  async getByEmail(email: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
    this.guard();
    // Stored lower-case, so an equality lookup on the unique index is case-insensitive.
    const row = await this.tx.user.findUnique({ where: { email: normalizeEmail(email) } });
    return row && (options.includeDeleted || row.deletedAt === null) ? toUser(row) : null;
  }

  async list(query: UserListQuery): Promise<Page<User>> {
    this.guard();
    const plan = planPage(query);
    const field = query.sort.field;
    const and = whereOf(query);
    if (plan.after) and.push(beyond(field, plan.scanDirection, plan.after));
    const rows = await this.tx.user.findMany({
      where: { AND: and },
      orderBy: orderBy(field, plan.scanDirection),
      take: plan.take,
    });
    return toPage(rows.map(toUser), query, plan);
  }

  async count(filter: UserFilter, options: { exactUpTo: number }): Promise<UserCount> {
    this.guard();
    // Raw SQL: Prisma's count cannot stop early, nor explain. The LIMIT bounds the exact count's cost.
    const where = sqlWhereOf(filter);
    const [counted] = await this.tx.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM users WHERE ${where} LIMIT ${options.exactUpTo + 1}) AS capped`;
    const n = counted?.n ?? 0;
    if (n <= options.exactUpTo) return { count: n, exact: true };
    this.guard();
    // The planner's row estimate for the same filter: statistics-based, so it costs no scan.
    const explained = await this.tx.$queryRaw<unknown[]>`EXPLAIN (FORMAT JSON) SELECT 1 FROM users WHERE ${where}`;
    const estimate = plannedRows(explained);
    // The estimate can undershoot what was just counted: never answer less than that.
    return { count: Math.max(estimate, n), exact: false };
  }

  async stats(since: Date): Promise<UserStatsCounts> {
    this.guard();
    return userStatsFrom(await this.tx.$queryRawUnsafe<{ key: string; n: number }[]>(READ_USER_STATS, statsSince(since)));
  }

  async compactStats(): Promise<number> {
    this.guard();
    const [row] = await this.tx.$queryRawUnsafe<{ n: number }[]>(COMPACT_USER_STATS);
    return row?.n ?? 0;
  }

  async rebuildStats(): Promise<number> {
    let written = 0;
    for (const statement of REBUILD_USER_STATS) {
      this.guard();
      written = await this.tx.$executeRawUnsafe(statement);
    }
    return written;
  }

  async update(id: string, change: (current: User) => UserPatch, options: UserWriteOptions = {}): Promise<User> {
    this.guard();
    const current = options.current ? liveAt(id, options.current, options.expectedVersion) : await this.live(id, options.expectedVersion);
    const patch = change(current);
    this.guard();
    const email = patch.email === undefined ? current.email : normalizeEmail(patch.email);
    const data = {
      email,
      name: patch.name ?? current.name,
      role: patch.role ?? current.role,
      status: patch.status ?? current.status,
    };
    return email === current.email
      ? this.writeVersion(current, options.expectedVersion, data)
      : this.emailWrite(email, () => this.writeVersion(current, options.expectedVersion, data));
  }

  async softDelete(id: string, options: UserWriteOptions = {}): Promise<User> {
    this.guard();
    const current = options.current ? liveAt(id, options.current, options.expectedVersion) : await this.live(id, options.expectedVersion);
    return this.writeVersion(current, options.expectedVersion, { deletedAt: new Date() });
  }

  async restore(id: string, options: { expectedVersion?: number } = {}): Promise<User> {
    this.guard();
    const row = isUuid(id) ? await this.tx.user.findUnique({ where: { id } }) : null;
    if (!row || row.deletedAt === null) throw new UserNotFoundError(id);
    if (options.expectedVersion !== undefined && row.version !== options.expectedVersion) {
      throw new VersionConflictError(id, options.expectedVersion, row.version);
    }
    return this.writeVersion(toUser(row), options.expectedVersion, { deletedAt: null });
  }

  async lockActiveAdmins(): Promise<string[]> {
    this.guard();
    // FOR UPDATE: a concurrent unit demoting another admin waits here until this one ends, then sees its result.
    const rows = await this.tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM users
      WHERE role = 'ADMIN' AND status = 'ACTIVE' AND deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM credentials WHERE credentials.user_id = users.id)
      ORDER BY id FOR UPDATE`;
    return rows.map((row) => row.id);
  }

  async isEmpty(): Promise<boolean> {
    this.guard();
    return (await this.tx.user.findFirst({ select: { id: true } })) === null;
  }

  async createIfEmpty(input: NewUser): Promise<User | null> {
    this.guard();
    // "No users at all" is a fact about the whole table: no row to lock and no unique index says it, so two
    // units would both see it and both insert. A transaction-scoped advisory lock taken first makes the second
    // wait until the first ends; its check, a later statement under READ COMMITTED, then sees the first's user.
    // Held to the end of the unit, so what the unit writes with the user (its credential) commits first too.
    await this.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('users:create-if-empty', 0))`;
    if (!(await this.isEmpty())) return null;
    return this.create(input);
  }

  async createMany(inputs: readonly NewUser[]): Promise<{ created: User[]; taken: string[] }> {
    this.guard();
    if (inputs.length === 0) return { created: [], taken: [] };
    const data = inputs.map((input) => ({
      email: normalizeEmail(input.email),
      name: input.name,
      role: input.role,
      status: input.status,
      createdAt: input.createdAt,
    }));
    // INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING: one statement with six parameters
    // whatever the batch's size (Prisma's createManyAndReturn binds every field of every row and cost about
    // 1 ms per row here, 5x the database's own time), and an email taken meanwhile is skipped rather than
    // failing the statement. Ids are UUIDv7, as Prisma's @default(uuid(7)) makes them.
    // Inserted in email order: two units inserting overlapping emails (two imports of similar files) then take
    // the unique index's locks in the same order, so one waits for the other instead of both deadlocking.
    const ordered = data.toSorted((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    const rows = data.some((row) => row.createdAt !== undefined)
      ? await this.tx.user.createManyAndReturn({ data: ordered, skipDuplicates: true })
      : await this.tx.$queryRaw<UserRow[]>`
          INSERT INTO users (id, email, name, role, status, updated_at)
          SELECT id, email, name, role::"Role", status::"UserStatus", now()
          FROM unnest(${ordered.map(() => uuidv7())}::uuid[], ${ordered.map((row) => row.email)}::text[],
                      ${ordered.map((row) => row.name)}::text[], ${ordered.map((row) => row.role)}::text[],
                      ${ordered.map((row) => row.status)}::text[]) AS t(id, email, name, role, status)
          ORDER BY email
          ON CONFLICT (email) DO NOTHING
          RETURNING id, email, name, role, status, created_at AS "createdAt", updated_at AS "updatedAt", version,
                    deleted_at AS "deletedAt"`;
    const byEmail = new Map(rows.map((row) => [row.email, toUser(row)]));
    const created: User[] = [];
    const taken: string[] = [];
    for (const { email } of data) {
      const user = byEmail.get(email);
      if (user) created.push(user);
      else taken.push(email);
    }
    return { created, taken };
  }

  /** The user unless absent or deleted, checked against `expectedVersion` when one is given. */
  private async live(id: string, expectedVersion: number | undefined): Promise<User> {
    const row = isUuid(id) ? await this.tx.user.findUnique({ where: { id } }) : null;
    if (!row) throw new UserNotFoundError(id);
    return liveAt(id, toUser(row), expectedVersion);
  }

  /**
   * Writes `data` with version + 1 only if the row is still at the version read (and still in the same
   * deleted state). Under READ COMMITTED a concurrent writer that got there first either has committed (the
   * version differs) or holds the row lock, and PostgreSQL re-checks the condition once it commits: either way
   * no row matches, and this update fails instead of overwriting the other one. Plain SQL for the same reason as
   * getById: every change to a user comes through here.
   */
  private async writeVersion(current: User, expectedVersion: number | undefined, data: UserColumns): Promise<User> {
    this.guard();
    const values: unknown[] = [current.id, current.version, current.version + 1, new Date()];
    const set = Object.entries(data)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => {
        values.push(value);
        return `${WRITABLE[field as keyof UserColumns]} = $${values.length}${CASTS[field as keyof UserColumns] ?? ""}`;
      });
    const [row] = await this.tx.$queryRawUnsafe<User[]>(
      `UPDATE users SET ${[...set, "version = $3", "updated_at = $4"].join(", ")}
       WHERE id = $1::uuid AND version = $2 AND deleted_at IS ${current.deletedAt === null ? "" : "NOT "}NULL
       RETURNING ${USER_COLUMNS}`,
      ...values,
    );
    if (row) return row;
    // Lost the race: say whether the user is gone or merely moved on.
    const now = await this.tx.user.findUnique({ where: { id: current.id } });
    if (!now || (current.deletedAt === null && now.deletedAt !== null))
      throw new UserNotFoundError(current.id);
    throw new VersionConflictError(current.id, expectedVersion ?? current.version, now.version);
  }

  /**
   * Runs a write that may hit the unique email index inside a savepoint. PostgreSQL aborts the whole
   * transaction on a failed statement; rolling back to the savepoint keeps the unit of work usable after an
   * EmailTakenError, as the in-memory adapter is.
   *
   * When the rollback itself fails (the connection dropped, the transaction was closed by its timeout), the
   * write's own error is still what the caller gets: the rollback's would only hide why the write failed. It
   * travels along as `rollbackError`, which the logger prints with the error. The unit of work cannot go on
   * then, so a unique violation is not turned into EmailTakenError, which promises that it can.
   */
  private async emailWrite<T>(email: string, write: () => Promise<T>): Promise<T> {
    await this.tx.$executeRaw`SAVEPOINT user_email_write`;
    try {
      const result = await write();
      await this.tx.$executeRaw`RELEASE SAVEPOINT user_email_write`;
      return result;
    } catch (error) {
      try {
        await this.tx.$executeRaw`ROLLBACK TO SAVEPOINT user_email_write`;
        await this.tx.$executeRaw`RELEASE SAVEPOINT user_email_write`;
      } catch (rollbackError) {
        throw withRollbackError(error, rollbackError);
      }
      if (isEmailUniqueViolation(error)) throw new EmailTakenError(email);
      throw error;
    }
  }
}

/** `error` itself, carrying the failure of the rollback that followed it (when `error` can carry anything). */
export function withRollbackError(error: unknown, rollbackError: unknown): unknown {
  if (error instanceof Error) return Object.assign(error, { rollbackError });
  return error;
}

export { isUuid };

/** The listing's filter as Prisma conditions (one array, so callers can add to it). */
function whereOf(filter: UserFilter): Prisma.UserWhereInput[] {
  const and: Prisma.UserWhereInput[] = [];
  if (!filter.includeDeleted) and.push({ deletedAt: null });
  if (filter.roles?.length) and.push({ role: { in: [...filter.roles] } });
  if (filter.statuses?.length) and.push({ status: { in: [...filter.statuses] } });
  const term = normalizedSearch(filter);
  if (term !== null) {
    // Prisma sends `contains` as ILIKE '%' || $1 || '%' without escaping the term (prisma 7.10), so a `%`
    // or `_` the user typed would be a wildcard: escape them, and the escape character itself.
    const pattern = { contains: escapeLike(term), mode: "insensitive" } as const;
    and.push({ OR: [{ email: pattern }, { name: pattern }] });
  }
  return and;
}

/** The same filter as SQL, for the count (which Prisma's query API cannot express). Values are parameters. */
function sqlWhereOf(filter: UserFilter): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (!filter.includeDeleted) conditions.push(Prisma.sql`deleted_at IS NULL`);
  // Cast to the enum types rather than the columns to text, so the planner's statistics apply to the estimate.
  if (filter.roles?.length) {
    conditions.push(Prisma.sql`role IN (${Prisma.join(filter.roles.map((role) => Prisma.sql`${role}::"Role"`))})`);
  }
  if (filter.statuses?.length) {
    const statuses = filter.statuses.map((status) => Prisma.sql`${status}::"UserStatus"`);
    conditions.push(Prisma.sql`status IN (${Prisma.join(statuses)})`);
  }
  const term = normalizedSearch(filter);
  if (term !== null) {
    const pattern = `%${escapeLike(term)}%`;
    conditions.push(Prisma.sql`(email ILIKE ${pattern} OR name ILIKE ${pattern})`);
  }
  return Prisma.join(conditions, " AND ");
}


function orderBy(field: UserSortField, direction: SortDirection): Prisma.UserOrderByWithRelationInput[] {
  switch (field) {
    case "createdAt":
      return [{ createdAt: direction }, { id: direction }];
    case "name":
      return [{ name: direction }, { id: direction }];
    case "email":
      return [{ email: direction }, { id: direction }];
  }
}

/**
 * Rows strictly beyond `after` in the (sort column, id) order scanned in `direction`.
 *
 * The OR alone is exact but PostgreSQL cannot start an index scan from it: it walked the (sort column, id) index
 * from the list's end and filtered, so page k cost k pages (50 ms at offset 150,000, and an export of 200,000
 * users was quadratic). The redundant bound on the sort column (`<=` / `>=` the cursor's value) becomes the
 * index condition, and the scan starts at the cursor (0.07 ms at the same offset, PostgreSQL 15). Prisma cannot
 * write the row comparison `(created_at, id) < ($1, $2)` that would say it in one condition.
 */
function beyond(
  field: UserSortField,
  direction: SortDirection,
  after: KeysetPosition,
): Prisma.UserWhereInput {
  const past = <V>(value: V) => (direction === "asc" ? { gt: value } : { lt: value });
  const from = <V>(value: V) => (direction === "asc" ? { gte: value } : { lte: value });
  const id = past(after.id);
  switch (field) {
    case "createdAt": {
      const at = new Date(after.key);
      return { AND: [{ createdAt: from(at) }, { OR: [{ createdAt: past(at) }, { createdAt: at, id }] }] };
    }
    case "name":
      return { AND: [{ name: from(after.key) }, { OR: [{ name: past(after.key) }, { name: after.key, id }] }] };
    case "email":
      return { AND: [{ email: from(after.key) }, { OR: [{ email: past(after.key) }, { email: after.key, id }] }] };
  }
}

/** The columns a change may write, by the domain's field names. */
type UserColumns = Partial<Pick<User, "email" | "name" | "role" | "status" | "deletedAt">>;
const WRITABLE: Record<keyof UserColumns, string> = { email: "email", name: "name", role: "role", status: "status", deletedAt: "deleted_at" };
/** Parameters are sent as text: the enum columns take theirs cast. */
const CASTS: Partial<Record<keyof UserColumns, string>> = { role: `::"Role"`, status: `::"UserStatus"`, deletedAt: "::timestamptz" };

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
    deletedAt: row.deletedAt,
  };
}

/** `user` (read as `id`) unless it is deleted, checked against `expectedVersion` when one is given. */
function liveAt(id: string, user: User, expectedVersion: number | undefined): User {
  if (user.id !== id) throw new Error(`update(${id}) was handed user ${user.id} as the current one`);
  if (user.deletedAt !== null) throw new UserNotFoundError(id);
  if (expectedVersion !== undefined && user.version !== expectedVersion) {
    throw new VersionConflictError(id, expectedVersion, user.version);
  }
  return user;
}
