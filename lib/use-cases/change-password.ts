import { ForbiddenError, TooManyAttemptsError, WrongPasswordError } from "../domain/errors";
import type { Clock } from "../ports/clock";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { claimAttempt, retryAfterSeconds } from "./attempts";
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
    // Guesses at the current password are throttled like sign-in failures: a stolen session cookie must not
    // become an unlimited password oracle. Under a key of their own, not the account's: strangers failing to
    // sign in to the account must not keep its owner from changing the password (issue 18).
    const claim = await unitOfWork.run(
      async ({ credentials, signInFailures }) => ({
        attempt: await claimAttempt(signInFailures, [{ key: `password:${principal.userId}`, rule: "window" }], clock),
        current: await credentials.get(principal.userId),
      }),
      { signal },
    );
    if (!claim.attempt.admitted) throw new TooManyAttemptsError(retryAfterSeconds(claim.attempt.retryAfterMs));
    const { current } = claim;
    const attempt = claim.attempt.records;
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
