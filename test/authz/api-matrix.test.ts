/**
 * Every REST route against every kind of caller, from the route table (lib/http/api-routes.ts: each handler's
 * access, against the permissions of lib/domain/permissions.ts). Fails when a route file exports a method no
 * handler of the table declares, or the table names a route the app/api tree does not export; then checks each route x {each role by session, each role by token, no one, no one with the header
 * that once bypassed Next's middleware} for exactly the refusals the table implies.
 */
import { readFileSync } from "node:fs";

import { beforeAll, describe, expect, it } from "vitest";

import { principalHas, tokensMayHold, type RouteAccess } from "../../lib/domain/permissions";
import { ROLES, type Role } from "../../lib/domain/user";
import { ROUTES } from "../../lib/http/api-routes";
import { renderPermissionsDoc } from "../../lib/http/permissions-doc";
import { createApiHarness, fastTestHasher } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;

const apiRoutes = ROUTES.filter((route) => route.method !== "PAGE");

type Caller =
  | { name: string; kind: "session"; role: Role }
  | { name: string; kind: "token"; role: Role }
  | { name: string; kind: "none"; headers?: Record<string, string> };

const CALLERS: Caller[] = [
  ...ROLES.map((role): Caller => ({ name: `${role} session`, kind: "session", role })),
  ...ROLES.map((role): Caller => ({ name: `${role} token`, kind: "token", role })),
  { name: "no one", kind: "none" },
];
// The x-middleware-subrequest header matters only where Next's pipeline runs: page-matrix.process.test.ts.

/** 401, 403, or "allowed" (anything else: the handler ran and answered on its merits). */
function expected(route: RouteAccess, caller: Caller): 401 | 403 | "allowed" {
  if (route.access === "public") return "allowed";
  if (caller.kind === "none") return 401;
  if (caller.kind === "token" && !route.tokens) return 403;
  if (route.access === "self") return "allowed";
  return principalHas({ kind: caller.kind === "token" ? "token" : "user", role: caller.role }, route.access) ? "allowed" : 403;
}

let harness: Harness;
const tokens: Partial<Record<Role, string>> = {};
let targetId: string;

beforeAll(async () => {
  harness = await createApiHarness({ hasher: fastTestHasher });
  for (const role of ROLES) {
    await harness.createUser({ email: `${role.toLowerCase()}@example.com`, role, password: "correct horse battery" });
  }
  // A user every route may act on without tripping the rules about admins.
  targetId = (await harness.createUser({ email: "target@example.com", role: "VIEWER" })).id;
  const adminCookie = await harness.signIn("admin@example.com", "correct horse battery");
  for (const role of ROLES) {
    const response = await harness.call("POST", "/api/v1/tokens", { cookie: adminCookie, body: { name: role, role } });
    const created: { secret: string } = await response.json();
    tokens[role] = created.secret;
  }
});

describe("the permission table", () => {
  it("lists exactly the routes the app/api tree exports, method by method", () => {
    const inTree = harness.routes.map((route) => `${route.method} ${route.template}`).sort();
    const inTable = apiRoutes.map((route) => `${route.method} ${route.path}`).sort();
    expect(inTree).toEqual(inTable);
  });

  it("refuses tokens on every route whose permission no token holds, in the table itself (issue 18)", () => {
    const open = ROUTES.filter((route) => route.tokens && route.access !== "public" && route.access !== "self" && !tokensMayHold(route.access));
    expect(open.map((route) => `${route.method} ${route.path}`)).toEqual([]);
  });

  it("declares each handler for the method and path where its route file exports it", () => {
    for (const route of harness.routes) {
      expect(route.handler.access, `${route.method} ${route.template}`).toMatchObject({
        method: route.method,
        path: route.template,
      });
    }
  });
});

describe.each(apiRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))("%s", (_, route) => {
  it.each(CALLERS.map((caller) => [caller.name, caller] as const))("as %s", async (_, caller) => {
    const headers: Record<string, string> = caller.kind === "none" ? { ...caller.headers } : {};
    const cookie =
      caller.kind === "session" ? await harness.signIn(`${caller.role.toLowerCase()}@example.com`, "correct horse battery") : undefined;
    const bearer = caller.kind === "token" ? tokens[caller.role] : undefined;
    const url = route.path.replace("[id]", targetId);
    const response = await harness.call(route.method as "GET", url, {
      cookie,
      bearer,
      headers,
      // A body the schema refuses: an allowed caller gets 422 from validation, which runs after authorization.
      body: route.method === "GET" || route.method === "DELETE" ? undefined : {},
    });
    const outcome = expected(route, caller);
    if (outcome === "allowed") {
      // An event stream (GET /api/v1/events) does not end by itself: its headers say enough, and it is let go.
      const streaming = response.headers.get("content-type") === "text/event-stream";
      const detail = streaming ? "(an event stream)" : await response.clone().text();
      if (streaming) await response.body?.cancel();
      expect([401, 403], `${response.status} ${detail}`).not.toContain(response.status);
      expect(response.status).toBeLessThan(500);
    } else {
      expect(response.status).toBe(outcome);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      // Refused by authorization itself, not by something else that happens to share the status.
      expect((await response.json()).code).toBe(outcome === 401 ? "UNAUTHENTICATED" : "FORBIDDEN");
    }
  });
});

describe("docs/roles.md", () => {
  it("is the permission table as it is now (regenerate with npm run docs:roles)", () => {
    expect(readFileSync(new URL("../../docs/roles.md", import.meta.url), "utf8")).toBe(renderPermissionsDoc());
  });
});
