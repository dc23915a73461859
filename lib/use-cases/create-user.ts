import { z } from "zod";

import { ROLES, USER_STATUSES, type Role, type User, type UserStatus } from "../domain/user";
import { assertMayCreateUser } from "../domain/user-rules";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";
import { runOnce, type ResultCodec } from "./idempotency";

export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  /** INVITED is where invitations put people; a created user starts ACTIVE or DISABLED. */
  status: Exclude<UserStatus, "INVITED">;
}

export type CreateUser = (
  input: CreateUserInput,
  options: { idempotencyKey?: string },
  context: CallContext,
) => Promise<{ user: User; replayed: boolean }>;

/**
 * Creates a user (a directory entry: without a password, they cannot sign in until invited). With an
 * idempotency key, a retry of the same request returns the user the first one created, as it was then.
 * @throws EmailTakenError when someone, deleted or not, has the email.
 */
export function makeCreateUser({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): CreateUser {
  return (input, options, context) => {
    assertMayCreateUser(context.principal, input.role);
    return unitOfWork.run(
      async (repos) => {
        const create = async () => {
          const user = await repos.users.create(input);
          await repos.audit.append({
            action: "user.created",
            ...auditBy(context),
            target: { type: "user", id: user.id },
            data: { after: { email: user.email, name: user.name, role: user.role, status: user.status } },
          });
          return user;
        };
        const key = options.idempotencyKey;
        if (key === undefined) return { user: await create(), replayed: false };
        const once = await runOnce(
          repos,
          { key, operation: "user.create", input, context, now: clock.now() },
          userCodec,
          create,
        );
        return { user: once.value, replayed: once.replayed };
      },
      { signal: context.signal },
    );
  };
}

/** A stored User: JSON turned its dates into ISO strings, which this turns back. */
const storedUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  status: z.enum(USER_STATUSES),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  version: z.number(),
  deletedAt: z.coerce.date().nullable(),
});

const userCodec: ResultCodec<User> = {
  toJson: (user) => user,
  fromJson: (json) => storedUser.parse(json),
};
