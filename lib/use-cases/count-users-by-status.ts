import type { UserStatus } from "../domain/user";
import { EXACT_COUNT_LIMIT, type UserCount } from "../domain/user-list";
import type { UnitOfWork } from "../ports/unit-of-work";

export type CountUsersByStatus = (options?: { signal?: AbortSignal }) => Promise<Record<UserStatus, UserCount>>;

/**
 * Users (not deleted) per status, each exact up to {@link EXACT_COUNT_LIMIT} and estimated past it, so the cost
 * stays flat on a large table. A system read with no caller: the metrics gauge refreshes from it
 * (lib/composition-root.ts); callers who show it to a person check their permission first.
 */
export function makeCountUsersByStatus({ unitOfWork }: { unitOfWork: UnitOfWork }): CountUsersByStatus {
  return (options = {}) =>
    unitOfWork.run(
      async ({ users }) => {
        const count = (status: UserStatus) => users.count({ statuses: [status] }, { exactUpTo: EXACT_COUNT_LIMIT });
        // One after another: a unit of work is one connection, which runs one statement at a time.
        return { ACTIVE: await count("ACTIVE"), DISABLED: await count("DISABLED"), INVITED: await count("INVITED") };
      },
      { signal: options.signal },
    );
}
