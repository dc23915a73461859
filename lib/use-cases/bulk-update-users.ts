import { BulkLimitExceededError, ERROR_CODES, ForbiddenError, UserNotFoundError, type ErrorCode } from "../domain/errors";
import { principalHas, roleHas } from "../domain/permissions";
import type { User } from "../domain/user";
import {
  BULK_CHUNK_SIZE,
  isAlreadyDone,
  MAX_BULK_FILTER_USERS,
  type BulkCommand,
  type BulkFailure,
  type BulkResult,
  type BulkSelection,
} from "../domain/user-bulk";
import type { UserFilter, UserSort } from "../domain/user-list";
import type { Logger } from "../ports/logger";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { applyUserChange, applyUserDelete, applyUserRestore } from "./user-changes";

export type BulkUpdateUsers = (command: BulkCommand, selection: BulkSelection, context: CallContext) => Promise<BulkResult>;

export interface BulkUpdateUsersDependencies {
  unitOfWork: UnitOfWork;
  /** Where an item that failed for a reason that is not a domain error is described (its answer says INTERNAL). */
  log: Logger;
  /**
   * Users per transaction, 1 to MAX_PAGE_SIZE (a chunk of a filter is a page of the listing); {@link BULK_CHUNK_SIZE}
   * unless a test crosses chunk boundaries with fewer users.
   */
  chunkSize?: number;
  /** Most users a filter may match; {@link MAX_BULK_FILTER_USERS} by default. */
  maxFilterUsers?: number;
}

/**
 * The walk over a filter: oldest first, by keyset (createdAt, then id) through the listing's own cursor. Each
 * chunk starts strictly after the last user of the one before, whatever that chunk changed: a user it disabled
 * or deleted (and who may no longer match) is behind the cursor, never seen twice, and nobody ahead is skipped.
 */
const WALK_ORDER: UserSort = { field: "createdAt", direction: "asc" };

/**
 * Disables, enables, deletes, restores or sets the role of many users: listed by id or matching a filter. Users
 * are taken in chunks, one transaction per chunk; each user's change runs in a savepoint, with the same rules,
 * session handling and audit entry as changing them one at a time (user-changes.ts). A user whose change fails
 * (FORBIDDEN by the rules, LAST_ADMIN, USER_NOT_FOUND, USER_VERSION_CONFLICT when changed since it was read in
 * the chunk) is reported with the error's code and message and leaves no trace; the rest of the chunk commits.
 * A user already as the action would leave them is counted as skipped, so repeating a call is harmless.
 *
 * Chunks that committed stay committed if a later one cannot run (the request's deadline, the client gone,
 * the database unreachable): the call then fails as a whole, and repeating it finishes the work. The signal
 * is checked between chunks, and each chunk's unit of work carries it too.
 *
 * @throws ForbiddenError up front: set-role without users:assign-role, includeDeleted without users:read-deleted.
 * @throws BulkLimitExceededError when the filter matches more than `maxFilterUsers`, before anything is written.
 */
export function makeBulkUpdateUsers({
  unitOfWork,
  log,
  chunkSize = BULK_CHUNK_SIZE,
  maxFilterUsers = MAX_BULK_FILTER_USERS,
}: BulkUpdateUsersDependencies): BulkUpdateUsers {
  return async (command, selection, context) => {
    assertMayRun(command, selection, context);
    const signal = context.signal;
    const result: BulkResult = { matched: 0, succeeded: 0, skipped: 0, failed: [] };
    const item = itemRunner(command, context, log);

    /** One transaction over `load`'s users; the chunk's outcome counts only once it has committed. */
    const runChunk = async <T>(load: (repos: Repositories) => Promise<{ targets: Target[]; next: T }>): Promise<T> => {
      signal?.throwIfAborted();
      const { outcome, next } = await unitOfWork.run(
        async (repos) => {
          const { targets, next: following } = await load(repos);
          const chunk: BulkResult = { matched: targets.length, succeeded: 0, skipped: 0, failed: [] };
          for (const target of targets) await item(repos, target, chunk);
          return { outcome: chunk, next: following };
        },
        { signal },
      );
      result.matched += outcome.matched;
      result.succeeded += outcome.succeeded;
      result.skipped += outcome.skipped;
      result.failed.push(...outcome.failed);
      return next;
    };

    if ("ids" in selection) {
      // In id order, as a filter is walked in its order: two bulk calls lock shared users in the same order.
      const ids = [...new Set(selection.ids.map((id) => id.toLowerCase()))].sort();
      for (let start = 0; start < ids.length; start += chunkSize) {
        const chunk = ids.slice(start, start + chunkSize);
        await runChunk(async ({ users }) => {
          // Issued together: Prisma sends concurrent lookups by id as one query.
          const found = await Promise.all(chunk.map((id) => users.getById(id, { includeDeleted: true })));
          return { targets: chunk.map((id, i) => ({ id, user: found[i] ?? null })), next: undefined };
        });
      }
      return result;
    }

    const filter: UserFilter = selection.filter;
    const total = await unitOfWork.run(({ users }) => users.count(filter, { exactUpTo: maxFilterUsers }), { signal });
    if (!total.exact) throw new BulkLimitExceededError(maxFilterUsers, total);
    // Users created while the walk runs can join the filter's tail: the walk stops at the count it was allowed,
    // so a busy table cannot stretch one call without end (those newcomers are the next call's).
    let cursor: string | undefined;
    do {
      const after = cursor;
      const limit = Math.min(chunkSize, maxFilterUsers - result.matched);
      cursor = await runChunk(async ({ users }) => {
        const page = await users.list({ ...filter, sort: WALK_ORDER, limit, cursor: after });
        return { targets: page.items.map((user) => ({ id: user.id, user })), next: page.nextCursor ?? undefined };
      });
    } while (cursor !== undefined && result.matched < maxFilterUsers);
    return result;
  };
}

/** A user of the selection: `user` as read in the chunk's transaction, null when there is none by that id. */
interface Target {
  id: string;
  user: User | null;
}

function assertMayRun(command: BulkCommand, selection: BulkSelection, context: CallContext): void {
  const role = context.principal.role;
  if (!roleHas(role, "users:write")) throw new ForbiddenError("Your role may not change users");
  if (command.action === "set-role" && !roleHas(role, "users:assign-role")) throw new ForbiddenError("Only an ADMIN may change roles");
  // Up front rather than user by user: the same rule as one at a time (user-rules.ts), refused whole.
  if (command.action === "set-role" && command.role === "ADMIN" && !principalHas(context.principal, "users:grant-admin")) {
    throw new ForbiddenError("Only an ADMIN signed in, not an API token, may make someone ADMIN");
  }
  if ("filter" in selection && selection.filter.includeDeleted && !roleHas(role, "users:read-deleted")) {
    throw new ForbiddenError("Your role may not select deleted users");
  }
}

/** Runs one user's change in a savepoint of the chunk's unit, and records how it went in `outcome`. */
function itemRunner(command: BulkCommand, context: CallContext, log: Logger) {
  // Whom the caller may see: a deleted user's email only to those who may list deleted users.
  const seesDeleted = roleHas(context.principal.role, "users:read-deleted");
  return async (repos: Repositories, { id, user }: Target, outcome: BulkResult): Promise<void> => {
    if (user === null) {
      outcome.failed.push({ id, code: "USER_NOT_FOUND", message: new UserNotFoundError(id).message });
      return;
    }
    if (isAlreadyDone(command, user)) {
      outcome.skipped += 1;
      return;
    }
    try {
      await repos.savepoint(() => apply(repos, context, command, user));
      outcome.succeeded += 1;
    } catch (error) {
      const failure = itemFailure(error, context);
      if (failure === null) throw error;
      if (failure.code === "INTERNAL") {
        log.error({ err: error, requestId: context.requestId, userId: id, action: command.action }, "bulk action failed for one user");
      }
      const visible = user.deletedAt === null || seesDeleted;
      outcome.failed.push({ id, ...(visible && { email: user.email }), ...failure });
    }
  };
}

/**
 * The change itself, from the version read in this chunk: a user changed since is USER_VERSION_CONFLICT (the
 * steps of user-changes.ts write the version they checked).
 */
function apply(repos: Repositories, context: CallContext, command: BulkCommand, target: User): Promise<User> {
  switch (command.action) {
    case "disable":
      return applyUserChange(repos, context, target, { status: "DISABLED" }, {});
    case "enable":
      return applyUserChange(repos, context, target, { status: "ACTIVE" }, {});
    case "set-role":
      return applyUserChange(repos, context, target, { role: command.role }, {});
    case "delete":
      return applyUserDelete(repos, context, target, {});
    case "restore":
      return applyUserRestore(repos, context, target);
  }
}

/** Failures that end the whole call rather than one user's change: the chunk's unit cannot go on after them. */
const FATAL: ReadonlySet<ErrorCode> = new Set(["DEADLINE_EXCEEDED", "DATABASE_BUSY"]);
const DOMAIN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * How a failed change is reported, or null when it must fail the call: the request was given up on, its unit
 * ran out of time or connections, or the savepoint could not be rolled back (then nothing more can be sent in
 * the transaction). Errors are recognised by `code`, as lib/http/problem.ts does, never by class.
 */
function itemFailure(error: unknown, context: CallContext): Pick<BulkFailure, "code" | "message"> | null {
  if (context.signal?.aborted) return null;
  if (error instanceof Error) {
    if ("rollbackError" in error) return null;
    const code = "code" in error && typeof error.code === "string" ? error.code : null;
    if (code !== null && isErrorCode(code)) return FATAL.has(code) ? null : { code, message: error.message };
  }
  return { code: "INTERNAL", message: `The change failed on our side; quote request id ${context.requestId ?? "(none)"}` };
}

function isErrorCode(code: string): code is ErrorCode {
  return DOMAIN_CODES.has(code);
}
