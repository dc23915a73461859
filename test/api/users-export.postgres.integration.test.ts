/**
 * The CSV export in constant memory (issue 6): 200,000 users on PostgreSQL, exported through the real handler
 * and the Prisma adapter, read as a stream by a streaming CSV parser. The live heap (measured after a forced
 * collection: the integration project runs with --expose-gc) must grow by less than 50 MB while the whole file
 * goes through, and every row must come back, once, in order, as stored.
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";

import { parse } from "csv-parse";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openPostgresHarness, type PostgresHarness } from "../support/database-harness";

const ROWS = 200_000;
const HEAP_BUDGET_BYTES = 50 * 1024 * 1024;
const PASSWORD = "correct horse battery";
/** created_at of user g is BASE - g ms: the default order (newest first) is g = 1, 2, 3, ... */
const BASE = new Date("2026-11-25T12:00:00.000Z");

let api: PostgresHarness;
let sql: pg.Pool;

beforeAll(async () => {
  api = await openPostgresHarness("users_export", { REQUEST_TIMEOUT_MS: "30000" });
  sql = new pg.Pool({ connectionString: api.databaseUrl, max: 2 });
});
afterAll(async () => {
  await sql?.end();
  await api?.close();
});

/** The name of bulk user g: a comma in every one (so every name is quoted), a formula in every 1000th. */
function nameOf(g: number): string {
  return g % 1000 === 0 ? `=HYPERLINK("http://x.example/${g}")` : `Bulk User, ${g}`;
}

function gc(): void {
  if (typeof global.gc !== "function") throw new Error("run with --expose-gc (vitest.config.ts, integration project)");
  global.gc();
}

describe("GET /users/export.csv on PostgreSQL, 200,000 users", () => {
  it("streams every row in constant memory: live heap +<50 MB, all rows once, in order, parsing back as stored", { timeout: 600_000 }, async () => {
    await sql.query(
      `INSERT INTO users (id, email, name, role, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'bulk' || g || '@load.example',
              CASE WHEN g % 1000 = 0 THEN '=HYPERLINK("http://x.example/' || g || '")' ELSE 'Bulk User, ' || g END,
              'VIEWER', CASE WHEN g % 7 = 0 THEN 'DISABLED' ELSE 'ACTIVE' END::"UserStatus",
              $1::timestamptz - g * interval '1 millisecond', $1::timestamptz - g * interval '1 millisecond'
       FROM generate_series(1, ${ROWS}) AS g`,
      [BASE.toISOString()],
    );
    await sql.query("ANALYZE users");
    // The caller is an ADMIN, outside the exported set (role=VIEWER).
    await api.createUser({ email: "exporter@staff.example", role: "ADMIN", password: PASSWORD });
    const cookie = await api.signIn("exporter@staff.example", PASSWORD);

    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const started = performance.now();
    const response = await api.call("GET", "/api/v1/users/export.csv?role=VIEWER", { cookie });
    const firstByteMs = performance.now() - started;
    expect(response.status).toBe(200);
    if (!response.body) throw new Error("no body");

    // Node's stream/web type and the DOM's ReadableStream are the same object at run time.
    const source = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
    const parser = source.pipe(parse({ columns: true, record_delimiter: "\r\n" }));
    let g = 0;
    const mismatches: string[] = [];
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      g++;
      const createdAt = new Date(BASE.getTime() - g).toISOString();
      const expected = {
        email: `bulk${g}@load.example`,
        // A formula cell comes back with the quote prefix that defused it.
        name: g % 1000 === 0 ? `'${nameOf(g)}` : nameOf(g),
        role: "VIEWER",
        status: g % 7 === 0 ? "DISABLED" : "ACTIVE",
        createdAt,
        updatedAt: createdAt,
        deletedAt: "",
      };
      const { id, ...rest } = record;
      if (mismatches.length < 5 && (JSON.stringify(rest) !== JSON.stringify(expected) || !/^[0-9a-f-]{36}$/.test(id ?? ""))) {
        mismatches.push(`row ${g}: ${JSON.stringify(record)} != ${JSON.stringify(expected)}`);
      }
      if (g % 10_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    const totalMs = performance.now() - started;
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);

    expect(mismatches).toEqual([]);
    expect(g).toBe(ROWS);
    const growth = peak - baseline;
    console.info(
      `users export: ${ROWS} rows, first byte ${firstByteMs.toFixed(0)} ms, all in ${(totalMs / 1000).toFixed(1)} s ` +
        `(${Math.round(ROWS / (totalMs / 1000))} rows/s), live heap +${(growth / 1024 / 1024).toFixed(1)} MB at most`,
    );
    expect(growth).toBeLessThan(HEAP_BUDGET_BYTES);
  });
});
