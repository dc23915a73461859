import { UserNotFoundError } from "../domain/errors";
import type { User } from "../domain/user";
import { assertMayChangeUser } from "../domain/user-rules";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";

export type RestoreUser = (id: string, context: CallContext) => Promise<User>;

/** Brings a soft-deleted user back, as they were. */
export function makeRestoreUser({ unitOfWork }: { unitOfWork: UnitOfWork }): RestoreUser {
  return (id, context) =>
    unitOfWork.run(
      async ({ users, audit }) => {
        const target = await users.getById(id, { includeDeleted: true });
        if (!target || target.deletedAt === null) throw new UserNotFoundError(id);
        assertMayChangeUser(context.principal, target, "delete");
        const restored = await users.restore(id);
        await audit.append({
          action: "user.restored",
          ...auditBy(context),
          target: { type: "user", id },
          data: { before: { deletedAt: target.deletedAt }, after: { deletedAt: null } },
        });
        return restored;
      },
      { signal: context.signal },
    );
}
