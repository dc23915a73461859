/**
 * The one wrapper every REST handler goes through (STYLE.md; dub's `withWorkspace`), and the one definition of each
 * endpoint: its method, path, who may call it, the read-only and password-change exemptions, its input schemas
 * and what the reference says of it (summary, responses, error codes) sit in its `route({...})`. The route table,
 * the API's dispatch and the OpenAPI document are derived from the handlers (lib/http/api-routes.ts). In order,
 * for each request: request and trace ids; who is calling (API token, else session cookie); CSRF for cookie-borne
 * mutations; may they (the route's `access`, against lib/domain/permissions.ts); input validation with zod; the
 * handler; and any error as problem+json. Authorization is decided here, in the handler path, and nowhere else (no middleware or proxy:
 * CVE-2025-29927 let a header skip Next's middleware altogether).
 *
 * Handlers are framework-free `(request: Request, context) => Promise<Response>` functions: app/api route files
 * only re-export them, and tests call them directly.
 */
import { z } from "zod";

import type { Principal } from "../domain/auth";
import type { BooleanFlagKey } from "../domain/feature-flags";
import { DeadlineExceededError, ForbiddenError, PasswordChangeRequiredError, UnauthenticatedError } from "../domain/errors";
import { principalHas, roleHas, type Access, type RouteAccess } from "../domain/permissions";
import { getApp } from "../app-registry";
import { untilAborted } from "../domain/until-aborted";
import type { AnonymousContext, CallContext } from "../use-cases/call-context";
import type { OperationDoc } from "./api-docs";
import { HttpProblem, problemFor, problemResponse, type ProblemCode } from "./problem";
import { isJsonMediaType, mediaTypeOf, parseInput, readJsonBody } from "./read-body";
import { recordCaller } from "./request-facts";
import { clientIpOf, publicOriginOf, requestIdOf, traceIdOf } from "./request-info";
import { sessionSecretOf } from "./session-cookie";

type ApiMethod = Exclude<RouteAccess["method"], "PAGE">;
type Schema = z.core.$ZodType;
type Infer<S> = S extends z.core.$ZodType ? z.infer<S> : undefined;

/** What Next passes as a route handler's second argument. */
export interface RouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

/** The app handlers call: what lib/composition-root.ts built and lib/app-registry.ts holds. */
export type RunningApp = ReturnType<typeof getApp>;

export interface HandlerInput<B, Q, P> {
  /** The running app (lib/composition-root.ts, registered in lib/app-registry.ts): its use cases. */
  app: RunningApp;
  request: Request;
  body: B;
  query: Q;
  params: P;
  /** Null only on public routes (the wrapper refuses anonymous calls to the others). */
  principal: Principal | null;
  /** For use cases: the caller, ids for the audit log, the request's signal. Throws 401 on a public route. */
  caller(): CallContext;
  /** For use cases that run before anyone is signed in (sign-in, accepting an invitation). */
  anonymous: AnonymousContext;
  requestId: string;
  /** The origin the browser sees (for cookies and links). */
  origin: string;
  /** The session cookie as sent, for sign-in to rotate and sign-out to clear. */
  sessionSecret: string | null;
  /**
   * Whether this caller may still call this route, asked again later by a response that lasts (an event stream,
   * issue 18): the same credentials authenticated again (through the credential cache, which hears of revoked
   * tokens, ended sessions and disabled users at once; expiry is checked each time), then the route's permission
   * and feature flag. The re-check does not count as the session's use: an open stream does not keep an idle
   * session alive.
   */
  stillAllowed(): Promise<boolean>;
}

/** One endpoint, whole: see {@link route}. */
export interface RouteDefinition<BS extends Schema | undefined, QS extends Schema | undefined, PS extends Schema | undefined> extends OperationDoc {
  method: ApiMethod;
  /** The path template as the app/api tree spells it, e.g. `/api/v1/users/[id]`. */
  path: string;
  /**
   * Who may call it: a permission (lib/domain/permissions.ts), any signed-in caller (`self`: one's own password and
   * sessions), or anyone (`public`: signing in, accepting an invitation, this document).
   */
  access: Access;
  /** False: API tokens are refused whatever their role (browser sessions only). */
  tokens?: false;
  /**
   * A change still allowed while `ops-read-only-mode` is on: signing in and out, one's own password and sessions,
   * revoking an API token (an incident's usual first step), and the flags themselves, so operators can end
   * read-only mode from the console.
   */
  writableInReadOnlyMode?: true;
  /** A route a signed-in user whose one-time password is pending may still call (to see who they are, change it, leave). */
  allowedBeforePasswordChange?: true;
  body?: BS;
  query?: QS;
  params?: PS;
  /**
   * This route's deadline, from the configured one (REQUEST_TIMEOUT_MS), for a route whose work is bounded by
   * something else and takes longer than one change (a bulk action over up to its cap of users). Default: the
   * configured deadline itself.
   */
  deadline?: (requestTimeoutMs: number) => number;
  /** The flag that turns this route's feature on: while it is off for the caller, the route answers 404 FEATURE_OFF. */
  feature?: BooleanFlagKey;
  handler: (input: HandlerInput<Infer<BS>, Infer<QS>, Infer<PS>>) => Promise<Response>;
}

/** A handler as `route()` returns it: the request function, with its access entry and definition hung on it. */
export interface RouteHandler {
  (request: Request, context?: RouteContext): Promise<Response>;
  access: RouteAccess;
  /** Query and path schemas are objects, or pipes out of one (a transform of the parsed object). */
  definition: Omit<RouteDefinition<z.core.$ZodType | undefined, z.core.$ZodType<unknown, Record<string, unknown>> | undefined, z.core.$ZodType<unknown, Record<string, unknown>> | undefined>, "handler">;
}

export function route<
  BS extends Schema | undefined = undefined,
  QS extends Schema | undefined = undefined,
  PS extends Schema | undefined = undefined,
>(definition: RouteDefinition<BS, QS, PS>) {
  const access: RouteAccess = { method: definition.method, path: definition.path, access: definition.access, tokens: definition.tokens !== false };
  const key = `${definition.method} ${definition.path}`;
  const mutating = definition.method !== "GET";

  async function handle(request: Request, routeContext?: RouteContext): Promise<Response> {
    const requestId = requestIdOf(request);
    const traceId = traceIdOf(request);
    const ids = { "x-request-id": requestId };
    let app: ReturnType<typeof getApp> | undefined;
    // The request's deadline: its signal goes to authentication and every use case (and from there to the
    // database, which cancels what it is running), and the handler is answered 504 when it fires.
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      app = getApp();
      const running = app;
      const deadlineMs = definition.deadline?.(app.config.REQUEST_TIMEOUT_MS) ?? app.config.REQUEST_TIMEOUT_MS;
      timer = setTimeout(() => deadline.abort(new DeadlineExceededError(deadlineMs)), deadlineMs);
      const signal = AbortSignal.any([request.signal, deadline.signal]);
      const origin = originOf(request);
      const bearerToken = bearerOf(request);
      const sessionSecret = sessionSecretOf(request.headers.get("cookie"), origin);
      if (request.method !== "GET" && request.method !== "HEAD" && bearerToken === null) {
        assertSameOriginRequest(request, origin);
      }
      // A request that sends a token is judged by it alone: a bad one is 401, never a fall-back to the cookie.
      if (bearerToken === "") throw new UnauthenticatedError(MALFORMED_TOKEN);
      const principal = await app.authenticate({ bearerToken, sessionSecret }, signal);
      recordCaller(principal);
      if (bearerToken !== null && principal === null) throw new UnauthenticatedError(INVALID_TOKEN);
      authorize(definition, principal);
      // The kill switch for incidents (issue 9): a change is refused before its input is even read.
      if (mutating && !definition.writableInReadOnlyMode) await app.flagGates.assertWritable(principal);
      if (definition.feature) await app.flagGates.assertFeatureOn(definition.feature, principal);

      const params = definition.params
        ? parseInput(definition.params, await routeContext?.params, "path")
        : undefined;
      const query = definition.query
        ? parseInput(definition.query, queryObject(new URL(request.url).searchParams), "query")
        : undefined;
      // Within the deadline too: a client trickling its body is answered 504, not waited on.
      const body = definition.body ? await untilAborted(readJsonBody(request, definition.body), signal) : undefined;
      const base = { requestId, traceId, signal };
      // The three casts below restate what the lines above establish (parsed by the schema when one is given,
      // undefined when none is): TypeScript cannot narrow a conditional type over an unresolved generic.
      const response = await untilAborted(definition.handler({
        app: running,
        request,
        body: body as Infer<BS>,
        query: query as Infer<QS>,
        params: params as Infer<PS>,
        principal,
        caller() {
          if (!principal) throw new UnauthenticatedError();
          return { ...base, principal };
        },
        anonymous: { ...base, ip: clientIpOf(request), userAgent: request.headers.get("user-agent") },
        requestId,
        origin,
        sessionSecret,
        async stillAllowed() {
          const again = await running.authenticate({ bearerToken, sessionSecret }, request.signal, { recordUse: false });
          if (!again) return false;
          try {
            authorize(definition, again);
            if (definition.feature) await running.flagGates.assertFeatureOn(definition.feature, again);
            return true;
          } catch (error) {
            if (isRefusal(error)) return false;
            throw error;
          }
        },
      }), signal);
      response.headers.set("x-request-id", requestId);
      if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
      return response;
    } catch (error) {
      const problem = problemFor(error, { requestId, traceId });
      // A client that went away gets no answer; there is nothing to report about it.
      // Nor about a change refused on purpose (read-only mode is the operators' own doing), nor about a database
      // outage: the circuit breaker logs it once, not once per request (issue 17).
      if (problem.status >= 500 && !QUIET_CODES.has(problem.code) && !(request.signal.aborted && !deadline.signal.aborted)) {
        // No app (not started through server/): nothing to log with but the console.
        (app?.log ?? consoleLog).error({ err: error, requestId, traceId, route: key }, "request failed");
      }
      const headers: Record<string, string> = { ...ids };
      if (error instanceof Error && "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number") {
        headers["retry-after"] = String(error.retryAfterSeconds);
      }
      if (problem.status === 401) {
        // RFC 6750: a token that was sent and refused is `invalid_token`, so a client knows to get a new one.
        const sentToken = request.headers.has("authorization");
        headers["www-authenticate"] = `Bearer realm="user-console"${sentToken ? ', error="invalid_token"' : ""}`;
      }
      // A 412 names the version that won, so a client can show or retry against it without another GET.
      if (error instanceof Error && "actualVersion" in error && typeof error.actualVersion === "number") {
        headers.etag = `"${error.actualVersion}"`;
      }
      return problemResponse(problem, headers);
    } finally {
      clearTimeout(timer);
    }
  }
  // Its access entry and definition travel with the handler: the route table, the dispatch and the OpenAPI
  // document are built from them (lib/http/api-routes.ts), and a test checks that the file exporting it sits at
  // its path.
  return Object.assign(handle, { access, definition });
}

/**
 * 5xx answers that are not failures to report with a stack per request: read-only mode and an outage are logged
 * once where they start (the flag change, the circuit breaker); a busy pool (DATABASE_BUSY) comes with overload or an
 * outage's recovery, when a line per request would flood the log, and each request's own line says 503.
 */
const QUIET_CODES: ReadonlySet<ProblemCode> = new Set<ProblemCode>(["READ_ONLY_MODE", "DATABASE_UNAVAILABLE", "DATABASE_BUSY"]);

/** What {@link authorize} and the feature gate throw when they refuse (by code: see problem.ts knownError). */
function isRefusal(error: unknown): boolean {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  return code === "FORBIDDEN" || code === "PASSWORD_CHANGE_REQUIRED" || code === "UNAUTHENTICATED" || code === "FEATURE_OFF";
}

const MALFORMED_TOKEN =
  'The Authorization header is not of the form "Bearer <token>" (API tokens start with uct_; send them unquoted)';
const INVALID_TOKEN = "The API token is not valid: unknown, revoked or expired. Create a new one on the API tokens page";

const consoleLog = { error: (fields: object, message: string) => console.error(message, fields) };

/** The origin the browser sees (lib/http/request-info.ts), for the CSRF check, the cookie's name and links. */
function originOf(request: Request): string {
  const { config } = getApp();
  return publicOriginOf(request.headers, { trustProxy: config.TRUST_PROXY, publicOrigin: config.PUBLIC_ORIGIN });
}

/** A JSON response. Dates become ISO strings (JSON.stringify calls toJSON). */
export function json(data: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  return new Response(JSON.stringify(data), {
    status: init.status ?? 200,
    headers: { "content-type": "application/json", ...init.headers },
  });
}

export function noContent(headers: HeadersInit = {}): Response {
  return new Response(null, { status: 204, headers });
}

function authorize(
  definition: Pick<RouteDefinition<undefined, undefined, undefined>, "access" | "tokens" | "allowedBeforePasswordChange">,
  principal: Principal | null,
): void {
  const { access } = definition;
  if (access === "public") return;
  if (!principal) throw new UnauthenticatedError();
  if (principal.kind === "token" && definition.tokens === false) {
    throw new ForbiddenError("API tokens may not call this route; it belongs to browser sessions");
  }
  if (principal.kind === "user" && principal.mustChangePassword && !definition.allowedBeforePasswordChange) {
    throw new PasswordChangeRequiredError();
  }
  if (access === "self") return;
  if (!principalHas(principal, access)) {
    throw new ForbiddenError(
      roleHas(principal.role, access)
        ? `API tokens never hold the permission ${access}; use a browser session`
        : `Your role (${principal.role}) does not have the permission ${access}`,
    );
  }
}

/** The token of `Authorization: Bearer <token>`; null without the header; "" (never valid) when malformed. */
function bearerOf(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}

/**
 * CSRF defence for mutations that a browser could send with its cookies (bearer calls are exempt): the
 * Origin must be ours (a missing or `null` Origin is refused: browsers send one with every cross-origin and
 * every non-GET fetch), and the request must be one a plain HTML form cannot make: a JSON body, or, without a
 * body, the `X-Requested-With` header (forms can set neither).
 */
function assertSameOriginRequest(request: Request, origin: string): void {
  const sent = request.headers.get("origin");
  if (sent === null || sent === "null") {
    throw new HttpProblem("CSRF_REJECTED", "A request that changes something must carry this site's Origin header");
  }
  if (sent !== origin) throw new HttpProblem("CSRF_REJECTED", `Origin ${sent.slice(0, 200)} is not this site (${origin})`);
  if (!isJsonMediaType(mediaTypeOf(request)) && !request.headers.has("x-requested-with")) {
    throw new HttpProblem(
      "CSRF_REJECTED",
      "Send a JSON body (content-type: application/json) or, without a body, the X-Requested-With header",
    );
  }
}

/**
 * Query parameters as an object; a repeated one becomes an array. Built with Object.fromEntries, which defines
 * own properties: a parameter named `__proto__` stays a parameter (a strict schema refuses it) instead of
 * replacing the object's prototype.
 */
function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  return Object.fromEntries(
    [...new Set(params.keys())].map((key) => {
      const values = params.getAll(key);
      return [key, values.length === 1 ? (values[0] ?? "") : values];
    }),
  );
}
