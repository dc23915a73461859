import type { CredentialChange, CredentialChanges } from "../../ports/credential-cache";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";

/**
 * Decorates a unit of work so that every change to who may call, made through any use case, reaches every
 * replica's credential cache (issue 16): a revoked token, an ended session, and anything about a user that a
 * session's principal carries (role, status, name, email, deletion, password). Recorded here, where the writes
 * happen, rather than in each use case: a use case added later cannot forget it.
 *
 * The other replicas are told inside the transaction (`repos.credentialChanges.announce`, a NOTIFY that the
 * database sends when, and only if, the unit commits); this process forgets once the unit has settled, committed
 * or not (a unit that failed may still have committed: a deadline while the commit was in flight). It must wrap
 * the adapter's unit of work directly, inside the deadline: only the adapter's `run` settles after the commit or
 * rollback, where the deadline's answers the caller at once (composition-root.ts).
 */
export function withCredentialChanges(inner: UnitOfWork, changes: CredentialChanges): UnitOfWork {
  return {
    read: (work, options) => inner.read(work, options),
    async run(work, options) {
      const recorded: CredentialChange[] = [];
      try {
        return await inner.run(async (repos) => {
          const result = await work(recording(repos, recorded));
          await repos.credentialChanges.announce(recorded);
          return result;
        }, options);
      } finally {
        changes.forget(recorded);
      }
    },
  };
}

function recording(repos: Repositories, recorded: CredentialChange[]): Repositories {
  const user = (id: string) => recorded.push({ kind: "user", id });
  const { users, sessions, tokens, credentials } = repos;
  return {
    ...repos,
    users: overriding(users, {
      update: (id, change, options) => users.update(id, change, options).finally(() => user(id)),
      softDelete: (id, options) => users.softDelete(id, options).finally(() => user(id)),
      restore: (id, options) => users.restore(id, options).finally(() => user(id)),
    }),
    sessions: overriding(sessions, {
      delete: (id) => sessions.delete(id).finally(() => recorded.push({ kind: "session", id })),
      deleteForUser: (userId, options) => sessions.deleteForUser(userId, options).finally(() => user(userId)),
    }),
    tokens: overriding(tokens, {
      revoke: (id, at) => tokens.revoke(id, at).finally(() => recorded.push({ kind: "token", id })),
      // Each token it revoked (issue 18: an owner who stops being an active ADMIN). Should it fail, the unit
      // fails and rolls back: nothing was revoked to publish.
      revokeForOwner: async (ownerId, at) => {
        const revoked = await tokens.revokeForOwner(ownerId, at);
        for (const token of revoked) recorded.push({ kind: "token", id: token.id });
        return revoked;
      },
    }),
    credentials: overriding(credentials, {
      set: (userId, credential) => credentials.set(userId, credential).finally(() => user(userId)),
    }),
  };
}

/** `repository` with some methods replaced (repositories are class instances: their methods are not own properties). */
export function overriding<T extends object>(repository: T, overrides: Partial<T>): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return Reflect.get(overrides, property);
      return Reflect.get(target, property, receiver);
    },
  });
}
