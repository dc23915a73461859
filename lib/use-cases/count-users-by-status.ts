import type { UserStatus } from "../domain/user";
import type { UserCount } from "../domain/user-list";
import type { UnitOfWork } from "../ports/unit-of-work";

export type CountUsersByStatus = (options?: { signal?: AbortSignal }) => Promise<Record<UserStatus, UserCount>>;

/**
 * Users (not deleted) per status, exact, from the read model (issue 21): one small read at any table size. A
 * system read with no caller: the metrics gauge refreshes from it (lib/composition-root.ts); callers who show it
 * to a person check their permission first.
 */
export function makeCountUsersByStatus({ unitOfWork }: { unitOfWork: UnitOfWork }): CountUsersByStatus {
  return async (options = {}) => {
    const { byStatus } = await unitOfWork.read(({ users }) => users.stats(new Date()), { signal: options.signal });
    return { ACTIVE: exact(byStatus.ACTIVE), DISABLED: exact(byStatus.DISABLED), INVITED: exact(byStatus.INVITED) };
  };
}

const exact = (count: number): UserCount => ({ count, exact: true });
