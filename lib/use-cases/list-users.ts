import { ForbiddenError } from "../domain/errors";
import { roleHas } from "../domain/permissions";
import type { User } from "../domain/user";
import { EXACT_COUNT_LIMIT, type CountedPage, type UserListQuery } from "../domain/user-list";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

export type ListUsers = (query: UserListQuery, context: CallContext) => Promise<CountedPage<User>>;

/**
 * One page of users and the listing's total (exact up to {@link EXACT_COUNT_LIMIT}, an estimate past it).
 * Deleted users are listed only for callers who may see them.
 */
export function makeListUsers({ unitOfWork }: { unitOfWork: UnitOfWork }): ListUsers {
  return (query, context) => {
    if (query.includeDeleted && !roleHas(context.principal.role, "users:read-deleted")) {
      throw new ForbiddenError("Your role may not list deleted users");
    }
    // On the query side, outside a transaction (issue 16): the page and the total are two statements that may see
    // two moments; a total is a figure for the listing, never a promise about the page.
    return unitOfWork.read(
      async ({ users }) => {
        const page = await users.list(query);
        const total = await users.count(query, { exactUpTo: EXACT_COUNT_LIMIT });
        return { ...page, total };
      },
      { signal: context.signal },
    );
  };
}
