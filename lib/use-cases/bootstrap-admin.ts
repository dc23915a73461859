import { SYSTEM_ACTOR } from "../domain/auth";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { newSecret } from "./secrets";

export type BootstrapAdmin = () => Promise<{ email: string; password: string; generated: boolean } | null>;

/**
 * On a database with no users at all, creates the first ADMIN so that someone can sign in. Its password is
 * the operator's (`BOOTSTRAP_ADMIN_PASSWORD`) or, by default, a random one-time password returned here to be
 * printed once; either way it must be changed at first sign-in. There is no default password in the code.
 * Concurrent starts on one database: the email is unique, so the second start fails its unit and retries as
 * "not empty".
 */
export function makeBootstrapAdmin({
  unitOfWork,
  hasher,
  email,
  password,
}: {
  unitOfWork: UnitOfWork;
  hasher: PasswordHasher;
  email: string;
  password?: string;
}): BootstrapAdmin {
  return async () => {
    if (!(await unitOfWork.run(({ users }) => users.isEmpty()))) return null;
    const generated = password === undefined;
    const oneTimePassword = password ?? newSecret().slice(0, 24);
    const passwordHash = await hasher.hash(oneTimePassword);
    const created = await unitOfWork.run(async ({ users, credentials, audit }) => {
      if (!(await users.isEmpty())) return null;
      const user = await users.create({ email, name: "Administrator", role: "ADMIN", status: "ACTIVE" });
      await credentials.set(user.id, { passwordHash, mustChangePassword: true });
      await audit.append({
        action: "user.bootstrapped",
        actor: SYSTEM_ACTOR,
        target: { type: "user", id: user.id },
        data: { after: { email: user.email, role: user.role, status: user.status } },
      });
      return user;
    });
    return created ? { email: created.email, password: oneTimePassword, generated } : null;
  };
}
