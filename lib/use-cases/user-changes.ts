/**
 * The changes to one user, as steps inside a unit of work that the caller has opened and in which it has read
 * the user: the rules of lib/domain/user-rules.ts, the write, the sessions that must end, and the audit entry.
 * PATCH, DELETE and restore run one step in a unit of their own; a bulk action runs many in one unit, each in a
 * savepoint (bulk-update-users.ts). One copy of each rule, whichever way a user is changed.
 */
import { diff } from "../domain/audit";
import { UserNotFoundError, VersionConflictError } from "../domain/errors";
import type { User, UserPatch } from "../domain/user";
import { assertAdminRemains, assertMayChangeUser, endsActiveAdmin, mayHoldTokens } from "../domain/user-rules";
import type { Repositories } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";

type UserRepos = Pick<Repositories, "users" | "sessions" | "tokens" | "audit">;

/** The fields a caller may change on a user (email is not among them). */
export type UserChange = Pick<UserPatch, "name" | "role" | "status">;

/**
 * Changes `target`'s name, role or status. A user who is no longer ACTIVE loses every session at once. A change
 * that changes nothing writes no audit entry.
 * @param target the user as read in this unit (a deleted one is USER_NOT_FOUND).
 */
export async function applyUserChange(
  { users, sessions, tokens, audit }: UserRepos,
  context: CallContext,
  target: User,
  change: UserChange,
  options: { expectedVersion?: number },
): Promise<User> {
  if (target.deletedAt !== null) throw new UserNotFoundError(target.id);
  assertMayChangeUser(context.principal, target, change);
  if (endsActiveAdmin(target, change)) assertAdminRemains(target, change, await users.lockActiveAdmins());
  const updated = await users.update(target.id, () => change, { ...checked(target, options), current: target });
  const changed = diff(target, updated, ["name", "role", "status"]);
  if (Object.keys(changed.after).length === 0) return updated;
  if (updated.status !== "ACTIVE") await sessions.deleteForUser(target.id);
  await audit.append({ action: "user.updated", ...auditBy(context), target: { type: "user", id: target.id }, data: changed });
  await revokeTokensOfFormerAdmin({ tokens, audit }, context, target, updated, updated.updatedAt);
  return updated;
}

/**
 * Soft-deletes `target` (restorable) and ends their sessions.
 * @param target the user as read in this unit (a deleted one is USER_NOT_FOUND).
 */
export async function applyUserDelete(
  { users, sessions, tokens, audit }: UserRepos,
  context: CallContext,
  target: User,
  options: { expectedVersion?: number },
): Promise<User> {
  if (target.deletedAt !== null) throw new UserNotFoundError(target.id);
  assertMayChangeUser(context.principal, target, "delete");
  assertAdminRemains(target, "delete", target.role === "ADMIN" ? await users.lockActiveAdmins() : []);
  const deleted = await users.softDelete(target.id, { ...checked(target, options), current: target });
  await sessions.deleteForUser(target.id);
  await audit.append({
    action: "user.deleted",
    ...auditBy(context),
    target: { type: "user", id: target.id },
    data: { before: { deletedAt: null }, after: { deletedAt: deleted.deletedAt } },
  });
  await revokeTokensOfFormerAdmin({ tokens, audit }, context, target, deleted, deleted.deletedAt ?? deleted.updatedAt);
  return deleted;
}

/**
 * Brings the soft-deleted `target` back, as they were.
 * @param target the user as read in this unit with `includeDeleted` (a live one is USER_NOT_FOUND).
 */
export async function applyUserRestore({ users, audit }: UserRepos, context: CallContext, target: User): Promise<User> {
  if (target.deletedAt === null) throw new UserNotFoundError(target.id);
  assertMayChangeUser(context.principal, target, "restore");
  const restored = await users.restore(target.id, checked(target, {}));
  await audit.append({
    action: "user.restored",
    ...auditBy(context),
    target: { type: "user", id: target.id },
    data: { before: { deletedAt: target.deletedAt }, after: { deletedAt: null } },
  });
  return restored;
}

/**
 * The write's expected version: the one the rules were checked against, whatever the caller sent (issue 18). With
 * `If-Match: *` (no expected version) the repository would otherwise apply the change to whatever row it reads
 * next: a user promoted, enabled or changed by another unit in between, whom the rules never saw (the last active
 * ADMIN demoted by a change checked while they were an EDITOR). A version that moved on is USER_VERSION_CONFLICT,
 * and the caller reads the user again.
 * @throws VersionConflictError when the caller's expected version is not the one read.
 */
function checked(target: User, options: { expectedVersion?: number }): { expectedVersion: number } {
  if (options.expectedVersion !== undefined && options.expectedVersion !== target.version) {
    throw new VersionConflictError(target.id, options.expectedVersion, target.version);
  }
  return { expectedVersion: target.version };
}

/**
 * A user who may no longer hold API tokens (no longer an active ADMIN: demoted, disabled, deleted) loses the ones
 * they own, each revoked and audited in the same unit (issue 18): a token must not outlive its owner's right to
 * make it. Restoring or promoting them again brings none back.
 */
async function revokeTokensOfFormerAdmin(
  { tokens, audit }: Pick<UserRepos, "tokens" | "audit">,
  context: CallContext,
  before: User,
  after: User,
  at: Date,
): Promise<void> {
  if (!mayHoldTokens(before) || mayHoldTokens(after)) return;
  for (const token of await tokens.revokeForOwner(before.id, at)) {
    await audit.append({
      action: "token.revoked",
      ...auditBy(context),
      target: { type: "token", id: token.id },
      data: { before: { revokedAt: null }, after: { revokedAt: token.revokedAt }, name: token.name, reason: "owner-no-longer-admin" },
    });
  }
}
