import { diff } from "../domain/audit";
import { UserNotFoundError } from "../domain/errors";
import type { User, UserPatch } from "../domain/user";
import { assertAdminRemains, assertMayChangeUser, endsActiveAdmin } from "../domain/user-rules";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";

export type UpdateUser = (
  id: string,
  patch: Pick<UserPatch, "name" | "role" | "status">,
  options: { expectedVersion?: number },
  context: CallContext,
) => Promise<User>;

/**
 * Changes a user's name, role or status, under the rules of lib/domain/user-rules.ts. A user who is disabled
 * loses every session at once, and anyone's next request is checked against the database anyway.
 */
export function makeUpdateUser({ unitOfWork }: { unitOfWork: UnitOfWork }): UpdateUser {
  return (id, patch, options, context) =>
    unitOfWork.run(
      async ({ users, sessions, audit }) => {
        const target = await users.getById(id);
        if (!target) throw new UserNotFoundError(id);
        assertMayChangeUser(context.principal, target, patch);
        if (endsActiveAdmin(target, patch)) assertAdminRemains(target, patch, await users.lockActiveAdmins());
        const updated = await users.update(id, () => patch, options);
        const changed = diff(target, updated, ["name", "role", "status"]);
        if (Object.keys(changed.after).length === 0) return updated;
        if (updated.status !== "ACTIVE") await sessions.deleteForUser(id);
        await audit.append({ action: "user.updated", ...auditBy(context), target: { type: "user", id }, data: changed });
        return updated;
      },
      { signal: context.signal },
    );
}
