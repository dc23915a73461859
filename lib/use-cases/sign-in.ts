import { KNOWN_DEVICE_TTL_MS, ONE_TIME_PASSWORD_TTL_MS, userPrincipal, type UserPrincipal } from "../domain/auth";
import { InvalidCredentialsError, OneTimePasswordExpiredError, TooManyAttemptsError } from "../domain/errors";
import { normalizeEmail } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { claimAttempt, firstRefusalInWindow, retryAfterSeconds, type ThrottleKey } from "./attempts";
import { auditFrom, type AnonymousContext } from "./call-context";
import { hashSecret, newSecret } from "./secrets";
import type { SignInGate } from "./sign-in-gate";

export interface SignInInput {
  email: string;
  password: string;
  /** The session cookie sent with the request, if any: it is ended (session rotation). */
  previousSessionSecret?: string | null;
  /** The device cookie sent with the request, if any: a browser that signed in to this account before. */
  deviceSecret?: string | null;
}

export type SignIn = (
  input: SignInInput,
  context: AnonymousContext,
) => Promise<{ principal: UserPrincipal; sessionSecret: string; deviceSecret: string }>;

/**
 * Email + password sign-in. Unknown emails, wrong passwords and accounts that may not sign in (disabled,
 * invited, deleted) are one error, and an unknown email still costs one argon2 verification (against a dummy
 * hash), so neither the answer nor its timing tells whether an account exists.
 *
 * Throttling (issue 18, use-cases/attempts.ts) must slow an attacker without locking the owner out:
 * - per client address, 5 failures in 15 minutes, then 429 (spraying many accounts);
 * - per account, a growing delay after the latest failure, never a lock: the right password from a new browser
 *   signs in once the delay has passed;
 * - a browser holding the account's device cookie (set by an earlier successful sign-in) skips the account's
 *   delay, and has a 5-in-15-minutes budget of its own instead: a guessing stranger cannot keep the owner out.
 * Keys refused a moment ago are refused from memory first, and each address has a budget of attempts per minute
 * (sign-in-gate.ts); a refusal is audited once per key and window: a flood costs no database work and writes no
 * audit rows.
 */
export function makeSignIn({
  unitOfWork,
  hasher,
  clock,
  dummyHash,
  gate,
  onThrottled = () => undefined,
}: {
  unitOfWork: UnitOfWork;
  hasher: PasswordHasher;
  clock: Clock;
  /** A hash of a random password, made once at start-up with the same parameters as real ones. */
  dummyHash: Promise<string>;
  gate: SignInGate;
  /** Told of each refusal, and whether memory or the database refused it (the metrics count them). */
  onThrottled?: (stage: "memory" | "database") => void;
}): SignIn {
  return async (input, context) => {
    const email = normalizeEmail(input.email);
    const accountKey = `account:${email}`;
    const addressKey = context.ip ? `ip:${context.ip}` : null;
    const deviceId = input.deviceSecret ? hashSecret(input.deviceSecret) : null;
    const signal = context.signal;

    // Before any database work. A request carrying a device cookie is judged by the device's key here, not the
    // account's: whether the cookie is this account's is for the database to say.
    const deviceKey = deviceId ? `device:${deviceId}` : null;
    const remembered =
      gate.refusal([...(addressKey ? [addressKey] : []), deviceKey ?? accountKey]) || (addressKey ? gate.admit(addressKey) : 0);
    if (remembered > 0) {
      onThrottled("memory");
      throw new TooManyAttemptsError(retryAfterSeconds(remembered));
    }

    const anonymous = { type: "anonymous" as const, id: null, label: email };
    const found = await unitOfWork.run(
      async ({ users, credentials, signInFailures, devices, audit }) => {
        const user = await users.getByEmail(email);
        const device = deviceId && user ? await devices.get(deviceId) : null;
        const knownDevice =
          device !== null &&
          device.userId === user?.id &&
          clock.now().getTime() - device.lastUsedAt.getTime() < KNOWN_DEVICE_TTL_MS;
        const keys: ThrottleKey[] = [
          knownDevice && deviceKey ? { key: deviceKey, rule: "window" } : { key: accountKey, rule: "growing-delay" },
          ...(addressKey ? [{ key: addressKey, rule: "window" } as const] : []),
        ];
        const claim = await claimAttempt(signInFailures, keys, clock);
        if (!claim.admitted) {
          if (await firstRefusalInWindow(signInFailures, claim.key, clock)) {
            await audit.append({
              action: "session.sign_in_throttled",
              ...auditFrom(context, anonymous),
              target: { type: "user", id: null },
              data: {
                ip: context.ip,
                throttledBy: claim.key.slice(0, claim.key.indexOf(":")),
                retryAfterSeconds: retryAfterSeconds(claim.retryAfterMs),
                note: "further refusals on this key in the next 15 minutes are not recorded",
              },
            });
          }
          return { refused: claim } as const;
        }
        const credential = user ? await credentials.get(user.id) : null;
        return { refused: null, user, credential, records: claim.records, knownDevice };
      },
      { signal },
    );
    if (found.refused) {
      gate.remember(found.refused.key, found.refused.retryAfterMs);
      onThrottled("database");
      throw new TooManyAttemptsError(retryAfterSeconds(found.refused.retryAfterMs));
    }

    // Outside any transaction: argon2 takes tens of milliseconds of CPU on purpose.
    const passwordOk = await hasher.verify(found.credential?.passwordHash ?? (await dummyHash), input.password);
    const { user, credential, records, knownDevice } = found;

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

    // A known device keeps its cookie (renewed); any other browser gets one for this account now.
    const deviceSecret = knownDevice && input.deviceSecret ? input.deviceSecret : newSecret();
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
      async ({ sessions, signInFailures, devices, audit }) => {
        if (input.previousSessionSecret) await sessions.delete(hashSecret(input.previousSessionSecret));
        await signInFailures.remove(records);
        // The account's other failures stay until they age out (or an ADMIN clears them): clearing them here
        // would hand an attacker who is guessing a fresh set of free attempts each time the owner signs in.
        if (knownDevice && deviceKey) await signInFailures.clear(deviceKey);
        await devices.save({ id: hashSecret(deviceSecret), userId: user.id, at: now });
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
          data: { ip: context.ip, knownDevice },
        });
        return created;
      },
      { signal },
    );
    return { sessionSecret, deviceSecret, principal: userPrincipal(user, session.id, credential.mustChangePassword) };
  };
}
