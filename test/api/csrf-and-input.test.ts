/**
 * CSRF refusals (issue 4 item 8) and bad input (issue 4, "Bad input"): each refusal is its own test, each answer
 * is problem+json, and no client mistake yields a 5xx.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { createApiHarness, fastTestHasher, ORIGIN } from "../support/api-harness";

let api: Awaited<ReturnType<typeof createApiHarness>>;
let cookie: string;
let token: string;

beforeAll(async () => {
  api = await createApiHarness({ hasher: fastTestHasher });
  await api.createUser({ email: "ada@example.com", role: "ADMIN", password: "correct horse battery" });
  cookie = await api.signIn("ada@example.com", "correct horse battery");
  const created = await api.call("POST", "/api/v1/tokens", { cookie, body: { name: "ci", role: "ADMIN" } });
  token = (await created.json()).secret;
});

const invite = { email: "new@example.com", name: "New", role: "VIEWER" };

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = await response.json();
  expect(body).toMatchObject({ status, code });
  return body;
}

describe("CSRF: a cookie-authenticated mutation is refused", () => {
  it("without an Origin header", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: invite, sameOrigin: false, headers: { "x-requested-with": "fetch" } });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });

  it("with Origin: null (sandboxed frames, some redirects)", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: invite, headers: { origin: "null" } });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });

  it("from another origin", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: invite, headers: { origin: "https://evil.example" } });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });

  it("from a sibling port of the same host", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: invite, headers: { origin: "http://localhost:3001" } });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });

  it("sent as a form (urlencoded body, no custom header), as a cross-site HTML form would", async () => {
    const response = await api.call("POST", "/api/v1/invitations", {
      cookie,
      sameOrigin: false,
      rawBody: "email=new%40example.com&name=New&role=VIEWER",
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
    });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });

  it("without a body and without X-Requested-With", async () => {
    const response = await api.call("DELETE", "/api/v1/session", { cookie, sameOrigin: false, headers: { origin: ORIGIN } });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });

  it("with a Host header that is not a host (no origin can be same-origin with it)", async () => {
    for (const host of ["%00", "exa mple.com"]) {
      const response = await api.call("POST", "/api/v1/invitations", {
        cookie,
        body: invite,
        headers: { host, origin: "http://localhost" },
      });
      await expectProblem(response, 403, "CSRF_REJECTED");
    }
  });

  it("including sign-in itself (login CSRF)", async () => {
    const response = await api.call("POST", "/api/v1/session", {
      body: { email: "ada@example.com", password: "correct horse battery" },
      headers: { origin: "https://evil.example" },
    });
    await expectProblem(response, 403, "CSRF_REJECTED");
  });
});

describe("CSRF: what passes", () => {
  it("a same-origin JSON mutation with the session cookie", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: { ...invite, email: "ok@example.com" } });
    expect(response.status).toBe(201);
  });

  it("a bearer-token mutation with no Origin at all (services are not browsers)", async () => {
    // Tokens may not invite (issue 18): a user they may create instead.
    const response = await api.call("POST", "/api/v1/users", {
      bearer: token,
      sameOrigin: false,
      body: { email: "svc@example.com", name: "Service", role: "VIEWER", status: "ACTIVE" },
    });
    expect(response.status).toBe(201);
  });

  it("a cross-origin GET (reads change nothing; the cookie's SameSite=Lax and CORS keep the answer private)", async () => {
    const response = await api.call("GET", "/api/v1/session", { cookie, headers: { origin: "https://evil.example" } });
    expect(response.status).toBe(200);
  });
});

describe("bad input", () => {
  it("answers 413 for a body over 1 MB, by Content-Length or by its actual size", async () => {
    const big = JSON.stringify({ ...invite, name: "x".repeat(1024 * 1024) });
    await expectProblem(await api.call("POST", "/api/v1/invitations", { cookie, rawBody: big, headers: { "content-type": "application/json" } }), 413, "BODY_TOO_LARGE");
    const lying = await api.call("POST", "/api/v1/invitations", {
      cookie,
      rawBody: JSON.stringify(invite),
      headers: { "content-type": "application/json", "content-length": String(2 * 1024 * 1024) },
    });
    await expectProblem(lying, 413, "BODY_TOO_LARGE");
  });

  it("answers 400 for malformed JSON", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, rawBody: '{"email": ', headers: { "content-type": "application/json" } });
    await expectProblem(response, 400, "MALFORMED_JSON");
  });

  it("answers 415 for a body that is not JSON", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, rawBody: "<user/>", headers: { "content-type": "application/xml" } });
    await expectProblem(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("rejects unknown fields, naming them", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: { ...invite, isAdmin: true } });
    const problem = await expectProblem(response, 422, "VALIDATION_FAILED");
    expect(JSON.stringify(problem.errors)).toContain("isAdmin");
  });

  it("names each invalid field with its path", async () => {
    const response = await api.call("POST", "/api/v1/invitations", { cookie, body: { email: "nope", name: "", role: "ROOT" } });
    const problem = await expectProblem(response, 422, "VALIDATION_FAILED");
    expect(problem.errors.map((e: { path: string[] }) => e.path[0]).sort()).toEqual(["email", "name", "role"]);
  });

  it("answers wrong types, prototype keys, NUL bytes and lone surrogates without a 5xx or a stack", async () => {
    const bodies = [
      "[]",
      "null",
      '"text"',
      '{"email": 1, "name": {}, "role": []}',
      '{"__proto__": {"role": "ADMIN"}, "email": "a@example.com", "name": "A", "role": "VIEWER"}',
      '{"constructor": {"prototype": {}}}',
      JSON.stringify({ email: "a\u0000@example.com", name: "N\u0000", role: "VIEWER" }),
      '{"email": "\\ud800@example.com", "name": "\\udfff", "role": "VIEWER"}',
    ];
    for (const rawBody of bodies) {
      const response = await api.call("POST", "/api/v1/invitations", { cookie, rawBody, headers: { "content-type": "application/json" } });
      expect(response.status, rawBody).toBeGreaterThanOrEqual(400);
      expect(response.status, rawBody).toBeLessThan(500);
      const text = await response.text();
      expect(text).not.toMatch(/at .*\(.*:\d+:\d+\)|node_modules|Error:/);
    }
  });

  it("keeps a query parameter named __proto__ a parameter: refused by a strict query, never a prototype", async () => {
    const audit = await api.call("GET", "/api/v1/audit-events?__proto__=a&__proto__=b", { cookie });
    const body = await expectProblem(audit, 422, "VALIDATION_FAILED");
    expect(body.detail).toContain("__proto__");
    expect((await api.call("GET", "/api/v1/audit-events?__proto__=x", { cookie })).status).toBe(422);
    // The users listing refuses it by name too; its own parameters (sort, say) are not shadowed by inherited ones.
    const users = await api.call("GET", "/api/v1/users?__proto__=a&__proto__=b", { cookie });
    expect((await expectProblem(users, 422, "VALIDATION_FAILED")).detail).toContain("Unknown parameter(s): __proto__");
  });

  it("answers 422 for a malformed If-Match and 428 without one", async () => {
    const viewer = await api.createUser({ email: "v@example.com", role: "VIEWER" });
    await expectProblem(await api.call("PATCH", `/api/v1/users/${viewer.id}`, { cookie, body: { name: "V" } }), 428, "PRECONDITION_REQUIRED");
    await expectProblem(
      await api.call("PATCH", `/api/v1/users/${viewer.id}`, { cookie, body: { name: "V" }, headers: { "if-match": "v1" } }),
      422,
      "VALIDATION_FAILED",
    );
  });

  it("answers a malformed bearer token with 401, not a fall-back to the cookie", async () => {
    const response = await api.call("GET", "/api/v1/session", { cookie, headers: { authorization: "Bearer not a token!" } });
    await expectProblem(response, 401, "UNAUTHENTICATED");
  });
});
