import { UserNotFoundError } from "../domain/errors";
import type { User } from "../domain/user";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { applyUserDelete } from "./user-changes";

export type DeleteUser = (id: string, options: { expectedVersion?: number }, context: CallContext) => Promise<User>;

/** Soft-deletes a user (restorable) and ends their sessions (applyUserDelete). */
export function makeDeleteUser({ unitOfWork }: { unitOfWork: UnitOfWork }): DeleteUser {
  return (id, options, context) =>
    unitOfWork.run(
      async (repos) => {
        const target = await repos.users.getById(id);
        if (!target) throw new UserNotFoundError(id);
        return applyUserDelete(repos, context, target, options);
      },
      { signal: context.signal },
    );
}
