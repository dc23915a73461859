import { UserNotFoundError } from "../domain/errors";
import type { User } from "../domain/user";
import { assertAdminRemains, assertMayChangeUser } from "../domain/user-rules";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";

export type DeleteUser = (id: string, options: { expectedVersion?: number }, context: CallContext) => Promise<User>;

/** Soft-deletes a user (restorable) and ends their sessions. */
export function makeDeleteUser({ unitOfWork }: { unitOfWork: UnitOfWork }): DeleteUser {
  return (id, options, context) =>
    unitOfWork.run(
      async ({ users, sessions, audit }) => {
        const target = await users.getById(id);
        if (!target) throw new UserNotFoundError(id);
        assertMayChangeUser(context.principal, target, "delete");
        assertAdminRemains(target, "delete", target.role === "ADMIN" ? await users.lockActiveAdmins() : []);
        const deleted = await users.softDelete(id, options);
        await sessions.deleteForUser(id);
        await audit.append({
          action: "user.deleted",
          ...auditBy(context),
          target: { type: "user", id },
          data: { before: { deletedAt: null }, after: { deletedAt: deleted.deletedAt } },
        });
        return deleted;
      },
      { signal: context.signal },
    );
}
