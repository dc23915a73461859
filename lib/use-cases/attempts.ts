import { SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS } from "../domain/auth";
import { TooManyAttemptsError } from "../domain/errors";
import type { SignInFailureRepository } from "../ports/auth-repositories";
import type { Clock } from "../ports/clock";

/**
 * Admits one password attempt under `keys` (`account:<email>`, `ip:<address>`), or refuses it with
 * TooManyAttemptsError once a key has SIGN_IN_MAX_FAILURES failures in the window. The attempt is counted as a
 * failure before the password is checked, under a lock on the keys, so parallel guesses cannot all slip
 * through one check; the caller removes the returned records when the password turns out right.
 */
export async function claimAttempt(
  failures: SignInFailureRepository,
  keys: readonly string[],
  clock: Clock,
): Promise<string[]> {
  await failures.lock(keys);
  const now = clock.now();
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
  for (const key of keys) {
    const { count, earliest } = await failures.countSince(key, since);
    if (count >= SIGN_IN_MAX_FAILURES && earliest) {
      const retryAfterMs = earliest.getTime() + SIGN_IN_WINDOW_MS - now.getTime();
      throw new TooManyAttemptsError(Math.max(1, Math.ceil(retryAfterMs / 1_000)));
    }
  }
  return failures.record(keys, now);
}
