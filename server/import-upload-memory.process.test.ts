/**
 * Upload memory (issue 18, item 7), on the built server over PostgreSQL: ten 20 MB uploads at once from five API
 * tokens. Uploads are capped at 2 per principal and 4 per process (IMPORT_UPLOAD_CAPS), so 4 are taken and 6 are
 * refused 429 before their body is read: token A opens 3 (its third is refused by its own cap), then B, C, D and E
 * open 2, 2, 2 and 1 (2 are taken, 5 refused by the process's cap). The 4 taken ones then send their 20 MB each at
 * full speed, and the server's heap (V8's used heap plus external memory: Buffers, WebAssembly) is sampled from
 * /metrics every 50 ms until all 4 jobs have finished, the server running with a V8 heap limit of HEAP_LIMIT_MB.
 * Each upload is stored in chunks as it arrives, so the server lives within that limit and the sampled peak stays
 * under HEAP_BOUND_BYTES above the level before; buffering each 20 MB file several times over, as uploads did
 * before, is 80-100 MB per upload: four of them cannot fit.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";

import { beforeAll, describe, expect, it } from "vitest";

import { IMPORT_MAX_BYTES } from "../lib/domain/import-job";
import type { RunningServer } from "../test/support/built-server";
import { firstSignIn } from "../test/support/http-accounts";
import { serversOnTestDatabase } from "../test/support/servers-on-test-database";

/** V8's old-space limit for the server in this test: its own heap is about 80 MB before the uploads. */
const HEAP_LIMIT_MB = 128;
/**
 * The sampled peak of used heap plus external memory, over the level before the uploads, while four 20 MB files
 * stream in and their jobs run: less than buffering one file used to cost. Measured: +37 to +47 MB over three runs.
 */
const HEAP_BOUND_BYTES = 80 * 1024 * 1024;
const ROWS_PER_FILE = 2_000;

const testbed = serversOnTestDatabase("upload_memory", { stopWith: "SIGKILL" });
let server: RunningServer;

beforeAll(async () => {
  server = await testbed.start({
    LOG_LEVEL: "warn",
    // V8 collects garbage lazily while it has room: with its default limit (gigabytes here) the used heap of a
    // streaming server climbs with garbage to 300 MB before a full collection. A limit makes what is measured
    // the memory the uploads keep, and a server that kept more than it allows would die here of OOM.
    NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MB}`,
  });
});

/** A file of exactly IMPORT_MAX_BYTES: a header, ROWS_PER_FILE users, and blank lines (skipped) to fill it. */
function twentyMegabytes(tag: string): Buffer {
  const rows = Array.from({ length: ROWS_PER_FILE }, (_, i) => `u${i}.${tag}@example.com,User ${i} of ${tag}`);
  const head = `email,name\n${rows.join("\n")}\n`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(IMPORT_MAX_BYTES - Buffer.byteLength(head), "\n")]);
}

interface Upload {
  request: ClientRequest;
  response: Promise<{ status: number; body: string }>;
}

/** Starts a POST /imports with the first 64 KB of `file`; the rest is sent by {@link finish}. */
function begin(token: string, file: Buffer): Upload {
  const request = httpRequest(`${server.baseUrl}/api/v1/imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "text/csv", "content-length": file.byteLength },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on("response", (incoming: IncomingMessage) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (piece: string) => (body += piece));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body }));
    });
    // A refused upload's connection may be closed while the test still holds its body back: not a failure.
    request.on("error", reject);
  });
  response.catch(() => undefined);
  request.write(file.subarray(0, 64 * 1024));
  return { request, response };
}

/** Sends the rest of the file, in 64 KB writes as a client's socket does, and ends the request. */
async function finish(upload: Upload, file: Buffer): Promise<void> {
  for (let at = 64 * 1024; at < file.byteLength; at += 64 * 1024) {
    if (!upload.request.write(file.subarray(at, at + 64 * 1024))) await new Promise((resolve) => upload.request.once("drain", resolve));
  }
  upload.request.end();
}

async function heapBytes(): Promise<number> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)$`, "m").exec(text)?.[1] ?? NaN);
  return value("nodejs_heap_size_used_bytes") + value("nodejs_external_memory_bytes");
}

const admitted = async () => Number((await testbed.sql.query("SELECT count(*) AS n FROM import_uploads WHERE job_id IS NULL")).rows[0].n);

describe("ten 20 MB uploads at once", () => {
  it("takes 4 (2 per token, 4 per process), refuses 6 with 429, and streams the 4 with the heap under the bound", { timeout: 300_000 }, async () => {
    const admin = await firstSignIn(server.baseUrl);
    const tokens: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) {
      const created = await fetch(`${server.baseUrl}/api/v1/tokens`, {
        method: "POST",
        headers: { origin: server.baseUrl, cookie: admin, "content-type": "application/json" },
        body: JSON.stringify({ name: `uploader ${name}`, role: "EDITOR" }),
      });
      expect(created.status).toBe(201);
      tokens.push((await created.json()).secret);
    }
    const [a, b, c, d, e] = tokens as [string, string, string, string, string];
    const files = Array.from({ length: 10 }, (_, n) => twentyMegabytes(`f${n}`));
    const file = (n: number) => files[n] ?? Buffer.alloc(0);

    // Token A: three at once; its own cap takes two.
    const uploads: Upload[] = [begin(a, file(0)), begin(a, file(1))];
    await expect.poll(admitted, { timeout: 30_000, interval: 20 }).toBe(2);
    uploads.push(begin(a, file(2)));
    const refusedByPrincipal = await uploads[2]?.response;
    expect(refusedByPrincipal?.status).toBe(429);
    expect(JSON.parse(refusedByPrincipal?.body ?? "{}")).toMatchObject({ code: "TOO_MANY_CONCURRENT_REQUESTS", detail: expect.stringMatching(/^You have 2/) });

    // Tokens B, C, D, E: seven more at once (none over its own cap); the process's cap takes two of them.
    const more = [b, b, c, c, d, d, e].map((token, i) => begin(token, file(i + 3)));
    uploads.push(...more);
    await expect.poll(admitted, { timeout: 30_000, interval: 20 }).toBe(4);
    // The refused ones are answered while their bodies are held back; the taken ones cannot be before theirs is
    // sent: so the first five answers are the refusals, and the two uploads still unanswered are the taken ones.
    const answered = new Map<number, { status: number; body: string }>();
    await new Promise<void>((resolve, reject) => {
      for (const [i, upload] of more.entries()) {
        upload.response.then((answer) => {
          answered.set(i, answer);
          if (answered.size === 5) resolve();
        }, reject);
      }
    });
    const refusedByProcess = [...answered.values()];
    expect(refusedByProcess.map((answer) => answer.status)).toEqual([429, 429, 429, 429, 429]);
    for (const answer of refusedByProcess) expect(JSON.parse(answer.body).detail).toMatch(/^This server has 4 import uploads open/);
    const taken = [0, 1, ...more.flatMap((_, i) => (answered.has(i) ? [] : [i + 3]))];
    expect(taken).toHaveLength(4);
    for (const [n, upload] of uploads.entries()) if (!taken.includes(n)) upload.request.destroy();

    // The four taken ones send their 20 MB each, at once; the heap is sampled until every job has finished.
    const baseline = Math.max(await heapBytes(), await heapBytes());
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await heapBytes());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    let statuses: string[] = [];
    try {
      await Promise.all(taken.map((n) => finish(uploads[n] as Upload, file(n))));
      const accepted = await Promise.all(taken.map((n) => (uploads[n] as Upload).response));
      expect(accepted.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
      const ids = accepted.map((answer) => JSON.parse(answer.body).id as string);
      const jobs = async () =>
        (await testbed.sql.query("SELECT status FROM import_jobs WHERE id = ANY($1::uuid[]) ORDER BY id", [ids])).rows.map((row: { status: string }) => row.status);
      await expect.poll(async () => (statuses = await jobs()), { timeout: 240_000, interval: 200 }).toEqual(Array(4).fill("succeeded"));
    } finally {
      sampling = false;
      await sampler;
    }
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    console.log(`upload memory: baseline ${mb(baseline)}, peak ${mb(peak)} (+${mb(peak - baseline)}) for 4 x 20 MB streamed; 6 refused`);
    expect(peak - baseline).toBeLessThan(HEAP_BOUND_BYTES);
    expect(statuses).toEqual(Array(4).fill("succeeded"));
    const users = Number((await testbed.sql.query("SELECT count(*) AS n FROM users WHERE email LIKE 'u%.f_@example.com'")).rows[0].n);
    expect(users).toBe(4 * ROWS_PER_FILE);
    // A keep-alive client goes on over the same connection after an upload: a body read through is not cancelled
    // (that destroyed the socket, and the client's next request met ECONNRESET).
    const small = await fetch(`${server.baseUrl}/api/v1/imports`, {
      method: "POST",
      headers: { authorization: `Bearer ${a}`, "content-type": "text/csv" },
      body: "email,name\nkeep-alive@example.com,Kept Alive\n",
    });
    expect(small.status).toBe(202);
    expect((await fetch(`${server.baseUrl}/api/v1/imports/${(await small.json()).id}`, { headers: { authorization: `Bearer ${a}` } })).status).toBe(200);
    await expect.poll(async () => Number((await testbed.sql.query("SELECT count(*) AS n FROM import_jobs WHERE finished_at IS NULL")).rows[0].n)).toBe(0);
    // Every upload either became a job's file (deleted once it finished) or was dropped: no chunk is left.
    expect(Number((await testbed.sql.query("SELECT count(*) AS n FROM import_upload_chunks")).rows[0].n)).toBe(0);
  });
});
