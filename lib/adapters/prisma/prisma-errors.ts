/**
 * Recognising Prisma failures the domain has a name for. Matched structurally (by `code`), not with
 * instanceof: lib/ is bundled twice at run time (server/ and Next), so class identity is not reliable.
 */

/** The unique index on users.email, as named by the first migration. */
const EMAIL_CONSTRAINT = "users_email_key";

/**
 * True for a unique violation on users.email, and only that: one on another constraint (say the primary key) is
 * not an "email taken" and must not be reported as one. A model query's is Prisma's P2002; a raw query's is
 * P2010 ("raw query failed") whose driver error is a UniqueConstraintViolation, with the same `meta`.
 *
 * With driver adapters Prisma leaves `meta.target` empty; the constraint is under
 * `meta.driverAdapterError.cause.constraint`, as `index` (the constraint name) with @prisma/adapter-pg and as
 * `fields` (the column names) with pglite-prisma-adapter (../shared/NOTES.md). `meta.target` is still checked
 * for Prisma's native engine.
 */
export function isEmailUniqueViolation(error: unknown): boolean {
  if (!isRecord(error) || (error.code !== "P2002" && error.code !== "P2010")) return false;
  const meta = isRecord(error.meta) ? error.meta : {};
  const adapterError = isRecord(meta.driverAdapterError) ? meta.driverAdapterError : {};
  const cause = isRecord(adapterError.cause) ? adapterError.cause : {};
  if (error.code === "P2010" && cause.kind !== "UniqueConstraintViolation") return false;
  const constraint = isRecord(cause.constraint) ? cause.constraint : {};
  return (
    constraint.index === EMAIL_CONSTRAINT ||
    isOnlyEmail(constraint.fields) ||
    meta.target === EMAIL_CONSTRAINT ||
    isOnlyEmail(meta.target)
  );
}

function isOnlyEmail(fields: unknown): boolean {
  return Array.isArray(fields) && fields.length === 1 && fields[0] === "email";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * PostgreSQL rolled the transaction back as a deadlock's victim (40P01), or could not serialise it (40001): nothing
 * of it stands, and the same work run again may well succeed. Prisma's P2034 for a model query; for a raw one
 * P2010 whose driver error is a TransactionWriteConflict (@prisma/adapter-pg's kind for both codes).
 */
export function isWriteConflict(error: unknown): boolean {
  if (!isRecord(error)) return false;
  if (error.code === "P2034") return true;
  if (error.code !== "P2010") return false;
  const meta = isRecord(error.meta) ? error.meta : {};
  const adapterError = isRecord(meta.driverAdapterError) ? meta.driverAdapterError : {};
  const cause = isRecord(adapterError.cause) ? adapterError.cause : {};
  return cause.kind === "TransactionWriteConflict" || cause.originalCode === "40P01" || cause.originalCode === "40001";
}

/** Prisma's P2028 "Unable to start a transaction in the given time": no pooled connection came free in time. */
export function isTransactionStartTimeout(error: unknown): boolean {
  return isRecord(error) && error.code === "P2028" && typeof error.message === "string" && /start a transaction/.test(error.message);
}

/**
 * No pooled connection came free within the pool's wait (pg-pool's own wording, pg-pool 3.x), as it reaches us
 * through Prisma's transaction start (raw, or as the cause of Prisma's error). Not a new connection that the
 * server never answered: that is "Connection terminated due to connection timeout" (pg/connection-failure.ts).
 */
export function isPoolWaitTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; isRecord(current) && depth < 4; current = current.cause, depth++) {
    if (typeof current.message === "string" && /timeout exceeded when trying to connect/i.test(current.message)) return true;
  }
  return false;
}
