import { ONE_TIME_PASSWORD_TTL_MS, SYSTEM_ACTOR } from "../domain/auth";
import { NamedError } from "../domain/errors";
import { normalizeEmail } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { newSecret } from "./secrets";

export type BootstrapAdmin = () => Promise<{
  email: string;
  password: string;
  generated: boolean;
  /** True when the admin existed and only its expired one-time password was replaced. */
  reissued: boolean;
} | null>;

/**
 * A database with no users where no password may be generated (PostgreSQL: its start-up output is a container's
 * log stream, issue 18 item 10) and BOOTSTRAP_ADMIN_PASSWORD is unset. The process entry prints the message as
 * one line and exits, as for a bad variable.
 */
export class BootstrapPasswordRequiredError extends NamedError {
  constructor(email: string) {
    super(
      `The database has no users yet, and on PostgreSQL no password is generated (it would land in the log): ` +
        `set BOOTSTRAP_ADMIN_PASSWORD (12+ characters; in Kubernetes the key BOOTSTRAP_ADMIN_PASSWORD of the ` +
        `Secret user-console) and start again. ${email} then signs in with it and must change it at once.`,
      { name: "BootstrapPasswordRequiredError" },
    );
  }
}

/**
 * On a database with no users at all, creates the first ADMIN so that someone can sign in. Its password is
 * the operator's (`BOOTSTRAP_ADMIN_PASSWORD`) or, where `mayGenerate` (the embedded database: a developer's
 * terminal), a random one-time password returned here to be printed once; either way it must be changed at first
 * sign-in, within 24 hours (ONE_TIME_PASSWORD_TTL_MS); past that, the next start issues a new one the same way.
 * There is no default password in the code.
 * Concurrent starts on one database (replicas rolled out together): one creates the admin, the others find it
 * and return null, through `users.createIfEmpty`, which serialises them. Not by catching the unique violation on
 * the email and reading again: that only covers starts with the same BOOTSTRAP_ADMIN_EMAIL (replicas in the
 * middle of a change of it would each create an admin of their own), and "no users yet" is the rule here, not
 * "no user with this email".
 *
 * @throws BootstrapPasswordRequiredError when the database is empty, no password was given and none may be made.
 */
export function makeBootstrapAdmin({
  unitOfWork,
  hasher,
  clock,
  email,
  password,
  mayGenerate,
}: {
  unitOfWork: UnitOfWork;
  hasher: PasswordHasher;
  clock: Clock;
  email: string;
  password?: string;
  mayGenerate: boolean;
}): BootstrapAdmin {
  return async () => {
    const now = clock.now();
    const found = await unitOfWork.run(async ({ users, credentials }) => {
      if (await users.isEmpty()) return { kind: "empty" as const };
      // The first admin who never changed a one-time password that has since expired (ONE_TIME_PASSWORD_TTL_MS)
      // could never sign in again: a restart gives them a new one, the only way back (issue 18, item 10).
      const admin = await users.getByEmail(normalizeEmail(email));
      const credential = admin ? await credentials.get(admin.id) : null;
      const expired = credential?.mustChangePassword && now.getTime() - credential.setAt.getTime() >= ONE_TIME_PASSWORD_TTL_MS;
      return admin && expired ? { kind: "expired" as const, id: admin.id } : { kind: "in use" as const };
    });
    if (found.kind === "in use") return null;
    const generated = password === undefined;
    if (generated && !mayGenerate) {
      if (found.kind === "empty") throw new BootstrapPasswordRequiredError(email);
      return null; // expired on PostgreSQL: it stays so until BOOTSTRAP_ADMIN_PASSWORD is given
    }
    const oneTimePassword = password ?? newSecret().slice(0, 24);
    const passwordHash = await hasher.hash(oneTimePassword);
    const credential = { passwordHash, mustChangePassword: true, setAt: now };
    if (found.kind === "expired") {
      await unitOfWork.run(async ({ credentials, audit }) => {
        await credentials.set(found.id, credential);
        await audit.append({
          action: "user.one_time_password_reissued",
          actor: SYSTEM_ACTOR,
          target: { type: "user", id: found.id },
          data: {},
        });
      });
      return { email: normalizeEmail(email), password: oneTimePassword, generated, reissued: true };
    }
    const created = await unitOfWork.run(async ({ users, credentials, audit }) => {
      // The first read above saw no users, but another replica may have been starting too.
      const user = await users.createIfEmpty({ email, name: "Administrator", role: "ADMIN", status: "ACTIVE" });
      if (!user) return null;
      await credentials.set(user.id, credential);
      await audit.append({
        action: "user.bootstrapped",
        actor: SYSTEM_ACTOR,
        target: { type: "user", id: user.id },
        data: { after: { email: user.email, role: user.role, status: user.status } },
      });
      return user;
    });
    return created ? { email: created.email, password: oneTimePassword, generated, reissued: false } : null;
  };
}
