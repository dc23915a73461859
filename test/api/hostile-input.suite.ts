/**
 * Hostile input against every REST route (the suite; test/api/hostile-input.property.test.ts runs it in memory,
 * hostile-input.{pglite,postgres}.integration.test.ts on the databases, with fewer runs). Each route that
 * `loadApiRoutes()` finds gets a fast-check property: requests built from the route's own zod schemas
 * (`handler.definition`), mixed with hand-picked nasties (test/support/hostile-arbitraries.ts) and sent by an
 * anonymous caller, an ADMIN's session cookie or an API token, from this origin, another, or none. Whatever the
 * request, the answer must be:
 *   - never a 5xx (nor a handler that throws instead of answering);
 *   - every 4xx `application/problem+json` with a known `code`, one status per code, and `status` equal to the
 *     HTTP status;
 *   - 2xx JSON bodies valid JSON, 204 and 304 empty;
 *   - no stack trace, source file, SQL, Prisma/pg name or socket error anywhere in the answer, and never the
 *     cookie or token secret the request carried;
 *   - no 2xx without credentials on a non-public route, with a bad bearer token, with a token on a
 *     session-only route, or for a mutation without a bearer token from another origin (or none).
 *
 * Seeds: every property logs the seed it runs with (one per run of the file, random unless HOSTILE_SEED is set).
 * A failure prints fast-check's counterexample, its seed and path, and the command to replay it, e.g.
 *
 *   HOSTILE_SEED=1234 HOSTILE_PATH="17:3:0" npx vitest run --project unit test/api/hostile-input.property.test.ts -t 'POST /api/v1/session:'
 *
 * HOSTILE_SEED alone reruns every property as it ran; HOSTILE_PATH (with the -t filter naming one route) jumps
 * straight to the shrunk counterexample. HOSTILE_RUNS changes the number of runs per route (default 60);
 * HOSTILE_STATS=1 prints which statuses and codes each route answered (how far past validation the inputs got).
 * Replays are exact for what is generated; ids and secrets the app makes are random, and with HOSTILE_PATH the
 * earlier runs (whose users and audit events the failing one may have seen) are skipped.
 *
 * Each run starts from its own ADMIN (password already changed), session, API token and a VIEWER to act on, so
 * one run's sign-out or revocation cannot blunt the next.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { ERROR_CODES } from "../../lib/domain/errors";
import type { RouteAccess } from "../../lib/domain/permissions";
import { HTTP_ERROR_CODES } from "../../lib/api-contract/problem";
import { MAX_BODY_BYTES } from "../../lib/http/read-body";
import { createApiHarness, loadApiRoutes, ORIGIN, type ApiRoute } from "../support/api-harness";
import {
  bodyPayload,
  Huge,
  headerText,
  hostileBody,
  hostileParam,
  hostileQuery,
  jsonSchemaOf,
  leakIn,
  searchOf,
  seedFrom,
  validQuery,
  validShaped,
  type BodySpec,
  type QuerySpec,
  type Text,
} from "../support/hostile-arbitraries";

export const SEED = seedFrom(process.env.HOSTILE_SEED);
/** HOSTILE_STATS=1 prints, per route, how often each status and code came back: how deep the inputs reached. */
const STATS = process.env.HOSTILE_STATS === "1";
const PATH = process.env.HOSTILE_PATH?.trim() || undefined;
/** Runs per route when neither HOSTILE_RUNS nor the caller says otherwise. */
const DEFAULT_RUNS = 60;
const PASSWORD = "correct horse battery staple";
export const CROSS_ORIGIN = "https://evil.example";
const KNOWN_CODES: ReadonlySet<string> = new Set<string>([...ERROR_CODES, ...HTTP_ERROR_CODES]);

// ---------------------------------------------------------------------------------------------------------------
// Routes and their definitions

const definitionShape = z.object({
  method: z.string(),
  path: z.string(),
  body: z.instanceof(z.core.$ZodType).optional(),
  query: z.instanceof(z.core.$ZodType).optional(),
  params: z.instanceof(z.core.$ZodType).optional(),
});
type Definition = z.infer<typeof definitionShape>;

/** The schemas lib/http/route.ts attaches to every handler it builds. */
export function definitionOf(route: ApiRoute): Definition {
  const handler: object = route.handler;
  const parsed = definitionShape.safeParse("definition" in handler ? handler.definition : undefined);
  if (!parsed.success) throw new Error(`${route.method} ${route.template} carries no handler.definition: build it with route()`);
  return parsed.data;
}

function accessOf(route: ApiRoute): RouteAccess {
  if (!route.handler.access) throw new Error(`${route.method} ${route.template} carries no handler.access: build it with route()`);
  return route.handler.access;
}

export const keyOf = (route: { method: string; template: string }) => `${route.method} ${route.template}`;
const paramNamesOf = (template: string) => [...template.matchAll(/\[([^\]]+)\]/g)].map((match) => match[1] ?? "");

// Module-level, so every route gets its own `it` (and its own seed line and -t filter).
export const ROUTES = (await loadApiRoutes()).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

// ---------------------------------------------------------------------------------------------------------------
// What a run generates

/** Values only known once the run's accounts exist: resolved when the request is built. */
type Ref =
  | { ref: "own-user" | "victim" | "deleted-user" | "own-token" | "own-session" | "flag" }
  | { ref: "victim-etag" | "bearer-suffixed" | "bearer-lowercased" | "cookie-then-garbage" | "garbage-then-cookie" };
type ParamValue = Text | Ref;
type HeaderValue = Text | Ref;

interface RequestSpec {
  caller: "anonymous" | "session" | "token";
  origin: "same" | "cross" | "none" | "null";
  xRequestedWith: boolean;
  params: Record<string, ParamValue>;
  query: QuerySpec;
  body: BodySpec;
  /** null: what the body implies (application/json); "omit": none; else this value. */
  contentType: string | null;
  headers: [string, HeaderValue][];
  /** Send it again: as it was, or with another body (same headers, so the same Idempotency-Key). */
  repeat: null | "same" | { body: BodySpec };
}

const ref = <R extends Ref["ref"]>(name: R) => ({ ref: name });

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json;charset=latin1",
  'application/json; charset="utf-8"',
  "application/merge-patch+json",
  "application/problem+json",
  "application/jsonx",
  "application/json, text/plain",
  "text/plain",
  "text/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "*/*",
  "json",
  ";",
  "omit",
] as const;

const ETAGS = ['"1"', 'W/"1"', '"0"', '"-1"', '"999999999"', '"9999999999"', "*", "", '"', '""', '"1", "2"', "W/", 'W/"abc"', '"01"', '"1e3"', '"1"\t'];

const HEADERS: Record<string, fc.Arbitrary<HeaderValue>> = {
  authorization: fc.oneof(
    fc.constantFrom<HeaderValue>(
      "Bearer",
      "Bearer ",
      "bearer x",
      "Basic YWRtaW46YWRtaW4=",
      "Bearer a b",
      "Token abc",
      "Bearer ===",
      "Bearer ../../x",
      ", Bearer x",
      "Bearer \u00ff\u00fe",
      "Bearer 0123456789abcdefghijklmnopqrstuvwxyz",
      ref("bearer-suffixed"),
      ref("bearer-lowercased"),
      new Huge(8_000, "A"),
    ),
    headerText.map((text) => `Bearer ${text}`),
    headerText,
  ),
  cookie: fc.oneof(
    fc.constantFrom<HeaderValue>(
      "uc_session=",
      "uc_session",
      "uc_session=%ZZ",
      "uc_session=a; uc_session=b",
      "__Host-uc_session=abc",
      "=; ;;",
      'uc_session="quoted"',
      "uc_session=\u00ff",
      ref("cookie-then-garbage"),
      ref("garbage-then-cookie"),
      new Huge(8_000, "c"),
    ),
    headerText.map((text) => `uc_session=${text}`),
    headerText,
  ),
  "if-match": fc.oneof(fc.constantFrom<HeaderValue>(...ETAGS, ref("victim-etag")), headerText),
  "if-none-match": fc.oneof(fc.constantFrom<HeaderValue>(...ETAGS, ref("victim-etag")), headerText),
  "idempotency-key": fc.oneof(fc.uuid(), fc.constantFrom<HeaderValue>("", " ", "a", "\u00ff", new Huge(300), new Huge(8_000)), headerText),
  "content-length": fc.constantFrom("0", "-1", "abc", "99999999999999999999", String(2 * MAX_BODY_BYTES), "1.5", "0x10", "", "1,1"),
  "x-request-id": fc.oneof(headerText, fc.constantFrom("../../x", "a".repeat(129), "req-1")),
  traceparent: fc.oneof(
    headerText,
    fc.constantFrom(
      "00-00000000000000000000000000000000-0000000000000000-00",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ),
  ),
  "user-agent": fc.oneof(headerText, fc.constant(new Huge(8_000, "u"))),
  "x-user-console-client-ip": fc.oneof(headerText, fc.constantFrom("", "::1", "999.999.999.999", "127.0.0.1, 10.0.0.1")),
  "x-forwarded-for": headerText,
  "x-forwarded-host": fc.oneof(headerText, fc.constantFrom("evil.example", "")),
  "x-forwarded-proto": fc.oneof(headerText, fc.constantFrom("https", "javascript", "")),
  host: fc.oneof(headerText, fc.constantFrom("", "localhost:3001", "[::1]", "a b", "localhost:99999", "@", "%00")),
  accept: fc.oneof(headerText, fc.constantFrom("application/xml", "*/*", "", "text/html")),
  "x-requested-with": headerText,
  origin: fc.oneof(
    headerText,
    fc.constantFrom(
      "",
      "http://localhost:3000/",
      "HTTP://LOCALHOST:3000",
      "http://localhost:3000.evil.example",
      "http://localhost",
      "file://",
      "http://localhost:3000, http://localhost:3000",
    ),
  ),
};

const garbageHeaders: fc.Arbitrary<[string, HeaderValue][]> = fc.array(
  fc.oneof(...Object.entries(HEADERS).map(([name, value]) => value.map((v): [string, HeaderValue] => [name, v]))),
  { maxLength: 3 },
);

const REFS = [ref("own-user"), ref("victim"), ref("deleted-user"), ref("own-token"), ref("own-session"), ref("flag")] as const;

/**
 * Requests for a route in three kinds: well-formed (a signed-in caller from this origin, schema-shaped input, ids
 * and ETags that exist), so the handler and its use case run; well-formed but for one hostile part; and hostile
 * throughout. Any of them may be sent twice (a replay, or the same headers with another body: Idempotency-Key).
 */
function requestSpecFor(route: ApiRoute): fc.Arbitrary<RequestSpec> {
  const definition = definitionOf(route);
  const names = paramNamesOf(route.template);
  const paramSchemas = definition.params ? jsonSchemaOf(definition.params).properties ?? {} : {};
  const hostileParams: Record<string, fc.Arbitrary<ParamValue>> = {};
  const existingParams: Record<string, fc.Arbitrary<ParamValue>> = {};
  for (const name of names) {
    hostileParams[name] = fc.oneof(
      { weight: 4, arbitrary: hostileParam(paramSchemas[name]) },
      { weight: 2, arbitrary: fc.constantFrom<ParamValue>(...REFS) },
    );
    existingParams[name] = fc.constantFrom<ParamValue>(...REFS);
  }
  const body = hostileBody(definition.body);
  const hostile: fc.Arbitrary<RequestSpec> = fc.record({
    caller: fc.constantFrom("anonymous", "session", "token"),
    origin: fc.oneof(
      { weight: 5, arbitrary: fc.constant("same" as const) },
      { weight: 2, arbitrary: fc.constant("cross" as const) },
      { weight: 1, arbitrary: fc.constantFrom("none" as const, "null" as const) },
    ),
    xRequestedWith: fc.boolean(),
    params: fc.record(hostileParams),
    query: hostileQuery(definition.query),
    body,
    contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
    headers: garbageHeaders,
    repeat: fc.constant(null),
  });
  const wellFormed: fc.Arbitrary<RequestSpec> = fc.record({
    caller: fc.constantFrom("session", "token"),
    origin: fc.constant("same"),
    xRequestedWith: fc.constant(true),
    params: fc.record(existingParams),
    query: definition.query ? validQuery(definition.query) : fc.constant({ pairs: [] }),
    body: definition.body ? validShaped(definition.body).map((value): BodySpec => ({ kind: "json", value })) : fc.constant<BodySpec>({ kind: "none" }),
    contentType: fc.constantFrom(null, "application/merge-patch+json"),
    // If-Match always (a PATCH or DELETE then gets past its precondition); If-None-Match and Idempotency-Key at times.
    headers: fc.tuple(fc.boolean(), fc.option(fc.uuid())).map(([noneMatch, key]) => {
      const headers: [string, HeaderValue][] = [["if-match", ref("victim-etag")]];
      if (noneMatch) headers.push(["if-none-match", ref("victim-etag")]);
      if (key !== null) headers.push(["idempotency-key", key]);
      return headers;
    }),
    repeat: fc.constant(null),
  });
  const oneThingWrong = fc
    .tuple(wellFormed, hostile, fc.constantFrom(...SPEC_PARTS))
    .map(([good, bad, part]) => replacePart(good, bad, part));
  const repeat: fc.Arbitrary<RequestSpec["repeat"]> = fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constant("same" as const) },
    { weight: 1, arbitrary: body.map((other) => ({ body: other })) },
  );
  return fc
    .tuple(
      fc.oneof({ weight: 2, arbitrary: wellFormed }, { weight: 3, arbitrary: oneThingWrong }, { weight: 3, arbitrary: hostile }),
      repeat,
    )
    .map(([spec, again]) => ({ ...spec, repeat: again }));
}

const SPEC_PARTS = ["caller", "origin", "xRequestedWith", "params", "query", "body", "contentType", "headers"] as const;

function replacePart(good: RequestSpec, bad: RequestSpec, part: (typeof SPEC_PARTS)[number]): RequestSpec {
  return { ...good, [part]: bad[part] };
}

// ---------------------------------------------------------------------------------------------------------------
// A run: its own accounts, one request, the checks

type Harness = Pick<Awaited<ReturnType<typeof createApiHarness>>, "routes" | "call" | "createUser" | "signIn">;

interface RunAccounts {
  ownUserId: string;
  victimId: string;
  victimVersion: number;
  cookie: string;
  cookieSecret: string;
  tokenId: string;
  tokenSecret: string;
  sessionId(): Promise<string>;
  deletedUserId(): Promise<string>;
}

const createdToken = z.object({ token: z.object({ id: z.string() }), secret: z.string().min(16) });
const sessionList = z.object({ items: z.array(z.object({ id: z.string() })) });
let accountCounter = 0;

async function freshAccounts(harness: Harness): Promise<RunAccounts> {
  const n = ++accountCounter;
  const email = `hostile-admin-${n}@example.com`;
  const own = await harness.createUser({ email, role: "ADMIN", password: PASSWORD, name: `Hostile admin ${n}` });
  const victim = await harness.createUser({ email: `hostile-victim-${n}@example.com`, role: "VIEWER", name: `Victim ${n}` });
  const cookie = await harness.signIn(email, PASSWORD);
  const created = await harness.call("POST", "/api/v1/tokens", { cookie, body: { name: `hostile ${n}`, role: "ADMIN" } });
  if (created.status !== 201) throw new Error(`creating the run's API token failed: ${created.status} ${await created.text()}`);
  const token = createdToken.parse(await created.json());
  let sessionId: Promise<string> | undefined;
  let deletedUserId: Promise<string> | undefined;
  return {
    ownUserId: own.id,
    victimId: victim.id,
    victimVersion: victim.version,
    cookie,
    cookieSecret: cookie.slice(cookie.indexOf("=") + 1),
    tokenId: token.token.id,
    tokenSecret: token.secret,
    sessionId() {
      // Looked up once, when a request first names it (a sign-out later in the run would hide it).
      sessionId ??= harness
        .call("GET", "/api/v1/session/sessions", { cookie })
        .then(async (listed) => sessionList.safeParse(await listed.json()).data?.items[0]?.id ?? "no-session");
      return sessionId;
    },
    deletedUserId() {
      // Made when a request first names it: a soft-deleted user, for restore and for reads of the deleted.
      deletedUserId ??= harness
        .createUser({ email: `hostile-deleted-${n}@example.com`, role: "VIEWER", name: `Deleted ${n}` })
        .then(async (user) => {
          const deleted = await harness.call("DELETE", `/api/v1/users/${user.id}`, { cookie, headers: { "if-match": `"${user.version}"` } });
          if (deleted.status !== 204) throw new Error(`deleting the run's deleted user failed: ${deleted.status} ${await deleted.text()}`);
          return user.id;
        });
      return deletedUserId;
    },
  };
}

async function resolve(value: Text | Ref, run: RunAccounts): Promise<string> {
  if (typeof value === "string") return value;
  if (value instanceof Huge) return value.value;
  switch (value.ref) {
    case "own-user":
      return run.ownUserId;
    case "victim":
      return run.victimId;
    case "deleted-user":
      return run.deletedUserId();
    case "own-token":
      return run.tokenId;
    case "own-session":
      return run.sessionId();
    case "flag":
      // A flag that exists, so flag routes get past their lookup; the one whose changes leave every other route
      // answering as before (ops-read-only-mode would turn the runs' changes into 503s, bulk-import into 404s).
      return "users-table-density";
    case "victim-etag":
      return `"${run.victimVersion}"`;
    case "bearer-suffixed":
      return `Bearer ${run.tokenSecret}x`;
    case "bearer-lowercased":
      return `Bearer ${run.tokenSecret.toLowerCase()}`;
    case "cookie-then-garbage":
      return `${run.cookie}; uc_session=garbage`;
    case "garbage-then-cookie":
      return `uc_session=garbage; ${run.cookie}`;
  }
}

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: the URL cannot carry it, but the handler still receives the raw value as its param.
    return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
  }
}

interface Sent {
  request: Request;
  params: Record<string, string>;
  headers: Headers;
  /** For failure messages: method, URL, headers and the start of the body. */
  description: string;
}

async function buildRequest(route: ApiRoute, spec: RequestSpec, run: RunAccounts): Promise<Sent> {
  const params: Record<string, string> = {};
  for (const name of paramNamesOf(route.template)) params[name] = await resolve(spec.params[name] ?? "", run);
  const path = route.template.replace(/\[([^\]]+)\]/g, (_, name: string) => encodeSegment(params[name] ?? ""));
  const url = new URL(path + searchOf(spec.query), ORIGIN);

  const headers = new Headers({ host: new URL(ORIGIN).host });
  if (spec.caller === "session") headers.set("cookie", run.cookie);
  if (spec.caller === "token") headers.set("authorization", `Bearer ${run.tokenSecret}`);
  if (spec.origin === "same") headers.set("origin", ORIGIN);
  if (spec.origin === "cross") headers.set("origin", CROSS_ORIGIN);
  if (spec.origin === "null") headers.set("origin", "null");
  if (spec.xRequestedWith) headers.set("x-requested-with", "fetch");

  const canHaveBody = route.method !== "GET";
  const payload = canHaveBody ? bodyPayload(spec.body) : undefined;
  if (payload !== undefined) headers.set("content-type", "application/json");
  if (spec.contentType === "omit") headers.delete("content-type");
  else if (spec.contentType !== null) headers.set("content-type", spec.contentType);
  for (const [name, value] of spec.headers) headers.set(name, await resolve(value, run));

  const request = new Request(url, { method: route.method, headers, body: payload });
  const bodyText = payload === undefined ? "(none)" : typeof payload === "string" ? payload : `bytes ${Buffer.from(payload).toString("hex")}`;
  const headerLines = [...headers].map(([name, value]) => `  ${name}: ${clip(value, 200)}`).join("\n");
  const description = `${route.method} ${clip(url.pathname + url.search, 500)}\n  params: ${clip(JSON.stringify(params), 300)}\n${headerLines}\n  body (${bodyText.length} chars): ${clip(bodyText, 300)}`;
  return { request, params, headers, description };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

const problemShape = z.object({ status: z.number(), code: z.string(), type: z.string(), title: z.string() });

/**
 * Every rule an answer to hostile input must keep; returns what it broke (empty: nothing). `codeStatus` carries
 * the status each code was answered with so far, across the property: one code, one status.
 */
export async function violationsOf(
  response: Response,
  context: {
    method: string;
    access: RouteAccess;
    sentHeaders: Headers;
    secrets: string[];
    validBearer: string;
    validCookie: string;
    codeStatus: Map<string, number>;
  },
): Promise<string[]> {
  const out: string[] = [];
  const { status } = response;
  const type = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? null;
  // An event stream (GET /api/v1/events) does not end by itself: what it sent at once is checked, then it is let go.
  const text = type === "text/event-stream" ? await firstChunkOf(response) : await response.text();

  if (status >= 500) out.push(`answered ${status}: a client's input must never cause a server error: ${text.slice(0, 400)}`);
  else if (!(status >= 200 && status < 300) && status !== 304 && !(status >= 400 && status < 500)) out.push(`answered ${status}`);

  if (status >= 400) {
    if (type !== "application/problem+json") out.push(`a ${status} with content-type ${type ?? "(none)"}, not application/problem+json`);
    const problem = problemShape.safeParse(parseJson(text));
    if (!problem.success) out.push(`a ${status} whose body is not a problem document: ${clip(text, 300)}`);
    else {
      const { code } = problem.data;
      if (problem.data.status !== status) out.push(`problem status ${problem.data.status} differs from the HTTP status ${status}`);
      if (!KNOWN_CODES.has(code)) out.push(`problem code ${JSON.stringify(code)} is not one of the API's error codes`);
      const earlier = context.codeStatus.get(code);
      if (earlier !== undefined && earlier !== status) out.push(`code ${code} answered ${status} here and ${earlier} before`);
      context.codeStatus.set(code, status);
    }
  } else if (status === 204 || status === 304) {
    if (text !== "") out.push(`a ${status} with a body: ${clip(text, 200)}`);
  } else if (type !== null && (type === "application/json" || type.endsWith("+json")) && parseJson(text) === INVALID) {
    out.push(`a ${status} says ${type} but its body is not JSON: ${clip(text, 300)}`);
  }

  const leak = leakIn(text);
  if (leak) out.push(`the body matches ${leak}: ${clip(excerptAround(text, leak), 300)}`);
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    const headerLeak = leakIn(value);
    if (headerLeak) out.push(`header ${name} matches ${headerLeak}: ${clip(value, 200)}`);
    for (const secret of context.secrets) if (value.includes(secret)) out.push(`header ${name} repeats a secret the request carried`);
  }
  for (const secret of context.secrets) if (text.includes(secret)) out.push("the body repeats a secret the request carried");

  if (status >= 200 && status < 300) out.push(...authorizationBreaches(context));
  return out;
}

/** A 2xx the request's credentials and origin cannot have earned. */
function authorizationBreaches(context: {
  method: string;
  access: RouteAccess;
  sentHeaders: Headers;
  validBearer: string;
  validCookie: string;
}): string[] {
  const { sentHeaders, access } = context;
  const authorization = sentHeaders.get("authorization");
  const bearer = authorization === context.validBearer;
  const cookie = (sentHeaders.get("cookie") ?? "").includes(context.validCookie);
  const out: string[] = [];
  // Only where Host is the harness's own: the server derives its origin from Host, and a browser always sends
  // the real one (an unparseable Host falls back to http://localhost, which a forged Origin can then match).
  const ownHost = sentHeaders.get("host") === new URL(ORIGIN).host;
  if (context.method !== "GET" && ownHost && authorization === null && sentHeaders.get("origin") !== ORIGIN) {
    out.push(`a ${context.method} with no bearer token from origin ${sentHeaders.get("origin") ?? "(none)"} succeeded (CSRF)`);
  }
  if (access.access === "public") return out;
  if (authorization !== null && !bearer) out.push("succeeded with a bad Authorization header (must be 401, never the cookie instead)");
  else if (!bearer && !cookie) out.push("succeeded without credentials on a route that needs them");
  if (bearer && !access.tokens) out.push("an API token succeeded on a route for browser sessions only");
  return out;
}

const INVALID = Symbol("invalid JSON");
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}

function excerptAround(text: string, pattern: RegExp): string {
  const at = text.search(pattern);
  return text.slice(Math.max(0, at - 80), at + 160);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------------------------------
// The suite, for any harness

/**
 * One property per route against the app `makeHarness` builds (in memory now; a database later). It is called
 * once per route, so each property starts from an empty app and the in-memory repositories' linear scans stay
 * short; a factory for a database may hand back one app (emptied or not) instead. The harness registers its app
 * for the route handlers, so the properties run one after the other (vitest's default within a file).
 */
export function describeHostileInput(
  name: string,
  makeHarness: () => Promise<Harness>,
  options: { file: string; runs?: number; project?: "unit" | "integration" },
) {
  const runs = Number(process.env.HOSTILE_RUNS ?? options.runs ?? DEFAULT_RUNS);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`HOSTILE_RUNS must be a positive integer, got ${process.env.HOSTILE_RUNS}`);
  describe(`hostile input (${name})`, () => {
    // One code, one status: across every route of this harness.
    const codeStatus = new Map<string, number>();

    // The long timeout is for a database harness, which opens here first (PGlite: 10 s and more on 2 cores).
    it("finds routes, each built with route() and carrying its schemas", async () => {
      const harness = await makeHarness();
      expect(ROUTES.length).toBeGreaterThan(0);
      for (const route of ROUTES) {
        expect(definitionOf(route)).toMatchObject({ method: route.method, path: route.template });
        expect(harness.routes.some((r) => keyOf(r) === keyOf(route)), keyOf(route)).toBe(true);
      }
    }, 120_000);

    for (const route of ROUTES) {
      const key = keyOf(route);
      it(`${key}: no 5xx, problem+json errors, no leaks, no unearned 2xx`, async () => {
        const harness = await makeHarness();
        const handler = harness.routes.find((r) => keyOf(r) === key)?.handler;
        if (!handler) throw new Error(`the harness has no handler for ${key}`);
        const access = accessOf(route);
        console.log(`[hostile-input] ${name} ${key}: seed=${SEED} runs=${runs}${PATH ? ` path=${PATH}` : ""}`);
        const seen = new Map<string, number>();

        /** Sends one request and throws, describing it, if the answer breaks any rule. */
        const sendAndCheck = async (sent: Sent, run: RunAccounts, step: string): Promise<void> => {
          let response: Response;
          try {
            response = await handler(sent.request, { params: Promise.resolve(sent.params) });
          } catch (error) {
            throw new Error(`${step}${sent.description}\n-> the handler threw instead of answering (Next answers 500): ${String(error)}`);
          }
          const secrets = [run.cookieSecret, run.tokenSecret];
          // A made-up token long enough not to occur by chance must not come back either.
          const bearer = sent.headers.get("authorization")?.match(/^\S+\s+(\S.{14,}\S)$/)?.[1];
          if (bearer && bearer !== run.tokenSecret) secrets.push(bearer);
          const { status } = response;
          const contentType = response.headers.get("content-type");
          if (STATS) {
            const code = status >= 400 ? problemShape.safeParse(parseJson(await response.clone().text())).data?.code : "";
            const outcome = `${status} ${code ?? "?"}`.trim();
            seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
          }
          const problems = await violationsOf(response, {
            method: route.method,
            access,
            sentHeaders: sent.headers,
            secrets,
            validBearer: `Bearer ${run.tokenSecret}`,
            validCookie: run.cookie,
            codeStatus,
          });
          if (problems.length > 0) {
            throw new Error(`${step}${sent.description}\n-> ${status} ${contentType ?? ""}\n${problems.map((p) => `  - ${p}`).join("\n")}`);
          }
        };

        const property = fc.asyncProperty(requestSpecFor(route), async (spec) => {
          const run = await freshAccounts(harness);
          await sendAndCheck(await buildRequest(route, spec, run), run, "");
          if (spec.repeat !== null) {
            const again = spec.repeat === "same" ? spec : { ...spec, body: spec.repeat.body };
            await sendAndCheck(await buildRequest(route, again, run), run, "(sent a second time)\n");
          }
        });

        const details = await fc.check(property, {
          seed: SEED,
          numRuns: runs,
          path: PATH,
          includeErrorInReport: true,
          plugins: [fc.timeout(10_000)],
        });
        if (STATS) console.log(`[hostile-input] ${key}: ${[...seen].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} x${n}`).join(", ")}`);
        if (details.failed) {
          const replay =
            `HOSTILE_SEED=${details.seed} HOSTILE_PATH="${details.counterexamplePath ?? ""}" ` +
            `npx vitest run --project ${options.project ?? "unit"} ${options.file} -t '${escapeRegExp(key)}:'`;
          throw new Error(`${fc.defaultReportMessage(details) ?? "property failed"}\n\nReplay: ${replay}`);
        }
      }, 120_000);
    }
  });
}


/** What a stream has sent so far (its first chunk), then the stream is cancelled. */
async function firstChunkOf(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}
