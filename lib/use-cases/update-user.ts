import { UserNotFoundError } from "../domain/errors";
import type { User } from "../domain/user";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { applyUserChange, type UserChange } from "./user-changes";

export type UpdateUser = (
  id: string,
  patch: UserChange,
  options: { expectedVersion?: number },
  context: CallContext,
) => Promise<User>;

/**
 * Changes a user's name, role or status, under the rules of lib/domain/user-rules.ts (applyUserChange). A user
 * who is disabled loses every session at once, and anyone's next request is checked against the database anyway.
 */
export function makeUpdateUser({ unitOfWork }: { unitOfWork: UnitOfWork }): UpdateUser {
  return (id, patch, options, context) =>
    unitOfWork.run(
      async (repos) => {
        const target = await repos.users.getById(id);
        if (!target) throw new UserNotFoundError(id);
        return applyUserChange(repos, context, target, patch, options);
      },
      { signal: context.signal },
    );
}
