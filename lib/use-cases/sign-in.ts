import { ONE_TIME_PASSWORD_TTL_MS, userPrincipal, type UserPrincipal } from "../domain/auth";
import { InvalidCredentialsError, OneTimePasswordExpiredError, TooManyAttemptsError } from "../domain/errors";
import { normalizeEmail } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { claimAttempt } from "./attempts";
import { auditFrom, type AnonymousContext } from "./call-context";
import { hashSecret, newSecret } from "./secrets";

export interface SignInInput {
  email: string;
  password: string;
  /** The session cookie sent with the request, if any: it is ended (session rotation). */
  previousSessionSecret?: string | null;
}

export type SignIn = (
  input: SignInInput,
  context: AnonymousContext,
) => Promise<{ principal: UserPrincipal; sessionSecret: string }>;

/**
 * Email + password sign-in. Unknown emails, wrong passwords and accounts that may not sign in (disabled,
 * invited, deleted) are one error, and an unknown email still costs one argon2 verification (against a dummy
 * hash), so neither the answer nor its timing tells whether an account exists. Failures are counted per account
 * and per client address (use-cases/attempts.ts): the sixth within 15 minutes is refused before any password
 * is checked, and refusals are audited too.
 */
export function makeSignIn({
  unitOfWork,
  hasher,
  clock,
  dummyHash,
}: {
  unitOfWork: UnitOfWork;
  hasher: PasswordHasher;
  clock: Clock;
  /** A hash of a random password, made once at start-up with the same parameters as real ones. */
  dummyHash: Promise<string>;
}): SignIn {
  return async (input, context) => {
    const email = normalizeEmail(input.email);
    const keys = [`account:${email}`, ...(context.ip ? [`ip:${context.ip}`] : [])];
    const signal = context.signal;

    const anonymous = { type: "anonymous" as const, id: null, label: email };

    let found;
    try {
      found = await unitOfWork.run(
        async ({ users, credentials, signInFailures }) => {
          const attempt = await claimAttempt(signInFailures, keys, clock);
          const user = await users.getByEmail(email);
          const credential = user ? await credentials.get(user.id) : null;
          return { user, credential, attempt };
        },
        { signal },
      );
    } catch (error) {
      if (error instanceof TooManyAttemptsError) {
        await unitOfWork.run(
          ({ audit }) =>
            audit.append({
              action: "session.sign_in_throttled",
              ...auditFrom(context, anonymous),
              target: { type: "user", id: null },
              data: { ip: context.ip, retryAfterSeconds: error.retryAfterSeconds },
            }),
          { signal },
        );
      }
      throw error;
    }

    // Outside any transaction: argon2 takes tens of milliseconds of CPU on purpose.
    const passwordOk = await hasher.verify(found.credential?.passwordHash ?? (await dummyHash), input.password);
    const { user, credential, attempt } = found;

    if (!passwordOk || !user || !credential || user.status !== "ACTIVE") {
      // The failure is already counted (claimAttempt); what remains is the record of it.
      await unitOfWork.run(
        ({ audit }) =>
          audit.append({
            action: "session.sign_in_failed",
            ...auditFrom(context, anonymous),
            target: { type: "user", id: user?.id ?? null },
            data: { ip: context.ip },
          }),
        { signal },
      );
      throw new InvalidCredentialsError();
    }

    const now = clock.now();
    // Said only to whoever knows the password: the right one, but too old (issue 18, item 10).
    if (credential.mustChangePassword && now.getTime() - credential.setAt.getTime() >= ONE_TIME_PASSWORD_TTL_MS) {
      await unitOfWork.run(
        ({ audit }) =>
          audit.append({
            action: "session.sign_in_failed",
            ...auditFrom(context, anonymous),
            target: { type: "user", id: user.id },
            data: { ip: context.ip, reason: "one-time password expired" },
          }),
        { signal },
      );
      throw new OneTimePasswordExpiredError();
    }

    const sessionSecret = newSecret();
    const session = await unitOfWork.run(
      async ({ sessions, signInFailures, audit }) => {
        if (input.previousSessionSecret) await sessions.delete(hashSecret(input.previousSessionSecret));
        await signInFailures.remove(attempt);
        await signInFailures.clear(`account:${email}`);
        const created = await sessions.create({
          id: hashSecret(sessionSecret),
          userId: user.id,
          createdAt: now,
          lastSeenAt: now,
          userAgent: context.userAgent?.slice(0, 512) ?? null,
          ip: context.ip,
        });
        await audit.append({
          action: "session.signed_in",
          ...auditFrom(context, { type: "user", id: user.id, label: user.email }),
          target: { type: "user", id: user.id },
          data: { ip: context.ip },
        });
        return created;
      },
      { signal },
    );
    return { sessionSecret, principal: userPrincipal(user, session.id, credential.mustChangePassword) };
  };
}
