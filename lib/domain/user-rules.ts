/**
 * Rules about who may change whom, beyond the permission table (which only knows the caller's role): they
 * depend on the target user and the change. Use cases call these inside their unit of work.
 */
import type { Principal } from "./auth";
import { ForbiddenError, LastAdminError } from "./errors";
import { principalHas, roleHas } from "./permissions";
import type { User, UserPatch } from "./user";

/** What is done to a user: a patch, a (soft) deletion, or bringing a deleted user back. */
export type UserAction = UserPatch | "delete" | "restore";

/**
 * @throws ForbiddenError when the caller may not make this change: an EDITOR touching an ADMIN, anyone without
 *   users:assign-role changing a role, or anyone without users:grant-admin (never an API token) giving the role
 *   ADMIN, enabling or restoring an ADMIN.
 */
export function assertMayChangeUser(principal: Principal, target: User, change: UserAction): void {
  if (!roleHas(principal.role, "users:write")) throw new ForbiddenError("Your role may not change users");
  if (!mayActOnRole(principal, target.role)) throw new ForbiddenError("Only an ADMIN may change, disable or delete an ADMIN");
  if (grantsAdmin(target, change) && !principalHas(principal, "users:grant-admin")) {
    // Issue 18: a leaked ADMIN token must not leave behind an admin who outlives it.
    throw new ForbiddenError("Only an ADMIN signed in, not an API token, may make someone ADMIN or bring an ADMIN back");
  }
  if (change === "delete" || change === "restore") return;
  if (target.status === "INVITED" && change.status === "ACTIVE") {
    // They become ACTIVE by accepting their invitation, which is also where they choose a password.
    throw new ForbiddenError("An invited user becomes active by accepting their invitation");
  }
  if (change.role !== undefined && change.role !== target.role) {
    if (!roleHas(principal.role, "users:assign-role")) throw new ForbiddenError("Only an ADMIN may change roles");
  }
}

/**
 * @throws ForbiddenError unless the caller may create a user with `role`: users:write for a VIEWER,
 *   users:assign-role (ADMIN) for any other role, as for changing one, and users:grant-admin (never an API token)
 *   for an ADMIN.
 */
export function assertMayCreateUser(principal: Principal, role: User["role"]): void {
  if (!roleHas(principal.role, "users:write")) throw new ForbiddenError("Your role may not create users");
  if (role !== "VIEWER" && !roleHas(principal.role, "users:assign-role")) {
    throw new ForbiddenError(`Only an ADMIN may create a user with the role ${role}`);
  }
  if (role === "ADMIN" && !principalHas(principal, "users:grant-admin")) {
    throw new ForbiddenError("Only an ADMIN signed in, not an API token, may create an ADMIN");
  }
}

/**
 * Whether the change gives someone the ADMIN role or brings an ADMIN back: the role set to ADMIN, an ADMIN
 * enabled, or a deleted ADMIN restored. What users:grant-admin is needed for.
 */
export function grantsAdmin(target: User, change: UserAction): boolean {
  if (change === "delete") return false;
  if (change === "restore") return target.role === "ADMIN";
  if (change.role === "ADMIN" && target.role !== "ADMIN") return true;
  return (change.role ?? target.role) === "ADMIN" && change.status === "ACTIVE" && target.status !== "ACTIVE";
}

/** Whether the caller may act on a user of `targetRole` at all (the UI hides what the API would refuse). */
export function mayActOnRole(principal: Pick<Principal, "role">, targetRole: User["role"]): boolean {
  return roleHas(principal.role, "users:write") && (targetRole !== "ADMIN" || principal.role === "ADMIN");
}

/** An active admin stops being one when demoted, disabled or deleted. */
export function endsActiveAdmin(target: User, change: UserAction): boolean {
  if (change === "restore") return false;
  if (target.role !== "ADMIN" || target.status !== "ACTIVE" || target.deletedAt !== null) return false;
  if (change === "delete") return true;
  return (change.role !== undefined && change.role !== "ADMIN") || (change.status !== undefined && change.status !== "ACTIVE");
}

/**
 * @param activeAdminIds the active admins, locked by the unit of work (UserRepository.lockActiveAdmins).
 * @throws LastAdminError when the change would leave no active admin.
 */
export function assertAdminRemains(target: User, change: UserAction, activeAdminIds: readonly string[]): void {
  if (endsActiveAdmin(target, change) && activeAdminIds.every((id) => id === target.id)) throw new LastAdminError();
}

/**
 * Whether `user` may hold API tokens: an active, undeleted user whose role manages tokens (an ADMIN). Here, not in
 * ./auth.ts: that module's constants (the password lengths) reach the browser, and the permission table need not.
 */
export function mayHoldTokens(user: Pick<User, "role" | "status" | "deletedAt">): boolean {
  return roleHas(user.role, "tokens:manage") && user.status === "ACTIVE" && user.deletedAt === null;
}
