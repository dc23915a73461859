import { UserNotFoundError } from "../domain/errors";
import type { User } from "../domain/user";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

export type GetUser = (id: string, context: CallContext) => Promise<User>;

export function makeGetUser({ unitOfWork }: { unitOfWork: UnitOfWork }): GetUser {
  return (id, { signal }) =>
    // A read on the query side: one statement, no transaction (issue 16).
    unitOfWork.read(
      async ({ users }) => {
        const user = await users.getById(id);
        if (!user) throw new UserNotFoundError(id);
        return user;
      },
      { signal },
    );
}
