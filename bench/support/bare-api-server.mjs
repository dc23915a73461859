// @ts-check
/**
 * The baseline of bench/api.ts (issue 16): the Node ceiling for our API's hot endpoints. Plain node:http and a
 * pg Pool, no framework, no auth, no validation beyond what keeps a query well-formed. It runs the statements
 * the app runs for the same request (read from PostgreSQL's log with log_statement='all'; bench/api.ts prints
 * them again on every run) without the app's BEGIN / pg_backend_pid() / COMMIT around reads and without the
 * token lookup, and answers the same JSON as lib/http/representations.ts's userJson.
 *
 *   DATABASE_URL=postgres://... PORT=4000 DB_POOL_SIZE=10 node bench/support/bare-api-server.mjs
 *
 *   GET   /api/v1/users/{id}                     USER_BY_ID
 *   GET   /api/v1/users?limit=N[&q=term]         PAGE[_SEARCH], then CAPPED_COUNT[_SEARCH], then ESTIMATE[_SEARCH]
 *                                                when the capped count overflows (as the app's total does)
 *   PATCH /api/v1/users/{id} + If-Match          BEGIN, PATCH_NAME, AUDIT_INSERT, COMMIT
 *   GET   /ready                                 200 once listening (bench/api.ts polls it)
 *
 * FETCH_OBJECTS=1: the same, but each request becomes a Fetch `Request` and each answer a `Response` written back
 * whole, as the app's dispatch does it (server/api-server.ts: @remix-run/node-fetch-server's createRequest, then
 * sendWhole). The app's handlers take a Request and return a Response (lib/http/route.ts), so this is the most
 * the app could reach with all its own work (auth, deadline, breaker, metrics, log, traces) free.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

import { createRequest } from "@remix-run/node-fetch-server";
import pg from "pg";

// ── The SQL, to keep aligned with the app's ────────────────────────────────────────────────────────────────
// The app's statements come from Prisma (lib/adapters/prisma/prisma-user-repository.ts); Prisma writes them with
// "public"."users"."col" qualifiers, `AND 1=1` and `LIMIT $n OFFSET 0`, which change nothing in the plan. All
// are sent as unnamed extended-protocol statements (pool.query with values), as adapter-pg sends Prisma's.

/** The user columns, as Prisma selects them (enums cast to text). userJson is built from these. */
const USER_COLUMNS = `id, email, name, role::text AS role, status::text AS status, created_at, updated_at, version, deleted_at`;

/** GET /api/v1/users/{id}: Prisma's findUnique (app: + `AND 1=1 LIMIT 1 OFFSET 0`). $1 id. */
const USER_BY_ID = `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 LIMIT 1`;

/** GET /api/v1/users?limit=N: the first page, newest first, one extra row to tell whether a next page exists. $1 limit + 1. */
const PAGE = `SELECT ${USER_COLUMNS} FROM users WHERE deleted_at IS NULL
  ORDER BY created_at DESC, id DESC LIMIT $1`;

/** With q=: Prisma's `contains` + `mode: insensitive` on email OR name. $1, $2 the LIKE-escaped term; $3 limit + 1. */
const PAGE_SEARCH = `SELECT ${USER_COLUMNS} FROM users
  WHERE deleted_at IS NULL AND (email ILIKE ('%' || $1 || '%') OR name ILIKE ('%' || $2 || '%'))
  ORDER BY created_at DESC, id DESC LIMIT $3`;

/** The listing's total, exact up to 10,000 (EXACT_COUNT_LIMIT): the app's $queryRaw text. $1 10001. */
const CAPPED_COUNT = `SELECT count(*)::int AS n FROM (SELECT 1 FROM users WHERE TRUE AND deleted_at IS NULL LIMIT $1) AS capped`;

/** With q=. $1, $2 '%term%' (LIKE-escaped); $3 10001. */
const CAPPED_COUNT_SEARCH = `SELECT count(*)::int AS n FROM (SELECT 1 FROM users
  WHERE TRUE AND deleted_at IS NULL AND (email ILIKE $1 OR name ILIKE $2) LIMIT $3) AS capped`;

/** Past the cap, the planner's estimate (the app sends it as a simple query, no parameters). */
const ESTIMATE = `EXPLAIN (FORMAT JSON) SELECT 1 FROM users WHERE TRUE AND deleted_at IS NULL`;
/** With q=: the app interpolates nothing either; the term goes in as a parameter of the same statement. $1, $2 '%term%'. */
const ESTIMATE_SEARCH = `EXPLAIN (FORMAT JSON) SELECT 1 FROM users WHERE TRUE AND deleted_at IS NULL AND (email ILIKE $1 OR name ILIKE $2)`;

/**
 * PATCH /api/v1/users/{id} (name only, which is what the bench sends): the version bump, only at the version
 * If-Match names ($3 null for `*`: any current version) and only while not deleted. The self-join reads the
 * name before the change for the audit entry in the same statement. The app instead reads the user (twice, see
 * bench/api.ts's report), then runs Prisma's updateManyAndReturn: `SET email, name, role, status, version = $5,
 * updated_at = $6 WHERE id = $7 AND version = $8 AND deleted_at IS NULL RETURNING <user columns>`.
 * $1 id, $2 name, $3 expected version or null.
 */
const PATCH_NAME = `UPDATE users SET name = $2, version = users.version + 1, updated_at = now()
  FROM users AS before
  WHERE users.id = $1 AND before.id = users.id AND users.deleted_at IS NULL
    AND users.version = coalesce($3::int, users.version)
  RETURNING users.id, users.email, users.name, users.role::text AS role, users.status::text AS status,
    users.created_at, users.updated_at, users.version, users.deleted_at, before.name AS before_name`;

/** The audit entry the app appends (Prisma's auditEntry.create, which also RETURNINGs the row; unused here). */
const AUDIT_INSERT = `INSERT INTO audit_entries (id, action, actor_type, actor_id, actor, target_type, target_id, data, request_id, trace_id, created_at)
  VALUES ($1, 'user.updated', 'token', NULL, 'bench', 'user', $2, $3, $4, NULL, now())`;

const FETCH_OBJECTS = process.env.FETCH_OBJECTS === "1";
const EXACT_COUNT_LIMIT = 10_000;
const MAX_PAGE_SIZE = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});

/**
 * @typedef {{ id: string, email: string, name: string, role: string, status: string, created_at: Date,
 *   updated_at: Date, version: number, deleted_at: Date | null }} UserRow
 */

/** userJson (lib/http/representations.ts) of a row. @param {UserRow} row */
const userJson = (row) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  status: row.status,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

/**
 * @param {import("node:http").ServerResponse} response
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function send(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  if (FETCH_OBJECTS) return sendWhole(response, new Response(text, { status, headers: { "content-type": "application/json", ...headers } }));
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** server/api-server.ts's sendWhole. @param {import("node:http").ServerResponse} outgoing @param {Response} answer */
async function sendWhole(outgoing, answer) {
  const body = Buffer.from(await answer.arrayBuffer());
  for (const [name, value] of answer.headers) outgoing.setHeader(name, value);
  outgoing.setHeader("content-length", body.byteLength);
  outgoing.statusCode = answer.status;
  outgoing.end(body);
}

/**
 * What the handlers below read of a request: straight from node:http, or from the Fetch Request made of it.
 * @param {import("node:http").IncomingMessage} request @param {import("node:http").ServerResponse} response
 */
function incomingOf(request, response) {
  if (FETCH_OBJECTS) {
    const fetchRequest = createRequest(request, response);
    return {
      method: fetchRequest.method,
      url: new URL(fetchRequest.url),
      ifMatch: fetchRequest.headers.get("if-match") ?? undefined,
      text: () => fetchRequest.text(),
    };
  }
  const header = request.headers["if-match"];
  return {
    method: request.method ?? "GET",
    url: new URL(request.url ?? "/", "http://localhost"),
    ifMatch: typeof header === "string" ? header : undefined,
    text: async () => {
      let text = "";
      for await (const chunk of request) text += chunk;
      return text;
    },
  };
}

/** The app's escapeLike: `\`, `%` and `_` are LIKE's escape character and wildcards. @param {string} term */
const escapeLike = (term) => term.replace(/[\\%_]/g, "\\$&");

/** @param {URLSearchParams} params */
async function listUsers(params) {
  const limit = Math.min(Math.max(Number(params.get("limit") ?? 20) || 20, 1), MAX_PAGE_SIZE);
  const term = params.get("q")?.trim() ?? "";
  const like = escapeLike(term);
  // One after the other on the pool, as the app runs them (in one transaction there).
  const { rows } = term
    ? await pool.query(PAGE_SEARCH, [like, like, limit + 1])
    : await pool.query(PAGE, [limit + 1]);
  const pattern = `%${like}%`;
  const counted = term
    ? await pool.query(CAPPED_COUNT_SEARCH, [pattern, pattern, EXACT_COUNT_LIMIT + 1])
    : await pool.query(CAPPED_COUNT, [EXACT_COUNT_LIMIT + 1]);
  const n = Number(counted.rows[0]?.n ?? 0);
  let total = { count: n, exact: true };
  if (n > EXACT_COUNT_LIMIT) {
    const explained = term ? await pool.query(ESTIMATE_SEARCH, [pattern, pattern]) : await pool.query(ESTIMATE);
    const estimate = Math.round(Number(explained.rows[0]?.["QUERY PLAN"]?.[0]?.Plan?.["Plan Rows"] ?? 0));
    total = { count: Math.max(estimate, n), exact: false };
  }
  /** @type {UserRow[]} */
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  // The app's cursor (lib/domain/user-list.ts encodeCursor): base64url JSON of the boundary row and the sort.
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(
          JSON.stringify({ key: last.created_at.toISOString(), id: last.id, field: "createdAt", direction: "desc", towards: "next" }),
        ).toString("base64url")
      : null;
  return { items: items.map(userJson), nextCursor, prevCursor: null, total };
}

/** @param {string} id @param {string | undefined} ifMatch @param {string} bodyText */
async function patchUser(id, ifMatch, bodyText) {
  const expected = ifMatch === "*" ? null : /^"(\d{1,9})"$/.exec(ifMatch ?? "")?.[1];
  if (expected === undefined) return { status: 428, body: { title: "If-Match required" } };
  const name = JSON.parse(bodyText).name;
  if (typeof name !== "string") return { status: 422, body: { title: "name must be a string" } };
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query(PATCH_NAME, [id, name, expected === null ? null : Number(expected)]);
    /** @type {(UserRow & { before_name: string }) | undefined} */
    const row = rows[0];
    if (!row) {
      await client.query("ROLLBACK");
      return { status: 412, body: { title: "Not found or not at that version" } };
    }
    const data = { before: { name: row.before_name }, after: { name: row.name } };
    await client.query(AUDIT_INSERT, [randomUUID(), id, data, randomUUID()]);
    await client.query("COMMIT");
    return { status: 200, body: userJson(row), etag: `"${row.version}"` };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const server = createServer(async (request, response) => {
  try {
    const { method, url, ifMatch, text } = incomingOf(request, response);
    const byId = /^\/api\/v1\/users\/([^/]+)$/.exec(url.pathname)?.[1];
    if (method === "GET" && url.pathname === "/ready") return send(response, 200, { ready: true });
    if (method === "GET" && url.pathname === "/api/v1/users") return send(response, 200, await listUsers(url.searchParams));
    if (byId === undefined || !UUID.test(byId)) return send(response, 404, { title: "Not found" });
    if (method === "GET") {
      /** @type {{ rows: UserRow[] }} */
      const { rows } = await pool.query(USER_BY_ID, [byId]);
      const row = rows[0];
      if (!row || row.deleted_at !== null) return send(response, 404, { title: "Not found" });
      return send(response, 200, userJson(row), { etag: `"${row.version}"` });
    }
    if (method === "PATCH") {
      const result = await patchUser(byId, ifMatch?.trim(), await text());
      return send(response, result.status, result.body, result.etag ? { etag: result.etag } : {});
    }
    return send(response, 405, { title: "Method not allowed" });
  } catch (error) {
    console.error(error);
    if (!response.headersSent) send(response, 500, { title: "Internal error" });
  }
});

server.listen(Number(process.env.PORT ?? 4000), "127.0.0.1");

const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
