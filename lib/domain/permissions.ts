/**
 * Who may do what: the permissions every route, page and use case consults, and the pages' access (the REST
 * routes name theirs in their `route({...})`). docs/roles.md is generated from them (`npm run docs:roles`).
 * test/authz/api-matrix.test.ts (every REST route) and test/authz/page-matrix.process.test.ts (every page,
 * through the real server) check each against every role and no session.
 */
import type { Principal } from "./auth";
import type { Role } from "./user";

export interface PermissionSpec {
  readonly roles: readonly Role[];
  readonly summary: string;
  /**
   * False for what an API token never holds, whatever its role: what would let a leaked token leave behind access
   * that outlives it (issue 18). A token is a secret that travels (CI variables, scripts, logs); a person is not.
   */
  readonly tokens?: false;
}

export const PERMISSIONS = {
  "users:read": { roles: ["ADMIN", "EDITOR", "VIEWER"], summary: "List and view users" },
  "users:read-deleted": { roles: ["ADMIN"], summary: "List deleted users too (includeDeleted)" },
  "users:write": {
    roles: ["ADMIN", "EDITOR"],
    summary:
      "Create users, change names and status, delete and restore users (EDITOR: only users who are not ADMIN, and creates only VIEWERs)",
  },
  "users:assign-role": { roles: ["ADMIN"], summary: "Change a user's role" },
  "users:clear-sign-in-failures": {
    roles: ["ADMIN"],
    summary: "Clear an account's failed sign-ins, lifting the delay they put on signing in to it from a new browser",
  },
  "users:grant-admin": {
    roles: ["ADMIN"],
    tokens: false,
    summary:
      "Give the role ADMIN (create, invite or import an ADMIN, set a role to ADMIN) or bring an ADMIN back (enable, restore)",
  },
  "invitations:create": {
    roles: ["ADMIN"],
    tokens: false,
    summary:
      "Invite people to become users (the link makes a person who can sign in: it would outlive a token)",
  },
  // From a browser session only: a leaked token must not mint itself a successor.
  "tokens:manage": { roles: ["ADMIN"], tokens: false, summary: "Create, list and revoke API tokens" },
  "audit:read": { roles: ["ADMIN"], summary: "Read the audit log" },
  "users:import": {
    roles: ["ADMIN", "EDITOR"],
    summary: "Import users from CSV files and follow the imports (EDITOR: rows creating VIEWERs only, as creating one)",
  },
  "service:read": {
    roles: ["ADMIN"],
    summary: "See the service's own health on the dashboard: requests per second and error ratio over the last hour",
  },
  "flags:read": {
    roles: ["ADMIN", "EDITOR", "VIEWER"],
    summary: "See the feature flags, their history, and which variation each user gets",
  },
  "flags:write": {
    roles: ["ADMIN"],
    summary: "Change feature flags (on/off, rollouts, targets, rules) and revert them to a past version",
  },
  // From a browser session only: an endpoint receives every user's changes, so one added with a leaked token would
  // be a feed of them that outlives the token.
  "webhooks:manage": {
    roles: ["ADMIN"],
    tokens: false,
    summary: "Add, change and remove webhook endpoints, rotate their secrets, read their delivery logs and resend deliveries",
  },
  "sessions:read": {
    roles: ["ADMIN"],
    summary: "See other users' sessions (client address, browser, last activity) in their overview",
  },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * What a route asks of its caller: a permission, any signed-in user (`self`: own password and sessions), or
 * nothing (`public`: signing in, accepting an invitation, health probes).
 */
export type Access = Permission | "self" | "public";

/** Whether the role grants `permission` (for a person; an API token may hold less: {@link principalHas}). */
export function roleHas(role: Role, permission: Permission): boolean {
  const roles: readonly Role[] = PERMISSIONS[permission].roles;
  return roles.includes(role);
}

/** Whether API tokens may hold `permission` at all (when their role has it). */
export function tokensMayHold(permission: Permission): boolean {
  const spec: PermissionSpec = PERMISSIONS[permission];
  return spec.tokens !== false;
}

/** Whether this caller holds `permission`: their role has it and, for an API token, tokens may hold it. */
export function principalHas(principal: Pick<Principal, "kind" | "role">, permission: Permission): boolean {
  return roleHas(principal.role, permission) && (principal.kind !== "token" || tokensMayHold(permission));
}

export interface RouteAccess {
  /** Path template as the app's file tree spells it, e.g. `/api/v1/users/[id]`. */
  readonly path: string;
  /** HTTP method, or `PAGE` for a server-rendered page (served for GET). */
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "PAGE";
  readonly access: Access;
  /** Bearer tokens are refused where false: pages and the browser session's own endpoints. */
  readonly tokens: boolean;
}

const page = (path: string, access: Access): RouteAccess => ({ method: "PAGE", path, access, tokens: false });

/**
 * Every page of the app, and who may see it. The REST routes carry their access on their own definitions
 * (lib/http/route.ts); lib/http/api-routes.ts joins both into the one table (`ROUTES`) that the authorization
 * tests and docs/roles.md are built from.
 */
export const PAGES: readonly RouteAccess[] = [
  page("/", "public"),
  page("/sign-in", "public"),
  page("/invitations/[token]", "public"),
  page("/docs", "public"),
  // Everyone sees the users' numbers; the service's health inside it needs service:read.
  page("/dashboard", "users:read"),
  page("/users", "users:read"),
  // The user and each flag's variation for them (issue 9); issue 7 grows it.
  page("/users/[id]", "users:read"),
  page("/flags", "flags:read"),
  page("/flags/[key]", "flags:read"),
  page("/imports", "users:import"),
  page("/audit", "audit:read"),
  page("/tokens", "tokens:manage"),
  page("/webhooks", "webhooks:manage"),
  page("/settings", "self"),
];

export function pageAccess(path: string): RouteAccess {
  const page = PAGES.find((candidate) => candidate.path === path);
  if (!page) throw new Error(`${path} is missing from PAGES in lib/domain/permissions.ts`);
  return page;
}
