/** Small pieces of SQL handling that the Prisma adapter and the plain-SQL query side share. */
import { z } from "zod";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuid columns: anything else cannot be one, and would make PostgreSQL refuse the statement. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A user row's columns, named as the domain's `User` fields, so a row read is a `User` as it is. */
export const USER_COLUMNS = `id, email, name, role, status, created_at AS "createdAt", updated_at AS "updatedAt", version,
  deleted_at AS "deletedAt"`;

/** `\`, `%` and `_` are LIKE's escape character and wildcards; PostgreSQL's default escape is `\`. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, "\\$&");
}

/** What `EXPLAIN (FORMAT JSON)` answers, as far as the row estimate (checked: it is the database's text). */
const explainedRows = z.array(
  z.object({ "QUERY PLAN": z.array(z.object({ Plan: z.object({ "Plan Rows": z.number() }) })) }),
);

/** The planner's row estimate from an `EXPLAIN (FORMAT JSON)` answer: statistics-based, so it cost no scan. */
export function plannedRows(explained: unknown): number {
  return Math.round(explainedRows.parse(explained)[0]?.["QUERY PLAN"][0]?.Plan["Plan Rows"] ?? 0);
}
