import { ForbiddenError, WrongPasswordError } from "../domain/errors";
import type { Clock } from "../ports/clock";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { claimAttempt } from "./attempts";
import { auditBy, type CallContext } from "./call-context";

export type ChangePassword = (input: { currentPassword: string; newPassword: string }, context: CallContext) => Promise<void>;

/**
 * The caller changes their own password; the current one is required. Their other sessions end (whoever else
 * might have been signed in with the old password is out); this one stays.
 */
export function makeChangePassword({
  unitOfWork,
  hasher,
  clock,
}: {
  unitOfWork: UnitOfWork;
  hasher: PasswordHasher;
  clock: Clock;
}): ChangePassword {
  return async (input, context) => {
    const { principal } = context;
    if (principal.kind !== "user") throw new ForbiddenError("An API token has no password");
    const signal = context.signal;
    // Guesses at the current password count against the account like sign-in failures: a stolen session
    // cookie must not become an unlimited password oracle.
    const { current, attempt } = await unitOfWork.run(
      async ({ credentials, signInFailures }) => ({
        attempt: await claimAttempt(signInFailures, [`account:${principal.email}`], clock),
        current: await credentials.get(principal.userId),
      }),
      { signal },
    );
    if (!current || !(await hasher.verify(current.passwordHash, input.currentPassword))) {
      await unitOfWork.run(
        ({ audit }) =>
          audit.append({ action: "user.password_change_failed", ...auditBy(context), target: { type: "user", id: principal.userId } }),
        { signal },
      );
      throw new WrongPasswordError();
    }
    const passwordHash = await hasher.hash(input.newPassword);
    await unitOfWork.run(
      async ({ credentials, sessions, signInFailures, audit }) => {
        await signInFailures.remove(attempt);
        await credentials.set(principal.userId, { passwordHash, mustChangePassword: false, setAt: clock.now() });
        const ended = await sessions.deleteForUser(principal.userId, { exceptId: principal.sessionId });
        await audit.append({
          action: "user.password_changed",
          ...auditBy(context),
          target: { type: "user", id: principal.userId },
          data: { endedSessions: ended },
        });
      },
      { signal },
    );
  };
}
