import type { CredentialChange, CredentialChanges } from "../../ports/credential-cache";
import type { Repositories, UnitOfWork } from "../../ports/unit-of-work";

/**
 * Decorates a unit of work so that every change to who may call, made through any use case, is published once
 * the unit has committed (issue 16): a revoked token, an ended session, and anything about a user that a
 * session's principal carries (role, status, name, email, deletion, password). Recorded here, where the writes
 * happen, rather than in each use case: a use case added later cannot forget to publish.
 *
 * Published whatever the unit's outcome: a unit that failed may still have committed (a deadline that fires while
 * the commit is in flight), and telling the caches to forget what did not change costs them one database read.
 */
export function withCredentialChanges(inner: UnitOfWork, changes: CredentialChanges): UnitOfWork {
  return {
    read: (work, options) => inner.read(work, options),
    async run(work, options) {
      const recorded: CredentialChange[] = [];
      try {
        return await inner.run((repos) => work(recording(repos, recorded)), options);
      } finally {
        changes.publish(recorded);
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
function overriding<T extends object>(repository: T, overrides: Partial<T>): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return Reflect.get(overrides, property);
      return Reflect.get(target, property, receiver);
    },
  });
}
