import { SESSION_TOUCH_MS, sessionExpiry, userPrincipal, type Principal } from "../domain/auth";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import { hashSecret } from "./secrets";

export interface Credentials {
  /** The session cookie's value. */
  sessionSecret?: string | null;
  /** An API token from `Authorization: Bearer`. */
  bearerToken?: string | null;
}

export type Authenticate = (credentials: Credentials, signal?: AbortSignal) => Promise<Principal | null>;

/**
 * Who is calling, checked against the database on every request: a disabled or deleted user, an ended session,
 * or a revoked or expired token loses access at its next request. Expired sessions are deleted on sight.
 * A bearer token, when present, wins over a cookie.
 */
export function makeAuthenticate({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): Authenticate {
  return (credentials, signal) =>
    unitOfWork.run(
      async ({ users, sessions, tokens, credentials: passwords }) => {
        const now = clock.now();
        if (credentials.bearerToken) {
          const token = await tokens.getBySecretHash(hashSecret(credentials.bearerToken));
          if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
          if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= SESSION_TOUCH_MS) {
            await tokens.touch(token.id, now);
          }
          return { kind: "token", tokenId: token.id, name: token.name, role: token.role };
        }
        if (!credentials.sessionSecret) return null;
        const session = await sessions.get(hashSecret(credentials.sessionSecret));
        if (!session) return null;
        if (sessionExpiry(session) <= now) {
          await sessions.delete(session.id);
          return null;
        }
        const user = await users.getById(session.userId);
        if (!user || user.status !== "ACTIVE") return null;
        if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_MS) await sessions.touch(session.id, now);
        const credential = await passwords.get(user.id);
        return userPrincipal(user, session.id, credential?.mustChangePassword ?? false);
      },
      { signal },
    );
}
