import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { createPathRedactor, createRouteMatcher, loadRouteTemplates } from "./route-templates";

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

describe("paths as recorded in spans and error lines (issue 18, item 4)", () => {
  const redact = createPathRedactor([
    "/",
    "/users/[id]",
    "/flags/[key]",
    "/api/v1/users/[id]/overview",
    "/api/v1/invitations",
    "/api/v1/invitations/accept",
    "/invitations/[token]",
    "/files/[...path]",
  ]);

  it.each([
    // A secret parameter is masked; ids and flag keys name resources and stay.
    ["/invitations/s3cr3t-value", "/invitations/REDACTED"],
    ["/invitations/s3cr3t-value/", "/invitations/REDACTED/"],
    ["/invitations/s3cr3t-value?from=mail", "/invitations/REDACTED"],
    ["/users/0193a3b2", "/users/0193a3b2"],
    ["/flags/new-dashboard", "/flags/new-dashboard"],
    ["/api/v1/users/0193a3b2/overview", "/api/v1/users/0193a3b2/overview"],
    ["/files/a/b", "/files/REDACTED/REDACTED"],
    // A path no route serves keeps only the words some route spells.
    ["/api/v1/invitations/s3cr3t-value", "/api/v1/invitations/REDACTED"],
    ["/invitations/s3cr3t-value/x", "/invitations/REDACTED/REDACTED"],
    ["/wp-admin.php", "/REDACTED"],
    ["/api/v1/invitations/accept", "/api/v1/invitations/accept"],
    ["/", "/"],
    ["/metrics", "/metrics"],
    // Next's assets are build hashes: kept.
    ["/_next/static/chunks/abc123.js", "/_next/static/chunks/abc123.js"],
  ])("%s → %s", (pathname, recorded) => {
    expect(redact(pathname)).toBe(recorded);
  });
});
