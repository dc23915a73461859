/**
 * Pages and routes through the real production server (Next's whole pipeline included): every page of the app
 * tree is in the permission table, and every page x every role x no session (with and without the
 * x-middleware-subrequest header that once skipped Next's middleware, CVE-2025-29927) gets exactly what the
 * table says. Also reads the security headers off real responses (issue 4 item 9).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { roleHas, type RouteAccess } from "../../lib/domain/permissions";
import { ROUTES } from "../../lib/http/api-routes";
import { ROLES, type Role } from "../../lib/domain/user";
import { ensureBuild, freePort, ROOT, startServer, type RunningServer } from "../support/built-server";
import { BOOTSTRAP_PASSWORD, firstSignIn, invitedUser } from "../support/http-accounts";

const BYPASS = { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" };
const pages = ROUTES.filter((route) => route.method === "PAGE");
const apiRoutes = ROUTES.filter((route) => route.method !== "PAGE");

let server: RunningServer;
let dataDir: string;
const cookies: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  await ensureBuild();
  dataDir = mkdtempSync(path.join(tmpdir(), "page-matrix-"));
  server = startServer({
    port: await freePort(),
    env: { DATA_DIR: dataDir, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, LOG_LEVEL: "warn", SHUTDOWN_DELAY_MS: "0" },
  });
  await server.waitUntilReady();
  cookies.ADMIN = await firstSignIn(server.baseUrl);
  cookies.EDITOR = await invitedUser(server.baseUrl, cookies.ADMIN, "editor@example.com", "EDITOR");
  cookies.VIEWER = await invitedUser(server.baseUrl, cookies.ADMIN, "viewer@example.com", "VIEWER");
});

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Page templates of the app tree: app/(group)/users/page.tsx -> /users. */
function pagesInTree(): string[] {
  const appDir = path.join(ROOT, "app");
  return readdirSync(appDir, { recursive: true, encoding: "utf8" })
    .filter((file) => /(^|\/)page\.tsx$/.test(file))
    .map((file) => {
      const segments = path.dirname(file).split(path.sep).filter((s) => s !== "." && !/^\(.*\)$/.test(s));
      return `/${segments.join("/")}`;
    })
    .sort();
}

function get(url: string, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}${url}`, { headers, redirect: "manual" });
}

describe("pages", () => {
  it("the permission table lists exactly the pages of the app tree", () => {
    expect(pagesInTree()).toEqual(pages.map((page) => page.path).sort());
  });

  const callers: [string, Role | null, Record<string, string>][] = [
    ...ROLES.map((role): [string, Role | null, Record<string, string>] => [role, role, {}]),
    ["no session", null, {}],
    ["no session, with x-middleware-subrequest", null, BYPASS],
  ];

  describe.each(pages.map((page) => [page.path, page] as const))("%s", (_, page: RouteAccess) => {
    it.each(callers)("as %s", async (_, role, extra) => {
      const url = page.path.replace("[token]", "no-such-invitation");
      const response = await get(url, { ...extra, ...(role ? { cookie: cookies[role] ?? "" } : {}) });
      if (page.access === "public") {
        expect(response.status).toBeLessThan(400);
      } else if (role === null) {
        expect(response.status).toBe(307);
        expect(response.headers.get("location")).toMatch(/^\/sign-in\?next=/);
      } else if (page.access === "self" || roleHas(role, page.access)) {
        expect(response.status).toBe(200);
      } else {
        expect(response.status).toBe(403);
      }
    });
  });
});

describe("the sign-in page's ?next= (issue 18, missing tests)", () => {
  // Signed in already, the page redirects at once to `next`: the place where an open redirect would be.
  it.each([["//evil.example/phish"], ["/\\evil.example/phish"], ["/\t/evil.example"]])(
    "sends a signed-in user given next=%j to a page of this site",
    async (next) => {
      const response = await get(`/sign-in?${new URLSearchParams({ next })}`, { cookie: cookies.VIEWER ?? "" });
      expect(response.status).toBe(307);
      const location = response.headers.get("location") ?? "";
      // Resolved as a browser resolves it: a protocol-relative "//host" would leave the site.
      expect(new URL(location, server.baseUrl).origin).toBe(new URL(server.baseUrl).origin);
      expect(new URL(location, server.baseUrl).pathname).toBe("/users");
    },
  );

  it("and follows a next= that is a path on this site", async () => {
    const response = await get(`/sign-in?${new URLSearchParams({ next: "/dashboard" })}`, { cookie: cookies.VIEWER ?? "" });
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get("location") ?? "", server.baseUrl).href).toBe(new URL("/dashboard", server.baseUrl).href);
  });
});

describe("REST routes through the whole server", () => {
  it.each(apiRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s refuses no session, with or without x-middleware-subrequest",
    async (_, route) => {
      if (route.access === "public") return;
      for (const extra of [{}, BYPASS]) {
        const response = await fetch(`${server.baseUrl}${route.path.replace("[id]", "00000000-0000-4000-8000-000000000000")}`, {
          method: route.method,
          headers: { ...extra, origin: server.baseUrl, "x-requested-with": "fetch" },
        });
        expect(response.status).toBe(401);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
      }
    },
  );
});

describe("errors through the whole server", () => {
  // The use cases run in the server bundle's copy of lib/, the wrapper in Next's: a refusal must keep its
  // status and code across the two (matched by code, not class).
  const post = (path: string, body: object, cookie = "") =>
    fetch(`${server.baseUrl}${path}`, {
      method: "POST",
      headers: { origin: server.baseUrl, "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });

  it("a wrong password is 401 INVALID_CREDENTIALS, not a 500", async () => {
    const response = await post("/api/v1/session", { email: "viewer@example.com", password: "not the password" });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "INVALID_CREDENTIALS" });
  });

  it("inviting a taken email is 409 USER_EMAIL_TAKEN, and a used invitation link is 410", async () => {
    const taken = await post("/api/v1/invitations", { email: "viewer@example.com", name: "V", role: "VIEWER" }, cookies.ADMIN);
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ code: "USER_EMAIL_TAKEN" });
    const used = await post("/api/v1/invitations/accept", { token: "no-such-invitation-token", password: "a long enough password" });
    expect(used.status).toBe(410);
  });
});

describe("security headers", () => {
  const expectSecurityHeaders = (response: Response) => {
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
  };

  it("are on pages, with a fresh nonce per response that Next puts on its own scripts", async () => {
    const [first, second] = [await get("/users", { cookie: cookies.ADMIN ?? "" }), await get("/users", { cookie: cookies.ADMIN ?? "" })];
    expectSecurityHeaders(first);
    const nonce = /'nonce-([^']+)'/.exec(first.headers.get("content-security-policy") ?? "")?.[1];
    expect(nonce).toBeDefined();
    expect(second.headers.get("content-security-policy")).not.toContain(nonce);
    const html = await first.text();
    expect(html).toContain(`nonce="${nonce}"`);
    // Every inline script carries the nonce: the browser would refuse one that does not.
    for (const tag of html.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it("are on API responses, problem answers and probes; the API's policy is fixed, with no nonce", async () => {
    // API answers are data, never a document: nothing may run or load (decision 010).
    const expectApiHeaders = (response: Response) => {
      expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
    };
    expectApiHeaders(await get("/api/v1/session", { cookie: cookies.VIEWER ?? "" }));
    expectApiHeaders(await get("/api/v1/users"));
    expectApiHeaders(await get("/api/v1/no-such-route"));
    expectSecurityHeaders(await get("/ready"));
  });

  it("add HSTS outside localhost only", async () => {
    expect((await get("/sign-in")).headers.get("strict-transport-security")).toBeNull();
    // fetch() will not send a Host of our choosing; node:http will.
    const hsts = await new Promise<string | string[] | undefined>((resolve, reject) => {
      const { hostname, port } = new URL(server.baseUrl);
      request({ hostname, port, path: "/sign-in", headers: { host: "console.example.com" } }, (response) => {
        response.resume();
        resolve(response.headers["strict-transport-security"]);
      })
        .on("error", reject)
        .end();
    });
    expect(hsts).toBe("max-age=63072000; includeSubDomains");
  });
});
