import { ForbiddenError } from "../domain/errors";
import { roleHas } from "../domain/permissions";
import type { User } from "../domain/user";
import { MAX_PAGE_SIZE, type UserListQuery } from "../domain/user-list";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

/** A listing's filter and order, without paging: an export covers every matching user. */
export type UserExportQuery = Omit<UserListQuery, "limit" | "cursor">;

/**
 * The users of an export, a page at a time, in the query's order. Pulling the next page runs one unit of work;
 * nothing is read ahead, so a reader that stops pulling holds no connection and no memory beyond one page.
 */
export type UserPages = AsyncIterator<readonly User[], undefined>;

export type ExportUsers = (query: UserExportQuery, context: CallContext) => Promise<UserPages>;

/**
 * Every user matching the filter, walked in keyset pages of {@link EXPORT_PAGE_SIZE} (one unit of work each, so
 * each is bounded by DB_TIMEOUT_MS and no transaction stays open while the reader is slow). The first page is
 * read before this resolves, so a refusal or a database failure comes before the caller answers anything.
 *
 * Not a snapshot: each page reads the committed state of its own moment. A user created or deleted during the
 * export may or may not appear, and one whose sort key changes mid-export (a rename under sort=name) may appear
 * twice or not at all; under the default order (-createdAt) existing users neither repeat nor go missing.
 */
export function makeExportUsers({ unitOfWork }: { unitOfWork: UnitOfWork }): ExportUsers {
  return async (query, context) => {
    if (query.includeDeleted && !roleHas(context.principal.role, "users:read-deleted")) {
      throw new ForbiddenError("Your role may not list deleted users");
    }
    const pageAt = (cursor: string | undefined) =>
      unitOfWork.run(({ users }) => users.list({ ...query, limit: EXPORT_PAGE_SIZE, cursor }), {
        signal: context.signal,
      });
    const first = await pageAt(undefined);
    async function* pages(): AsyncGenerator<readonly User[], undefined> {
      let page = first;
      yield page.items;
      while (page.nextCursor !== null) {
        page = await pageAt(page.nextCursor);
        if (page.items.length > 0) yield page.items;
      }
      return undefined;
    }
    return pages();
  };
}

/**
 * Users per unit of work: the listing's own maximum page, so the export reuses the keyset pagination the list
 * uses (and its indexes). A few hundred rows per transaction keeps each one short and the page small in memory.
 */
export const EXPORT_PAGE_SIZE = MAX_PAGE_SIZE;
