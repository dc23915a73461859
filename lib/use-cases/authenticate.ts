import { SESSION_TOUCH_MS, sessionExpiry, userPrincipal, type Principal } from "../domain/auth";
import type { Clock } from "../ports/clock";
import type { CredentialCache, VerifiedCredential } from "../ports/credential-cache";
import type { Logger } from "../ports/logger";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import { hashSecret } from "./secrets";

export interface Credentials {
  /** The session cookie's value. */
  sessionSecret?: string | null;
  /** An API token from `Authorization: Bearer`. */
  bearerToken?: string | null;
}

export type Authenticate = (
  credentials: Credentials,
  signal?: AbortSignal,
  /**
   * `recordUse: false` for a re-check of a caller already in a request (an event stream, issue 18): it touches
   * neither `last_seen_at` nor `last_used_at`, so it does not keep an idle session alive. Default true.
   */
  options?: { recordUse?: boolean },
) => Promise<Principal | null>;

/**
 * Who is calling. A bearer token, when present, wins over a cookie.
 *
 * Verified credentials are kept in `cache` (issue 16), so a request costs no database round trip: a disabled or
 * deleted user, an ended session or a revoked token is dropped from it when that change commits, on every replica
 * (lib/adapters/credential-changes), and at the latest when its time to live ends. Expiry is checked on every
 * request, cached or not: a token past its `expiresAt` and a session past its idle or absolute limit are refused
 * at once. A cached session that looks expired is looked up again (another replica may have seen it since), and
 * an expired one is deleted on sight, as before.
 *
 * `last_used_at` and `last_seen_at` are written at most once a minute per token or session, off the request path.
 */
export function makeAuthenticate({
  unitOfWork,
  clock,
  cache,
  log,
}: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  cache: CredentialCache;
  log: Logger;
}): Authenticate {
  /** Records use without making the request wait for it; a failed write only costs the record's precision. */
  const touchLater = (what: string, write: (repos: Repositories) => Promise<void>) => {
    unitOfWork.run(write).catch((error: unknown) => log.warn({ err: error }, `recording a ${what}'s last use failed`));
  };

  return async (credentials, signal, options) => {
    const recordUse = options?.recordUse ?? true;
    const now = clock.now();
    // Taken before anything is read, cache or database: whatever this request keeps in the cache is dropped
    // instead if a change was published in between.
    const readSince = cache.generation();
    const verified = async (key: string, load: (repos: Repositories) => Promise<VerifiedCredential>) => {
      const credential = await unitOfWork.run(load, { signal });
      cache.set(key, credential, readSince);
      return credential;
    };

    if (credentials.bearerToken) {
      const hash = hashSecret(credentials.bearerToken);
      const key = `token:${hash}`;
      const credential =
        cache.get(key) ??
        (await verified(key, async ({ tokens }) => {
          const token = await tokens.getBySecretHash(hash);
          return token ? { kind: "token", token } : { kind: "unknown" };
        }));
      if (credential.kind !== "token") return null;
      const { token } = credential;
      if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
      if (recordUse && (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= SESSION_TOUCH_MS)) {
        cache.set(key, { kind: "token", token: { ...token, lastUsedAt: now } }, readSince);
        touchLater("token", ({ tokens }) => tokens.touch(token.id, now));
      }
      return { kind: "token", tokenId: token.id, name: token.name, role: token.role };
    }

    if (!credentials.sessionSecret) return null;
    const hash = hashSecret(credentials.sessionSecret);
    const key = `session:${hash}`;
    const cached = cache.get(key);
    if (cached?.kind === "unknown") return null;
    const credential =
      cached?.kind === "session" && sessionExpiry(cached.session) > now
        ? cached
        : await verified(key, async ({ users, sessions, credentials: passwords }) => {
            const session = await sessions.get(hash);
            if (!session) return { kind: "unknown" };
            if (sessionExpiry(session) <= now) {
              await sessions.delete(session.id);
              return { kind: "unknown" };
            }
            const user = await users.getById(session.userId);
            // A deleted user's session: refused as unknown until restored (for at most the unknown entry's
            // short time to live after the restore). A disabled user's is kept with the user, and refused below.
            if (!user) return { kind: "unknown" };
            const credential = await passwords.get(user.id);
            return { kind: "session", session, user, mustChangePassword: credential?.mustChangePassword ?? false };
          });
    if (credential.kind !== "session" || credential.user.status !== "ACTIVE") return null;
    const { session, user } = credential;
    if (recordUse && now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_MS) {
      cache.set(key, { ...credential, session: { ...session, lastSeenAt: now } }, readSince);
      touchLater("session", ({ sessions }) => sessions.touch(session.id, now));
    }
    return userPrincipal(user, session.id, credential.mustChangePassword);
  };
}
