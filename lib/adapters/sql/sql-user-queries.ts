/**
 * The users' query side in plain SQL (issue 16; docs/decisions/011): the reads on the request path, outside any
 * transaction, on a {@link SqlSession} (node-postgres or PGlite, as the migrator uses). Prisma's client cost
 * about 1 ms of CPU per request on this path; these statements are the ones Prisma sent, written out, so the plans
 * and the answers are the same (test/contract/user-repository.contract.ts holds both to one suite).
 */
import type { KeysetPosition, Page, SortDirection, UserCount, UserFilter, UserListQuery, UserSortField } from "../../domain/user-list";
import { normalizedSearch, planPage, toPage } from "../../domain/user-pages";
import type { User } from "../../domain/user";
import { untilAborted } from "../../domain/until-aborted";
import type { UnitOfWork } from "../../ports/unit-of-work";
import type { UserQueries, UserStatsCounts } from "../../ports/user-repository";
import type { SqlSession } from "../prisma/migrator";
import { escapeLike, isUuid, plannedRows, USER_COLUMNS as COLUMNS } from "./sql-text";
import { READ_USER_STATS, statsSince, userStatsFrom } from "./sql-user-stats";

const SORT_COLUMN: Record<UserSortField, string> = { createdAt: "created_at", name: "name", email: "email" };

export class SqlUserQueries implements UserQueries {
  constructor(
    private readonly session: SqlSession,
    /** Throws once the read has been given up on, so no further statement is sent. */
    private readonly guard: () => void,
  ) {}

  async getById(id: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
    this.guard();
    if (!isUuid(id)) return null; // the column is a uuid: anything else cannot be an id, and would not parse
    const [row] = await this.session.query<User>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return row && (options.includeDeleted || row.deletedAt === null) ? row : null;
  }

  async stats(since: Date): Promise<UserStatsCounts> {
    this.guard();
    return userStatsFrom(await this.session.query<{ key: string; n: number }>(READ_USER_STATS, [statsSince(since)]));
  }

  async list(query: UserListQuery): Promise<Page<User>> {
    this.guard();
    const plan = planPage(query);
    const where = new Where(query);
    if (plan.after) where.beyond(query.sort.field, plan.scanDirection, plan.after);
    const column = SORT_COLUMN[query.sort.field];
    const direction = plan.scanDirection === "asc" ? "ASC" : "DESC";
    const rows = await this.session.query<User>(
      `SELECT ${COLUMNS} FROM users WHERE ${where.sql()} ORDER BY ${column} ${direction}, id ${direction}
       LIMIT ${where.param(plan.take)}`,
      where.params,
    );
    return toPage(rows, query, plan);
  }

  async count(filter: UserFilter, options: { exactUpTo: number }): Promise<UserCount> {
    this.guard();
    const where = new Where(filter);
    // The LIMIT bounds the exact count's cost.
    const [counted] = await this.session.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM users WHERE ${where.sql()} LIMIT ${where.param(options.exactUpTo + 1)}) AS capped`,
      where.params,
    );
    const n = counted?.n ?? 0;
    if (n <= options.exactUpTo) return { count: n, exact: true };
    this.guard();
    // The planner's row estimate for the same filter: statistics-based, so it costs no scan.
    const estimating = new Where(filter);
    const explained = await this.session.query(`EXPLAIN (FORMAT JSON) SELECT 1 FROM users WHERE ${estimating.sql()}`, estimating.params);
    const estimate = plannedRows(explained);
    // The estimate can undershoot what was just counted: never answer less than that.
    return { count: Math.max(estimate, n), exact: false };
  }
}

/** A WHERE clause with its values as `$n` parameters: nothing from the query is ever spliced into the SQL. */
class Where {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  constructor(filter: UserFilter) {
    if (!filter.includeDeleted) this.conditions.push("deleted_at IS NULL");
    // Cast to the enum types rather than the columns to text, so the planner's statistics apply to the estimate.
    if (filter.roles?.length) {
      this.conditions.push(`role IN (${filter.roles.map((role) => `${this.param(role)}::"Role"`).join(", ")})`);
    }
    if (filter.statuses?.length) {
      this.conditions.push(`status IN (${filter.statuses.map((status) => `${this.param(status)}::"UserStatus"`).join(", ")})`);
    }
    const term = normalizedSearch(filter);
    if (term !== null) {
      const pattern = this.param(`%${escapeLike(term)}%`);
      this.conditions.push(`(email ILIKE ${pattern} OR name ILIKE ${pattern})`);
    }
  }

  /** Adds a value; returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /**
   * Rows strictly beyond `after` in the (sort column, id) order scanned in `direction`. The bound on the sort
   * column alone (`<=` / `>=` the cursor's value) is redundant but lets PostgreSQL start its index scan at the
   * cursor instead of filtering from the list's end (lib/adapters/prisma/prisma-user-repository.ts `beyond`).
   */
  beyond(field: UserSortField, direction: SortDirection, after: KeysetPosition): void {
    const column = SORT_COLUMN[field];
    const key = field === "createdAt" ? `${this.param(after.key)}::timestamptz` : this.param(after.key);
    const id = `${this.param(after.id)}::uuid`;
    const [from, past] = direction === "asc" ? [">=", ">"] : ["<=", "<"];
    this.conditions.push(`${column} ${from} ${key} AND (${column} ${past} ${key} OR (${column} = ${key} AND id ${past} ${id}))`);
  }

  sql(): string {
    return this.conditions.length === 0 ? "TRUE" : this.conditions.join(" AND ");
  }
}

/**
 * `UnitOfWork.read` on one session that cannot be interrupted (PGlite: one statement at a time, in this process):
 * an aborted read is answered at once, and its statement, if one is running, finishes unobserved.
 */
export function readsOn(session: SqlSession): UnitOfWork["read"] {
  return async (work, options) => {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const guard = () => signal?.throwIfAborted();
    return untilAborted(work({ users: new SqlUserQueries(session, guard) }), signal);
  };
}
