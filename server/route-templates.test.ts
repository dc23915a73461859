import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { createRouteMatcher, loadRouteTemplates } from "./route-templates";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("route templates for metric labels", () => {
  const routeOf = createRouteMatcher([
    "/",
    "/users",
    "/api/v1/users",
    "/api/v1/users/[id]",
    "/api/v1/users/[id]/overview",
    "/api/v1/users/export.csv",
    "/invitations/[token]",
    "/files/[...path]",
    "/shop/[[...slug]]",
  ]);

  it.each([
    ["/", "/"],
    ["/users", "/users"],
    ["/users/", "/users"],
    ["/api/v1/users/0193a3b2-0000-7000-8000-000000000001", "/api/v1/users/[id]"],
    ["/api/v1/users/anything-at-all", "/api/v1/users/[id]"],
    ["/api/v1/users/0193a3b2/overview", "/api/v1/users/[id]/overview"],
    // A static segment wins over a dynamic one, as in Next's router.
    ["/api/v1/users/export.csv", "/api/v1/users/export.csv"],
    ["/invitations/abc", "/invitations/[token]"],
    ["/files/a/b/c", "/files/[...path]"],
    ["/shop", "/shop/[[...slug]]"],
    ["/shop/x/y", "/shop/[[...slug]]"],
    ["/live", "/live"],
    ["/ready", "/ready"],
    ["/metrics", "/metrics"],
    ["/_next/static/chunks/abc123.js", "/_next/static"],
    ["/api/v1/users/1/overview/extra", "unmatched"],
    ["/wp-admin.php", "unmatched"],
    ["/files", "unmatched"],
  ])("%s → %s", (pathname, template) => {
    expect(routeOf(pathname)).toBe(template);
  });

  it("reads this app's templates from the app/ folder: groups dropped, every page and API route present", () => {
    const templates = loadRouteTemplates(root);
    expect(templates).toEqual(expect.arrayContaining(["/", "/users", "/sign-in", "/api/v1/users/[id]", "/api/v1/users/export.csv"]));
    expect(templates.some((template) => template.includes("("))).toBe(false);
  });
});
