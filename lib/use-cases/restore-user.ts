import { UserNotFoundError } from "../domain/errors";
import type { User } from "../domain/user";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { applyUserRestore } from "./user-changes";

export type RestoreUser = (id: string, context: CallContext) => Promise<User>;

/** Brings a soft-deleted user back, as they were (applyUserRestore). */
export function makeRestoreUser({ unitOfWork }: { unitOfWork: UnitOfWork }): RestoreUser {
  return (id, context) =>
    unitOfWork.run(
      async (repos) => {
        const target = await repos.users.getById(id, { includeDeleted: true });
        if (!target) throw new UserNotFoundError(id);
        return applyUserRestore(repos, context, target);
      },
      { signal: context.signal },
    );
}
