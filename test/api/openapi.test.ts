/**
 * The OpenAPI document (lib/http/openapi.ts, served at /api/openapi.json and rendered at /docs) cannot drift
 * from the code: it is valid OpenAPI 3.1; it describes exactly the operations the app/api tree exports, each
 * from its handler's route() definition; and what the real handlers answer (status, media type, body, headers, problem
 * code) is what it documents, checked by calling them through the test harness and validating every response
 * against the document itself.
 */
import { compileErrors, validate } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenAPIV3_1 } from "openapi-types";
import { createWorkspaceStore } from "@scalar/workspace-store/client";
import { beforeAll, describe, expect, it, vi } from "vitest";

import { apiHandlers } from "../../lib/http/api-routes";
import { buildOpenApiDocument, openApiPath } from "../../lib/http/openapi";
import { createApiHarness, fastTestHasher, loadApiRoutes, matchRoute, METHODS, ORIGIN, type RequestOptions } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
type Method = Parameters<Harness["call"]>[0];
type CallOptions = Parameters<Harness["call"]>[2];
type Json = Record<string, unknown>;

const PASSWORD = "correct horse battery";
const document = buildOpenApiDocument(apiHandlers());

describe("the document", () => {
  it("is valid OpenAPI 3.1 (schema and the rules beyond it: unique operationIds, declared path parameters)", async () => {
    expect(document.openapi).toBe("3.1.0");
    // validate() dereferences in place: give it a copy.
    const copy: unknown = structuredClone(document);
    if (!isOpenApi31(copy)) throw new Error("not an OpenAPI 3.1 document");
    const result = await validate(copy);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  // Compiling every schema takes 4-5 s of CPU on 2 cores (more when the machine is busy): room beyond the 5 s default.
  it("holds only valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1) whose $refs resolve", { timeout: 30_000 }, () => {
    // The OpenAPI validator above does not look inside schema objects.
    const schemas = schemaPointers(document);
    expect(schemas.length).toBeGreaterThan(50);
    for (const at of schemas) {
      const schema = at.reduce<unknown>((node, key) => (isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined), document);
      expect(ajv.validateSchema(isObject(schema) ? schema : {}), `${at.join("/")}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      expect(() => ajv.getSchema(pointer(...at)), at.join("/")).not.toThrow();
    }
  });

  it("loads into the API reference's own document store (Scalar) without its validation complaints", { timeout: 30_000 }, async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const copy: unknown = structuredClone(document);
      await createWorkspaceStore().addDocument({ name: "api", document: isObject(copy) ? copy : {} });
      const complaints = warn.mock.calls.flatMap(([first]) =>
        Array.isArray(first) ? first.map((error: { path?: string; message?: string }) => `${error.path}: ${error.message}`) : [],
      );
      expect(complaints).toEqual([]);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  it("lists exactly the operations the app/api tree exports, each from the handler its route file exports", async () => {
    const tree = await loadApiRoutes();
    const inTree = tree.map((route) => `${route.method} ${openApiPath(route.template)}`).sort();
    const inDocument = Object.entries(document.paths ?? {})
      .flatMap(([path, item]) => Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(
      inDocument,
      "A route file exports a handler the document lacks: re-export its module from lib/http/handlers/index.ts",
    ).toEqual(inTree);
    expect(inTree.filter((key) => key.includes(" /api/v1/")).length).toBeGreaterThan(10);

    const documented = new Set<unknown>(apiHandlers().map(({ handler }) => handler));
    for (const route of tree) {
      expect(documented.has(route.handler), `${route.method} ${route.template}: not the handler the document was built from`).toBe(true);
    }
  });

  it("says who may call each operation, from the permission table", () => {
    const security = (path: string, method: string) => operationOf(method, path).security;
    expect(security("/api/v1/session", "post")).toEqual([]);
    expect(security("/api/v1/users", "get")).toEqual([{ bearerToken: [] }, { sessionCookie: [] }]);
    expect(security("/api/v1/tokens", "post")).toEqual([{ sessionCookie: [] }]);
  });
});

// Response validation against the document itself (not against the zod schemas it was made from), so a
// mistake in rendering them is caught too.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, "openapi.json");

/** The operation object, or a failed expectation naming what is missing. */
function operationOf(method: string, path: string): Json {
  const item: unknown = document.paths?.[path];
  const operation = isObject(item) ? item[method.toLowerCase()] : undefined;
  if (!isObject(operation)) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
  return operation;
}

function isOpenApi31(value: unknown): value is OpenAPIV3_1.Document {
  return isObject(value) && typeof value.openapi === "string" && value.openapi.startsWith("3.1.");
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON pointer into the document, as a URI fragment. */
function pointer(...segments: string[]): string {
  return `openapi.json#/${segments.map((s) => encodeURIComponent(s.replaceAll("~", "~0").replaceAll("/", "~1"))).join("/")}`;
}

/** The object a `$ref` to `#/components/...` points at, or the value itself. */
function resolved(value: unknown): Json {
  if (isObject(value) && typeof value.$ref === "string") {
    const target = value.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((node, key) => (isObject(node) ? node[key.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined), document);
    if (!isObject(target)) throw new Error(`dangling $ref ${value.$ref}`);
    return target;
  }
  if (!isObject(value)) throw new Error(`expected an object, got ${JSON.stringify(value)}`);
  return value;
}

/** Where the document holds a schema: every `schema` of a media type, parameter or header, and every component. */
function schemaPointers(node: unknown, at: string[] = []): string[][] {
  if (Array.isArray(node)) return node.flatMap((item, index) => schemaPointers(item, [...at, String(index)]));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const here = [...at, key];
    const isSchema = (key === "schema" && at.at(-1) !== "properties") || (at.length === 2 && at[0] === "components" && at[1] === "schemas");
    return isSchema ? [here] : schemaPointers(value, here);
  });
}

/** Operations a test called, `METHOD path`: at the end every documented one must be among them. */
const exercised = new Set<string>();

/**
 * Checks one real response against the document: the status is documented for the operation, the media type
 * is one it lists, the body validates against its schema, every required header is present, and a problem's
 * code is one the document lists for that status.
 */
async function expectDocumented(method: string, template: string, response: Response): Promise<unknown> {
  const path = openApiPath(template);
  const where = `${method} ${path} -> ${response.status}`;
  exercised.add(`${method} ${path}`);
  const responses = resolved(operationOf(method, path).responses);
  const documented = responses[String(response.status)];
  expect(documented, `${where}: the document does not list this status (the \`responses\` of its route() definition)`).toBeDefined();
  const spec = resolved(documented);

  for (const [name, header] of Object.entries(isObject(spec.headers) ? spec.headers : {})) {
    if (resolved(header).required === true) expect(response.headers.get(name), `${where}: header ${name}`).not.toBeNull();
  }

  const text = await response.text();
  const content = isObject(spec.content) ? spec.content : undefined;
  if (!content) {
    expect(text, `${where}: the document says no body`).toBe("");
    return undefined;
  }
  const type = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  expect(Object.keys(content), `${where}: media type`).toContain(type);
  // JSON bodies are checked as parsed; another media type (the CSV export's text/csv) as the text it is.
  const body: unknown = type === "application/json" || type.endsWith("+json") ? JSON.parse(text) : text;
  const validateBody = ajv.getSchema(pointer("paths", path, method.toLowerCase(), "responses", String(response.status), "content", type, "schema"));
  if (!validateBody) throw new Error(`${where}: no schema for ${type}`);
  expect(validateBody(body), `${where}: body does not match the document: ${ajv.errorsText(validateBody.errors)}\n${text}`).toBe(true);
  if (type === "application/problem+json" && isObject(body)) {
    expect(spec["x-problem-codes"], `${where}: problem code`).toContain(body.code);
  }
  return body;
}

let api: Harness;
let admin: string;

/** Calls a route through the harness and checks the answer against the document; returns the parsed body. */
async function call(method: Method, url: string, init: CallOptions = {}) {
  const response = await api.call(method, url, init);
  const match = matchRoute(api.routes, method, new URL(url, ORIGIN).pathname);
  if (!match) throw new Error(`no route for ${method} ${url}`);
  const { status, headers } = response;
  const body = await expectDocumented(method, match.route.template, response);
  return { status, headers, body: isObject(body) ? body : {} };
}

const json = (cookie: string, body: unknown, headers: Record<string, string> = {}): RequestOptions & { cookie: string } => ({
  cookie,
  body,
  headers,
});

beforeAll(async () => {
  // Streams re-check their caller's credential often, so a stream whose session ends closes quickly (live events).
  api = await createApiHarness({ hasher: fastTestHasher, importTimings: { streamRecheckMs: 50 } });
  await api.createUser({ email: "ada@example.com", role: "ADMIN", password: PASSWORD });
  await api.createUser({ email: "vic@example.com", role: "VIEWER", password: PASSWORD });
  admin = await api.signIn("ada@example.com", PASSWORD);
});

describe("real responses match the document", () => {
  it("session: sign in, who am I, own sessions, password change", async () => {
    const signedIn = await call("POST", "/api/v1/session", { body: { email: "vic@example.com", password: PASSWORD } });
    expect(signedIn.status).toBe(200);
    const viewer = signedIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    expect((await call("GET", "/api/v1/session", { cookie: viewer })).body).toMatchObject({ kind: "user" });
    const sessions = await call("GET", "/api/v1/session/sessions", { cookie: viewer });
    expect(sessions.status).toBe(200);
    expect((await call("DELETE", "/api/v1/session/sessions/no-such-session", { cookie: viewer })).body).toMatchObject({
      code: "SESSION_NOT_FOUND",
    });
    const wrong = await call("PUT", "/api/v1/session/password", json(viewer, { currentPassword: "not it", newPassword: "a new long password" }));
    expect(wrong.body).toMatchObject({ code: "WRONG_PASSWORD" });
    expect((await call("DELETE", "/api/v1/session", { cookie: viewer })).status).toBe(204);
    expect((await call("GET", "/api/v1/session", { cookie: viewer })).status).toBe(401);
  });

  it("session: a failed sign-in, and throttling with Retry-After", async () => {
    let last = await call("POST", "/api/v1/session", { body: { email: "vic@example.com", password: "wrong password" } });
    expect(last.body).toMatchObject({ code: "INVALID_CREDENTIALS" });
    for (let attempt = 0; attempt < 10 && last.status !== 429; attempt++) {
      last = await call("POST", "/api/v1/session", { body: { email: "vic@example.com", password: "wrong password" } });
    }
    expect(last.body).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    // An ADMIN clears the account's failures (issue 18): the owner signs in at once.
    const vic = await api.unitOfWork.run(({ users }) => users.getByEmail("vic@example.com"));
    const cleared = await call("DELETE", `/api/v1/users/${vic?.id}/sign-in-failures`, { cookie: admin });
    expect(cleared.body).toMatchObject({ cleared: 5 }); // refused attempts are not failures
    const unknown = await call("DELETE", "/api/v1/users/00000000-0000-4000-8000-000000000000/sign-in-failures", { cookie: admin });
    expect(unknown.body).toMatchObject({ code: "USER_NOT_FOUND" });
    expect((await call("POST", "/api/v1/session", { body: { email: "vic@example.com", password: PASSWORD } })).status).toBe(200);
  });

  it("users: create (idempotent), list, read with ETag and 304, merge-patch with If-Match, delete, restore", async () => {
    const key = { "idempotency-key": "contract-test-1" };
    const created = await call("POST", "/api/v1/users", json(admin, { email: "grace@example.com", name: "Grace", role: "VIEWER" }, key));
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(created.headers.get("location")).toBe(`/api/v1/users/${id}`);
    const replayed = await call("POST", "/api/v1/users", json(admin, { email: "grace@example.com", name: "Grace", role: "VIEWER" }, key));
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.body.id).toBe(id);
    const reused = await call("POST", "/api/v1/users", json(admin, { email: "other@example.com", name: "Other", role: "VIEWER" }, key));
    expect(reused.body).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect((await call("POST", "/api/v1/users", json(admin, { email: "grace@example.com", name: "Twice", role: "VIEWER" }))).body).toMatchObject({
      code: "USER_EMAIL_TAKEN",
    });

    const list = await call("GET", "/api/v1/users?limit=1&sort=email&role=VIEWER&role=ADMIN", { cookie: admin });
    expect(list.body).toMatchObject({ total: { exact: true } });
    expect((await call("GET", "/api/v1/users?cursor=not-a-cursor", { cookie: admin })).body).toMatchObject({ code: "INVALID_CURSOR" });
    expect((await call("GET", "/api/v1/users?limit=1000", { cookie: admin })).body).toMatchObject({ code: "VALIDATION_FAILED" });

    const read = await call("GET", `/api/v1/users/${id}`, { cookie: admin });
    const etag = read.headers.get("etag") ?? "";
    expect((await call("GET", `/api/v1/users/${id}`, { cookie: admin, headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await call("GET", "/api/v1/users/no-such-user", { cookie: admin })).body).toMatchObject({ code: "USER_NOT_FOUND" });

    const merge = { "content-type": "application/merge-patch+json" };
    expect((await call("PATCH", `/api/v1/users/${id}`, json(admin, { name: "G." }, merge))).body).toMatchObject({ code: "PRECONDITION_REQUIRED" });
    const patched = await call("PATCH", `/api/v1/users/${id}`, json(admin, { name: "Grace H." }, { ...merge, "if-match": etag }));
    expect(patched.body).toMatchObject({ name: "Grace H.", version: 2 });
    const stale = await call("PATCH", `/api/v1/users/${id}`, json(admin, { name: "G." }, { ...merge, "if-match": etag }));
    expect(stale.body).toMatchObject({ code: "USER_VERSION_CONFLICT" });

    const current = patched.headers.get("etag") ?? "";
    expect((await call("DELETE", `/api/v1/users/${id}`, { cookie: admin, headers: { "if-match": current } })).status).toBe(204);
    expect((await call("POST", `/api/v1/users/${id}/restore`, { cookie: admin })).body).toMatchObject({ id, deletedAt: null });
  });

  it("users bulk: by id and by filter, with a failure per user; an invalid body; a role without the permission", async () => {
    const made = await call("POST", "/api/v1/users", json(admin, { email: "bulk@example.com", name: "Bulk", role: "VIEWER" }));
    const id = String(made.body.id);
    const byIds = await call("POST", "/api/v1/users/bulk", json(admin, { action: "disable", ids: [id, "00000000-0000-4000-8000-000000000000"] }));
    expect(byIds.body).toMatchObject({ matched: 2, succeeded: 1, failed: [{ code: "USER_NOT_FOUND" }] });
    const byFilter = await call("POST", "/api/v1/users/bulk", json(admin, { action: "set-role", role: "EDITOR", filter: { q: "bulk@", status: ["DISABLED"] } }));
    expect(byFilter.body).toEqual({ matched: 1, succeeded: 1, skipped: 0, failed: [] });
    expect((await call("POST", "/api/v1/users/bulk", json(admin, { action: "disable" }))).body).toMatchObject({ code: "VALIDATION_FAILED" });
    const viewer = await freshViewer();
    expect((await call("POST", "/api/v1/users/bulk", json(viewer, { action: "enable", ids: [id] }))).body).toMatchObject({ code: "FORBIDDEN" });
  });

  it("refusals: no caller, a role without the permission, a cross-site request, the last admin", async () => {
    expect((await call("GET", "/api/v1/users")).body).toMatchObject({ code: "UNAUTHENTICATED" });
    // A viewer of its own: the throttling test above locked vic out.
    const cookie = await freshViewer();
    expect((await call("POST", "/api/v1/users", json(cookie, { email: "x@example.com", name: "X", role: "VIEWER" }))).body).toMatchObject({
      code: "FORBIDDEN",
    });
    const crossSite = await call("POST", "/api/v1/invitations", {
      cookie: admin,
      body: { email: "y@example.com", name: "Y", role: "VIEWER" },
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.body).toMatchObject({ code: "CSRF_REJECTED" });
    const me = await call("GET", "/api/v1/session", { cookie: admin });
    const adminId = isObject(me.body.user) ? String(me.body.user.id) : "";
    const etag = (await call("GET", `/api/v1/users/${adminId}`, { cookie: admin })).headers.get("etag") ?? "";
    expect((await call("DELETE", `/api/v1/users/${adminId}`, { cookie: admin, headers: { "if-match": etag } })).body).toMatchObject({
      code: "LAST_ADMIN",
    });
  });

  it("invitations: invite, accept, and a used link", async () => {
    const invited = await call("POST", "/api/v1/invitations", json(admin, { email: "lin@example.com", name: "Lin", role: "EDITOR" }));
    expect(invited.status).toBe(201);
    const token = decodeURIComponent(String(invited.body.invitationUrl).split("/").at(-1) ?? "");
    expect((await call("POST", "/api/v1/invitations/accept", { body: { token, password: PASSWORD } })).status).toBe(200);
    expect((await call("POST", "/api/v1/invitations/accept", { body: { token, password: PASSWORD } })).status).toBe(410);
  });

  it("API tokens: create, list, use, revoke", async () => {
    const created = await call("POST", "/api/v1/tokens", json(admin, { name: "ci", role: "VIEWER" }));
    expect(created.status).toBe(201);
    const secret = String(created.body.secret);
    expect(secret).toMatch(/^uct_/);
    expect((await call("GET", "/api/v1/tokens", { cookie: admin })).status).toBe(200);
    expect((await call("GET", "/api/v1/users", { bearer: secret })).status).toBe(200);
    expect((await call("GET", "/api/v1/session", { bearer: secret })).body).toMatchObject({ kind: "token" });
    expect((await call("GET", "/api/v1/tokens", { bearer: secret })).body).toMatchObject({ code: "FORBIDDEN" });
    const id = isObject(created.body.token) ? String(created.body.token.id) : "";
    expect((await call("DELETE", `/api/v1/tokens/${id}`, { cookie: admin })).status).toBe(204);
    expect((await call("DELETE", "/api/v1/tokens/no-such-token", { cookie: admin })).body).toMatchObject({ code: "TOKEN_NOT_FOUND" });
  });

  it("live events: a stream of changes, read whole once its session has ended", async () => {
    const viewer = await freshViewer();
    const stream = call("GET", "/api/v1/events", { cookie: viewer });
    expect((await api.call("DELETE", "/api/v1/session", { cookie: viewer })).status).toBe(204);
    const answered = await stream;
    expect(answered.status).toBe(200);
    expect(answered.headers.get("content-type")).toBe("text/event-stream");
  });

  it("webhooks: add (secret once), list, read, change, rotate, the delivery log, resend, remove; refused URLs and unknown ids", async () => {
    const created = await call("POST", "/api/v1/webhooks", json(admin, { url: "https://hooks.example.com/in", eventTypes: ["user.created"] }));
    expect(created.status).toBe(201);
    expect(String(created.body.secret)).toMatch(/^whsec_/);
    const id = isObject(created.body.endpoint) ? String(created.body.endpoint.id) : "";
    expect((await call("POST", "/api/v1/webhooks", json(admin, { url: "http://127.0.0.1/hook" }))).body).toMatchObject({ code: "WEBHOOK_URL_REFUSED" });
    expect((await call("POST", "/api/v1/webhooks", json(admin, { url: "ftp://example.com/hook" }))).body).toMatchObject({ code: "VALIDATION_FAILED" });
    expect((await call("GET", "/api/v1/webhooks", { cookie: admin })).body.items).toHaveLength(1);
    expect((await call("GET", `/api/v1/webhooks/${id}`, { cookie: admin })).body).toMatchObject({ id, enabled: true });
    expect((await call("PATCH", `/api/v1/webhooks/${id}`, json(admin, { enabled: false }))).body).toMatchObject({ enabled: false, version: 2 });
    expect((await call("POST", `/api/v1/webhooks/${id}/rotate-secret`, { cookie: admin })).body).toMatchObject({ secret: expect.stringMatching(/^whsec_/) });
    await call("PATCH", `/api/v1/webhooks/${id}`, json(admin, { enabled: true }));
    await api.unitOfWork.run(({ webhooks }) =>
      webhooks.enqueue(
        [{ eventId: "0190b000-0000-7000-8000-000000000001", eventType: "user.created", subject: { type: "user", id: "u1" }, sequence: 1, body: '{"id":"0190b000-0000-7000-8000-000000000001"}' }],
        new Date(),
      ),
    );
    const log = await call("GET", `/api/v1/webhooks/${id}/deliveries?limit=10`, { cookie: admin });
    expect(log.body).toMatchObject({ items: [{ status: "pending", eventType: "user.created" }], nextCursor: null });
    const deliveryId = Array.isArray(log.body.items) && isObject(log.body.items[0]) ? String(log.body.items[0].id) : "";
    expect((await call("POST", `/api/v1/webhooks/${id}/deliveries/${deliveryId}/resend`, { cookie: admin })).status).toBe(202);
    expect((await call("POST", `/api/v1/webhooks/${id}/deliveries/no-such-delivery/resend`, { cookie: admin })).body).toMatchObject({
      code: "WEBHOOK_DELIVERY_NOT_FOUND",
    });
    expect((await call("GET", `/api/v1/webhooks/${id}/deliveries?cursor=nope`, { cookie: admin })).body).toMatchObject({ code: "INVALID_CURSOR" });
    expect((await call("DELETE", `/api/v1/webhooks/${id}`, { cookie: admin })).status).toBe(204);
    expect((await call("GET", `/api/v1/webhooks/${id}`, { cookie: admin })).body).toMatchObject({ code: "WEBHOOK_NOT_FOUND" });
  });

  it("imports: upload (text/csv, replayed by Idempotency-Key), list, read with row errors, events; a bad file; unknown; preview", async () => {
    const csv = "email,name,role\nimp1@example.com,Imp One,VIEWER\nnot-an-email,Bad,\n";
    const headers = { "content-type": "text/csv", "idempotency-key": "contract-import-1" };
    const started = await call("POST", "/api/v1/imports", { cookie: admin, rawBody: csv, headers });
    expect(started.status).toBe(202);
    const id = String(started.body.id);
    expect(started.headers.get("location")).toBe(`/api/v1/imports/${id}`);
    expect((await call("POST", "/api/v1/imports", { cookie: admin, rawBody: csv, headers })).headers.get("idempotent-replayed")).toBe("true");
    // The event stream ends with the job, so reading it whole waits for it.
    const events = await call("GET", `/api/v1/imports/${id}/events`, { cookie: admin });
    expect(events.status).toBe(200);
    const read = await call("GET", `/api/v1/imports/${id}`, { cookie: admin });
    expect(read.body).toMatchObject({ status: "succeeded", counts: { created: 1, failed: 1 }, errors: { items: [{ line: 3 }] } });
    expect((await call("GET", "/api/v1/imports?limit=5", { cookie: admin })).body).toMatchObject({ items: [{ id }] });
    const bad = await call("POST", "/api/v1/imports", { cookie: admin, rawBody: "nope\n", headers: { "content-type": "text/csv" } });
    expect(bad.body).toMatchObject({ code: "IMPORT_FILE_INVALID" });
    const preview = await call("POST", "/api/v1/imports/preview", { cookie: admin, rawBody: csv, headers: { "content-type": "text/csv" } });
    expect(preview.body).toMatchObject({ fileProblem: null, moreRows: false, rows: [{ line: 2, problem: expect.stringMatching(/exists/) }, { line: 3 }] });
    const refused = await call("POST", "/api/v1/imports/preview", { cookie: admin, rawBody: "nope\n", headers: { "content-type": "text/csv" } });
    expect(refused.body).toMatchObject({ fileProblem: expect.stringMatching(/^The header row/), rows: [] });
    const plain = await call("POST", "/api/v1/imports/preview", { cookie: admin, rawBody: csv, headers: { "content-type": "text/plain" } });
    expect(plain.body).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    expect((await call("GET", "/api/v1/imports/no-such-import", { cookie: admin })).body).toMatchObject({ code: "IMPORT_NOT_FOUND" });
    const report = await call("GET", `/api/v1/imports/${id}/errors.csv`, { cookie: admin });
    expect(report.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect((await call("GET", "/api/v1/imports/no-such-import/errors.csv", { cookie: admin })).body).toMatchObject({ code: "IMPORT_NOT_FOUND" });
  });

  it("feature flags: list, read with ETag and 304, change with If-Match, history, revert, a user's flags", async () => {
    expect((await call("GET", "/api/v1/flags", { cookie: admin })).body).toMatchObject({ items: [{ key: "bulk-import" }, {}, {}] });
    const read = await call("GET", "/api/v1/flags/users-table-density", { cookie: admin });
    const etag = read.headers.get("etag") ?? "";
    expect(read.body).toMatchObject({ key: "users-table-density", managedBy: "local", serving: { variation: "comfortable", percent: 100 } });
    expect((await call("GET", "/api/v1/flags/users-table-density", { cookie: admin, headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await call("GET", "/api/v1/flags/no-such-flag", { cookie: admin })).body).toMatchObject({ code: "FLAG_NOT_FOUND" });

    const path = "/api/v1/flags/users-table-density";
    expect((await call("PATCH", path, json(admin, { on: false }))).body).toMatchObject({ code: "PRECONDITION_REQUIRED" });
    const rollout = { rollout: { variations: [{ variation: 0, weight: 30_000 }, { variation: 2, weight: 60_000 }] } };
    expect((await call("PATCH", path, json(admin, { fallthrough: rollout }, { "if-match": etag }))).body).toMatchObject({ code: "FLAG_INVALID" });
    const changed = await call("PATCH", path, json(admin, { fallthrough: { variation: 2 } }, { "if-match": etag }));
    expect(changed.body).toMatchObject({ version: 2, serving: { variation: "spacious" }, lastChange: { action: "flag.updated" } });
    expect((await call("PATCH", path, json(admin, { on: false }, { "if-match": etag }))).body).toMatchObject({ code: "FLAG_VERSION_CONFLICT" });
    const history = await call("GET", `${path}/history?limit=10`, { cookie: admin });
    expect(history.body).toMatchObject({ items: [{ action: "flag.updated" }, { action: "flag.created" }] });
    const reverted = await call("POST", `${path}/revert`, json(admin, { version: 1 }, { "if-match": changed.headers.get("etag") ?? "" }));
    expect(reverted.body).toMatchObject({ version: 3, serving: { variation: "comfortable" }, lastChange: { action: "flag.reverted" } });

    const me = await call("GET", "/api/v1/session", { cookie: admin });
    const adminId = isObject(me.body.user) ? String(me.body.user.id) : "";
    expect((await call("GET", "/api/v1/session/flags", { cookie: admin })).body).toMatchObject({ items: [{ key: "bulk-import", value: true }, {}, {}] });
    const mine = await call("GET", `/api/v1/users/${adminId}/flags`, { cookie: admin });
    expect(mine.body).toMatchObject({ items: [{ key: "bulk-import", value: true, reason: "FALLTHROUGH" }, {}, {}] });
    expect((await call("GET", "/api/v1/users/no-such-user/flags", { cookie: admin })).body).toMatchObject({ code: "USER_NOT_FOUND" });
    const viewer = await freshViewer();
    expect((await call("PATCH", path, json(viewer, { on: false }, { "if-match": '"3"' }))).body).toMatchObject({ code: "FORBIDDEN" });
  });

  it("flag-gated answers: read-only mode (503 with Retry-After) and imports turned off (404)", async () => {
    const flip = async (key: string, on: boolean) => {
      const etag = (await call("GET", `/api/v1/flags/${key}`, { cookie: admin })).headers.get("etag") ?? "";
      const changed = await call("PATCH", `/api/v1/flags/${key}`, json(admin, { on, fallthrough: { variation: 0 } }, { "if-match": etag }));
      expect(changed.status).toBe(200);
    };
    await flip("ops-read-only-mode", true);
    try {
      const refused = await call("POST", "/api/v1/users", json(admin, { email: "ro@example.com", name: "Ro", role: "VIEWER" }));
      expect(refused.body).toMatchObject({ code: "READ_ONLY_MODE" });
      expect(refused.headers.get("retry-after")).toBe("60");
      expect((await call("GET", "/api/v1/users?limit=1", { cookie: admin })).status).toBe(200);
    } finally {
      await flip("ops-read-only-mode", false);
    }
    await flip("bulk-import", false);
    try {
      expect((await call("GET", "/api/v1/imports", { cookie: admin })).body).toMatchObject({ code: "FEATURE_OFF" });
    } finally {
      await flip("bulk-import", true);
    }
  });

  it("users in numbers", async () => {
    const stats = await call("GET", "/api/v1/users/stats", { cookie: admin });
    expect(stats.status).toBe(200);
    expect(Array.isArray(stats.body.signupsPerDay) && stats.body.signupsPerDay.length).toBe(90);
  });

  it("service traffic", async () => {
    const traffic = await call("GET", "/api/v1/service/traffic", { cookie: admin });
    expect(traffic.status).toBe(200);
    expect(traffic.body).toMatchObject({ scope: "this-process" });
    expect(Array.isArray(traffic.body.items) && traffic.body.items.length).toBe(60);
  });

  it("audit log", async () => {
    const page = await call("GET", "/api/v1/audit-events?limit=5", { cookie: admin });
    expect(page.status).toBe(200);
    expect(Array.isArray(page.body.items) && page.body.items.length).toBe(5);
  });

  it("users export (text/csv) and overview, including a refusal and an unknown user naming its part", async () => {
    const exported = await call("GET", "/api/v1/users/export.csv?role=ADMIN&sort=email", { cookie: admin });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const viewer = await freshViewer();
    expect((await call("GET", "/api/v1/users/export.csv?includeDeleted=true", { cookie: viewer })).body).toMatchObject({ code: "FORBIDDEN" });

    const me = await call("GET", "/api/v1/session", { cookie: admin });
    const adminId = isObject(me.body.user) ? String(me.body.user.id) : "";
    const overview = await call("GET", `/api/v1/users/${adminId}/overview`, { cookie: admin });
    expect(overview.body).toMatchObject({ user: { id: adminId }, omitted: [] });
    expect((await call("GET", `/api/v1/users/${adminId}/overview`, { cookie: viewer })).body).toMatchObject({
      omitted: [{ part: "audit" }, { part: "sessions" }],
    });
    expect((await call("GET", "/api/v1/users/no-such-user/overview", { cookie: admin })).body).toMatchObject({
      code: "USER_NOT_FOUND",
      part: "user",
    });
  });

  it("the document itself: served as built, public, revalidated by ETag", async () => {
    const served = await call("GET", "/api/openapi.json");
    expect(served.body).toEqual(JSON.parse(JSON.stringify(document)));
    expect(served.headers.get("cache-control")).toMatch(/^public/);
    const etag = served.headers.get("etag") ?? "";
    expect((await call("GET", "/api/openapi.json", { headers: { "if-none-match": etag } })).status).toBe(304);
  });

  it("every body-taking operation accepts each media type the document lists, and refuses others with 415", async () => {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item ?? {})) {
        if (!isObject(operation) || !isObject(operation.requestBody)) continue;
        const url = path.replaceAll(/\{[^}]+\}/g, "no-such-id");
        const verb = method.toUpperCase();
        if (!isMethod(verb)) throw new Error(`${method} ${path}: not a method the harness calls`);
        const send = (type: string) => api.call(verb, url, { cookie: admin, rawBody: "{}", headers: { "content-type": type } });
        for (const type of Object.keys(resolved(operation.requestBody).content ?? {})) {
          expect((await send(type)).status, `${method.toUpperCase()} ${path} as ${type}`).not.toBe(415);
        }
        expect((await send("text/plain")).status, `${method.toUpperCase()} ${path} as text/plain`).toBe(415);
      }
    }
  });
});

describe("the contract check itself", () => {
  it("rejects a body with a field the document does not list, or without one it requires", async () => {
    const created = await api.call("POST", "/api/v1/users", json(admin, { email: "zed@example.com", name: "Zed", role: "VIEWER" }));
    const user: Json = await created.json();
    const validateUser = ajv.getSchema(pointer("components", "schemas", "User"));
    if (!validateUser) throw new Error("no User schema");
    expect(validateUser(user)).toBe(true);
    expect(validateUser({ ...user, passwordHash: "x" })).toBe(false);
    const { email: _email, ...withoutEmail } = user;
    expect(validateUser(withoutEmail)).toBe(false);
    expect(validateUser({ ...user, createdAt: "yesterday" })).toBe(false);
  });

  it("fails on a status the document does not list for the operation", async () => {
    await expect(expectDocumented("GET", "/api/v1/session", new Response(null, { status: 418 }))).rejects.toThrow(/does not list/);
  });
});

describe("past the request's deadline", () => {
  let slow: Harness;
  beforeAll(async () => {
    // A password check that never finishes, and a deadline of 1 ms: the wrapper must answer 504 regardless.
    slow = await createApiHarness({
      hasher: { hash: fastTestHasher.hash, verify: () => new Promise<boolean>(() => {}) },
      config: { REQUEST_TIMEOUT_MS: 1 },
    });
    await slow.createUser({ email: "ada@example.com", role: "ADMIN", password: PASSWORD });
  });

  it("answers 504 DEADLINE_EXCEEDED as documented", async () => {
    const response = await slow.call("POST", "/api/v1/session", { body: { email: "ada@example.com", password: PASSWORD } });
    expect(response.status).toBe(504);
    expect(await expectDocumented("POST", "/api/v1/session", response)).toMatchObject({ code: "DEADLINE_EXCEEDED" });
  });
});

describe("coverage of the contract check", () => {
  it("called every documented operation at least once", () => {
    const all = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const untested = all.filter((key) => !exercised.has(key));
    expect(untested, "Call these in test/api/openapi.test.ts and check their answers with call()").toEqual([]);
  });
});

function isMethod(method: string): method is Method {
  return METHODS.some((known) => known === method);
}

async function freshViewer(): Promise<string> {
  const email = `viewer-${Date.now()}@example.com`;
  await api.createUser({ email, role: "VIEWER", password: PASSWORD });
  return api.signIn(email, PASSWORD);
}
