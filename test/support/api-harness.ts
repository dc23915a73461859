/**
 * The REST API without Next: the very handlers that app/api route files export, found by walking the app/api
 * tree, called with plain Requests against an in-memory app. Fast enough to check every route against every
 * role, and honest: the route tree, the wrapper and the use cases are the production ones.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { createArgon2PasswordHasher } from "../../lib/adapters/argon2/argon2-password-hasher";
import { registerApp } from "../../lib/app-registry";
import { createDatabaseTestApp, createInMemoryApp, type InMemoryAppOptions } from "../../lib/composition-root";
import type { Config } from "../../lib/config";
import type { RouteAccess } from "../../lib/domain/permissions";
import type { Role, UserStatus } from "../../lib/domain/user";
import type { Clock } from "../../lib/ports/clock";
import type { PasswordHasher } from "../../lib/ports/password-hasher";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const ORIGIN = "http://localhost:3000";
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];

type Handler = ((request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>) & {
  /** Set by lib/http/route.ts: the table entry the handler was declared for. */
  access?: RouteAccess;
};

export interface ApiRoute {
  /** e.g. `/api/v1/users/[id]` */
  template: string;
  method: Method;
  handler: Handler;
}

/** Every exported method of every app/api route file. */
export async function loadApiRoutes(): Promise<ApiRoute[]> {
  const apiDir = path.join(ROOT, "app/api");
  const files = readdirSync(apiDir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith("route.ts"));
  const routes: ApiRoute[] = [];
  for (const file of files) {
    const template = `/api/${path.dirname(file).split(path.sep).join("/")}`;
    const exports: Record<string, unknown> = await import(pathToFileURL(path.join(apiDir, file)).href);
    for (const method of METHODS) {
      const handler = exports[method];
      if (isHandler(handler)) routes.push({ template, method, handler });
    }
  }
  return routes;
}

function isHandler(value: unknown): value is Handler {
  return typeof value === "function";
}

/**
 * SHA-256 instead of argon2 for tests that sign in hundreds of times. Tests of sign-in itself use the real
 * hasher (the default of createInMemoryApp).
 */
export const fastTestHasher: PasswordHasher = {
  hash: async (password) => `test$${createHash("sha256").update(password).digest("hex")}`,
  verify: async (hash, password) => hash === `test$${createHash("sha256").update(password).digest("hex")}`,
};

/** A clock the test moves by hand. */
export function manualClock(start = new Date("2026-11-25T09:00:00.000Z")) {
  let now = start.getTime();
  const clock: Clock & { advance(ms: number): void } = {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
  return clock;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body text (sent as is, with the given content type). */
  rawBody?: string;
  /** A body that arrives over time (a slow client). */
  streamBody?: ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
  /** Send Origin: ORIGIN and a JSON content type, as the UI does (default true). */
  sameOrigin?: boolean;
}

export interface ApiHarnessOptions extends InMemoryAppOptions {
  /**
   * Run on a real database with this configuration (DATABASE_URL for PostgreSQL, else PGlite in DATA_DIR):
   * the production adapters, minus the first admin and demo data. In memory when absent.
   */
  database?: Config;
}

export async function createApiHarness(options: ApiHarnessOptions = {}) {
  // The app's own hasher, so passwords set here verify there.
  const hasher = options.hasher ?? createArgon2PasswordHasher();
  const memory = options.database
    ? {
        ...(await createDatabaseTestApp(options.database, { ...options, hasher })),
        failAuditAppends(): never {
          throw new Error("failAuditAppends works in memory only; on a database, see the contract tests");
        },
      }
    : await createInMemoryApp({ ...options, hasher });
  registerApp(memory.app);
  const routes = await loadApiRoutes();

  async function call(method: Method, url: string, init: RequestOptions & { cookie?: string; bearer?: string } = {}) {
    const pathname = new URL(url, ORIGIN).pathname;
    const match = matchRoute(routes, method, pathname);
    const headers = new Headers(init.headers);
    if (init.sameOrigin !== false) {
      if (!headers.has("origin")) headers.set("origin", ORIGIN);
      if (!headers.has("x-requested-with")) headers.set("x-requested-with", "fetch");
    }
    if (init.cookie) headers.set("cookie", init.cookie);
    if (init.bearer) headers.set("authorization", `Bearer ${init.bearer}`);
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (init.streamBody !== undefined) body = init.streamBody;
    else if (init.rawBody !== undefined) body = init.rawBody;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const target = new URL(url, ORIGIN);
    // As a browser does (Next's own request URL says localhost whatever the Host; the app reads Host).
    if (!headers.has("host")) headers.set("host", target.host);
    const request = new Request(target, { method, headers, body, ...(init.streamBody && { duplex: "half" }) });
    if (!match) return new Response(null, { status: 404 });
    // Handlers find the app through the registry: make it this harness's, for files that run two of them.
    registerApp(memory.app);
    return match.route.handler(request, { params: Promise.resolve(match.params) });
  }

  /** Creates an ACTIVE user with a password, directly through the repositories. */
  async function createUser(user: { email: string; role: Role; password?: string; status?: UserStatus; name?: string }) {
    const passwordHash = user.password ? await hasher.hash(user.password) : null;
    return memory.unitOfWork.run(async ({ users, credentials }) => {
      const created = await users.create({
        email: user.email,
        name: user.name ?? user.email.split("@")[0] ?? "user",
        role: user.role,
        status: user.status ?? "ACTIVE",
      });
      if (passwordHash) await credentials.set(created.id, { passwordHash, mustChangePassword: false, setAt: new Date() });
      return created;
    });
  }

  /** Signs in through the API and returns the session cookie to send back. */
  async function signIn(email: string, password: string, headers: Record<string, string> = {}) {
    const response = await call("POST", "/api/v1/session", { body: { email, password }, headers });
    if (response.status !== 200) throw new Error(`sign-in of ${email} failed: ${response.status} ${await response.text()}`);
    return cookieOf(response);
  }

  /** Closes the database (a no-op in memory). */
  const close = async () => {
    await memory.app.featureFlags.close();
    await memory.app.database.close();
  };

  return { ...memory, routes, call, createUser, signIn, close };
}

/** The `name=value` pair of a response's Set-Cookie, as a browser would send it back. */
export function cookieOf(response: Response): string {
  const setCookie = response.headers.get("set-cookie");
  const pair = setCookie?.split(";")[0];
  if (!pair) throw new Error("the response set no cookie");
  return pair;
}

export function matchRoute(routes: ApiRoute[], method: string, pathname: string) {
  // As Next matches: a static segment wins over a dynamic one (`/users/export.csv` over `/users/[id]`).
  for (const route of [...routes].sort(staticFirst)) {
    if (route.method !== method) continue;
    const names: string[] = [];
    // A dot in a folder name (`export.csv`) is a dot, not "any character".
    const pattern = route.template.replaceAll(".", "\\.").replace(/\[([^\]]+)\]/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const found = new RegExp(`^${pattern}$`).exec(pathname);
    if (found) {
      const params: Record<string, string> = {};
      names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1] ?? "")));
      return { route, params };
    }
  }
  return null;
}

/** Orders templates so that, at the first segment where two differ, the static one comes before the dynamic one. */
function staticFirst(a: ApiRoute, b: ApiRoute): number {
  const left = a.template.split("/");
  const right = b.template.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const dynamic = (segment: string | undefined) => (segment?.startsWith("[") ? 1 : 0);
    const order = dynamic(left[i]) - dynamic(right[i]);
    if (order !== 0) return order;
  }
  return 0;
}
