/**
 * The REST API as the production server answers it, now that `/api/**` no longer goes through Next (issue 16,
 * docs/decisions/010): bearer token and cookie, conditional requests (304, 412), an idempotent POST replayed,
 * HEAD and OPTIONS, the trailing-slash redirect, problem+json 404 and 405 with Allow, whole JSON bodies with
 * Content-Length, compression only when asked for, and the API's own fixed Content-Security-Policy.
 */
import { request } from "node:http";
import { gunzipSync } from "node:zlib";

import { beforeAll, describe, expect, it } from "vitest";

import { firstSignIn } from "../test/support/http-accounts";
import { serversOnTestDatabase } from "../test/support/servers-on-test-database";

const testbed = serversOnTestDatabase("api_dispatch");
let base: string;
let cookie: string;
let bearer: string;

beforeAll(async () => {
  base = (await testbed.start()).baseUrl;
  cookie = await firstSignIn(base);
  const token = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { origin: base, cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "dispatch", role: "ADMIN" }),
  });
  expect(token.status).toBe(201);
  bearer = `Bearer ${(await token.json()).secret}`;
});

const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${base}${path}`, { redirect: "manual", ...init, headers: { authorization: bearer, ...init.headers } });

const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = await response.json();
  expect(body).toMatchObject({ status, code });
  expect(body.requestId).toBe(response.headers.get("x-request-id"));
  return body;
}

describe("the API on the production server", () => {
  it("answers a bearer token and a session cookie alike, and refuses neither", async () => {
    const byToken = await api("/api/v1/session");
    expect(byToken.status).toBe(200);
    expect((await byToken.json()).token).toMatchObject({ name: "dispatch", role: "ADMIN" });
    const byCookie = await fetch(`${base}/api/v1/session`, { headers: { cookie } });
    expect(byCookie.status).toBe(200);
    expect((await byCookie.json()).user).toMatchObject({ email: "admin@example.com" });
    await expectProblem(await fetch(`${base}/api/v1/users`), 401, "UNAUTHENTICATED");
    await expectProblem(await api("/api/v1/users", { headers: { authorization: "Bearer uct_not-a-token" } }), 401, "UNAUTHENTICATED");
  });

  it("creates once under an Idempotency-Key, answers 304 to a current ETag and 412 to a stale one", async () => {
    const create = json("POST", { email: "dispatch@example.com", name: "Dispatch" }, { "idempotency-key": "dispatch-1" });
    const created = await api("/api/v1/users", create);
    expect(created.status).toBe(201);
    const user = await created.json();
    const replayed = await api("/api/v1/users", create);
    expect(replayed.status).toBe(201);
    expect((await replayed.json()).id).toBe(user.id);

    const read = await api(`/api/v1/users/${user.id}`);
    const etag = read.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"/);
    expect(read.headers.get("content-length")).toBe(String(Buffer.byteLength(await read.text())));
    const notModified = await api(`/api/v1/users/${user.id}`, { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");

    const renamed = await api(`/api/v1/users/${user.id}`, json("PATCH", { name: "Renamed" }, { "if-match": etag }));
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get("etag")).not.toBe(etag);
    await expectProblem(await api(`/api/v1/users/${user.id}`, json("PATCH", { name: "Again" }, { "if-match": etag })), 412, "USER_VERSION_CONFLICT");
  });

  it("answers HEAD as GET without a body, OPTIONS with Allow, and redirects a trailing slash", async () => {
    const head = await api("/api/v1/users?limit=1", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await head.text()).toBe("");

    const options = await api("/api/v1/users/00000000-0000-4000-8000-000000000000", { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("DELETE, GET, HEAD, OPTIONS, PATCH");

    const slash = await api("/api/v1/users/?limit=5");
    expect(slash.status).toBe(308);
    expect(slash.headers.get("location")).toBe("/api/v1/users?limit=5");
  });

  it("answers an unknown path 404 and an unsupported method 405 with Allow, both problem+json", async () => {
    const missing = await expectProblem(await api("/api/v1/nothing-here"), 404, "NOT_FOUND");
    expect(missing.detail).toContain("/api/openapi.json");
    const notAllowed = await api("/api/v1/users", { method: "PUT" });
    expect(notAllowed.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
    await expectProblem(notAllowed, 405, "METHOD_NOT_ALLOWED");
  });

  it("answers a Host header no URL can be made of as the client's mistake (422 problem+json), not a 500", async () => {
    const { hostname, port } = new URL(base);
    const answer = await new Promise<{ status: number | undefined; type: string | undefined; body: string }>((resolve, reject) => {
      request({ hostname, port, path: "/api/v1/users", headers: { host: "a b" } }, (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode, type: response.headers["content-type"], body }));
      })
        .on("error", reject)
        .end();
    });
    expect(answer.status).toBe(422);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("answers a page address that is not valid percent-encoded UTF-8 as the client's mistake (400), not a 500", async () => {
    for (const path of ["/invitations/x%E0%A4%A", "/users/%zz"]) {
      const answer = await fetch(`${base}${path}`, { redirect: "manual" });
      expect(answer.status, path).toBe(400);
      expect(await answer.text()).toMatch(/not valid percent-encoded UTF-8/);
    }
    expect((await fetch(`${base}/users/%C3%A9`, { redirect: "manual" })).status).not.toBe(400);
  });

  it("compresses only for a client that asks, and sends the API's fixed Content-Security-Policy", async () => {
    // The OpenAPI document: well over compression's 1 kB threshold.
    const plain = await fetch(`${base}/api/openapi.json`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(plain.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    const body = await plain.text();
    expect(plain.headers.get("content-length")).toBe(String(Buffer.byteLength(body)));

    // Through node:http directly: fetch would decode the body and hide the encoding.
    const gzipped = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(`${base}/api/openapi.json`, { headers: { "accept-encoding": "gzip" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ encoding: response.headers["content-encoding"], body: Buffer.concat(chunks) }));
      })
        .on("error", reject)
        .end();
    });
    expect(gzipped.encoding).toBe("gzip");
    expect(gunzipSync(gzipped.body).toString("utf8")).toBe(body);
  });
});
