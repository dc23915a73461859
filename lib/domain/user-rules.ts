/**
 * Rules about who may change whom, beyond the permission table (which only knows the caller's role): they
 * depend on the target user and the change. Use cases call these inside their unit of work.
 */
import type { Principal } from "./auth";
import { ForbiddenError, LastAdminError } from "./errors";
import { roleHas } from "./permissions";
import type { User, UserPatch } from "./user";

/**
 * @throws ForbiddenError when the caller may not make this change: an EDITOR touching an ADMIN, or anyone
 *   without users:assign-role changing a role.
 */
export function assertMayChangeUser(principal: Principal, target: User, change: UserPatch | "delete"): void {
  if (!roleHas(principal.role, "users:write")) throw new ForbiddenError("Your role may not change users");
  if (!mayActOnRole(principal, target.role)) throw new ForbiddenError("Only an ADMIN may change, disable or delete an ADMIN");
  if (change !== "delete" && target.status === "INVITED" && change.status === "ACTIVE") {
    // They become ACTIVE by accepting their invitation, which is also where they choose a password.
    throw new ForbiddenError("An invited user becomes active by accepting their invitation");
  }
  if (change !== "delete" && change.role !== undefined && change.role !== target.role) {
    if (!roleHas(principal.role, "users:assign-role")) throw new ForbiddenError("Only an ADMIN may change roles");
  }
}

/**
 * @throws ForbiddenError unless the caller may create a user with `role`: users:write for a VIEWER, and
 *   users:assign-role (ADMIN) for any other role, as for changing one.
 */
export function assertMayCreateUser(principal: Principal, role: User["role"]): void {
  if (!roleHas(principal.role, "users:write")) throw new ForbiddenError("Your role may not create users");
  if (role !== "VIEWER" && !roleHas(principal.role, "users:assign-role")) {
    throw new ForbiddenError(`Only an ADMIN may create a user with the role ${role}`);
  }
}

/** Whether the caller may act on a user of `targetRole` at all (the UI hides what the API would refuse). */
export function mayActOnRole(principal: Pick<Principal, "role">, targetRole: User["role"]): boolean {
  return roleHas(principal.role, "users:write") && (targetRole !== "ADMIN" || principal.role === "ADMIN");
}

/** An active admin stops being one when demoted, disabled or deleted. */
export function endsActiveAdmin(target: User, change: UserPatch | "delete"): boolean {
  if (target.role !== "ADMIN" || target.status !== "ACTIVE" || target.deletedAt !== null) return false;
  if (change === "delete") return true;
  return (change.role !== undefined && change.role !== "ADMIN") || (change.status !== undefined && change.status !== "ACTIVE");
}

/**
 * @param activeAdminIds the active admins, locked by the unit of work (UserRepository.lockActiveAdmins).
 * @throws LastAdminError when the change would leave no active admin.
 */
export function assertAdminRemains(target: User, change: UserPatch | "delete", activeAdminIds: readonly string[]): void {
  if (endsActiveAdmin(target, change) && activeAdminIds.every((id) => id === target.id)) throw new LastAdminError();
}
