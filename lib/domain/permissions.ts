/**
 * Who may do what: the one table every route, page and use case consults. docs/roles.md is generated from it
 * (`npm run docs:roles`). test/authz/api-matrix.test.ts (every REST route) and
 * test/authz/page-matrix.process.test.ts (every page, through the real server) fail on anything missing from
 * {@link ROUTES}, then check each against every role and no session.
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

const api = (method: RouteAccess["method"], path: string, access: Access, tokens = true): RouteAccess => ({
  method,
  path: `/api/v1${path}`,
  access,
  tokens,
});
const page = (path: string, access: Access): RouteAccess => ({ method: "PAGE", path, access, tokens: false });

/** Every route handler and page of the app. */
export const ROUTES: readonly RouteAccess[] = [
  api("GET", "/session", "self"),
  api("POST", "/session", "public", false),
  api("DELETE", "/session", "self", false),
  api("PUT", "/session/password", "self", false),
  api("GET", "/session/sessions", "self", false),
  // What the console shows its user (read-only banner, table density); a script may ask too.
  api("GET", "/session/flags", "self"),
  api("DELETE", "/session/sessions/[id]", "self", false),
  // The live console's stream: anyone signed in, each hearing only of what they may read (use-cases/live-changes.ts).
  api("GET", "/events", "self"),
  api("GET", "/users", "users:read"),
  api("POST", "/users", "users:write"),
  // Per user, the same rules as one at a time (user-rules.ts); set-role needs users:assign-role: use-cases/bulk-update-users.ts.
  api("POST", "/users/bulk", "users:write"),
  // The CSV export is the listing in another form: the same permission (includeDeleted still needs its own).
  api("GET", "/users/export.csv", "users:read"),
  // Counts, not people: what the listing's totals already tell anyone who may list users.
  api("GET", "/users/stats", "users:read"),
  api("GET", "/users/[id]", "users:read"),
  // Parts beyond the user need their own permissions (audit:read, sessions:read): use-cases/get-user-overview.ts.
  api("GET", "/users/[id]/overview", "users:read"),
  api("PATCH", "/users/[id]", "users:write"),
  api("DELETE", "/users/[id]", "users:write"),
  api("POST", "/users/[id]/restore", "users:write"),
  // From a browser session only: a leaked token must not lift the throttle on an account it is guessing at.
  api("DELETE", "/users/[id]/sign-in-failures", "users:clear-sign-in-failures", false),
  api("GET", "/users/[id]/flags", "flags:read"),
  api("GET", "/flags", "flags:read"),
  api("GET", "/flags/[key]", "flags:read"),
  api("PATCH", "/flags/[key]", "flags:write"),
  api("GET", "/flags/[key]/history", "flags:read"),
  api("POST", "/flags/[key]/revert", "flags:write"),
  api("GET", "/imports", "users:import"),
  api("POST", "/imports", "users:import"),
  api("GET", "/imports/[id]", "users:import"),
  api("GET", "/imports/[id]/events", "users:import"),
  api("GET", "/imports/[id]/errors.csv", "users:import"),
  // Never with a token (issue 18): the link it returns makes a person who can sign in, who outlives the token.
  api("POST", "/invitations", "invitations:create", false),
  api("POST", "/invitations/accept", "public", false),
  // Tokens are managed from a browser session only: a leaked token must not mint itself a successor.
  api("GET", "/tokens", "tokens:manage", false),
  api("POST", "/tokens", "tokens:manage", false),
  api("DELETE", "/tokens/[id]", "tokens:manage", false),
  api("GET", "/audit-events", "audit:read"),
  // Webhooks are managed from a browser session only (issue 20): see webhooks:manage.
  api("GET", "/webhooks", "webhooks:manage", false),
  api("POST", "/webhooks", "webhooks:manage", false),
  api("GET", "/webhooks/[id]", "webhooks:manage", false),
  api("PATCH", "/webhooks/[id]", "webhooks:manage", false),
  api("DELETE", "/webhooks/[id]", "webhooks:manage", false),
  api("POST", "/webhooks/[id]/rotate-secret", "webhooks:manage", false),
  api("GET", "/webhooks/[id]/deliveries", "webhooks:manage", false),
  api("POST", "/webhooks/[id]/deliveries/[deliveryId]/resend", "webhooks:manage", false),
  api("GET", "/service/traffic", "service:read"),
  { method: "GET", path: "/api/openapi.json", access: "public", tokens: true },
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

export function routeAccess(method: RouteAccess["method"], path: string): RouteAccess {
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route) throw new Error(`${method} ${path} is missing from ROUTES in lib/domain/permissions.ts`);
  return route;
}
