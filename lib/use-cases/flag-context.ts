import type { Principal } from "../domain/auth";
import type { User } from "../domain/user";
import type { FlagContext } from "../ports/feature-flags";

/**
 * Who a flag is evaluated for (issue 9). UI and API paths: the caller, a user (key, role, email domain) or an
 * API token (its id and role; it has no email). Per-user paths: the target user, status included.
 */
export function callerFlagContext(principal: Principal): FlagContext {
  return principal.kind === "user"
    ? { key: principal.userId, role: principal.role, emailDomain: domainOf(principal.email) }
    : { key: principal.tokenId, role: principal.role };
}

export function userFlagContext(user: Pick<User, "id" | "role" | "email" | "status">): FlagContext {
  return { key: user.id, role: user.role, emailDomain: domainOf(user.email), status: user.status };
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}
