/**
 * CSV imports, bounded (issue 18, items 6, 7, 9), through the real handlers on the in-memory app: event streams
 * capped and ended with their caller's credential; uploads capped before their body is read; jobs that pause
 * while read-only mode (or imports turned off) refuses their uploader's writes, and resume after.
 */
import { describe, expect, it } from "vitest";

import { bigFile } from "./imports-api.suite";
import { createApiHarness, fastTestHasher } from "../support/api-harness";

const PASSWORD = "correct horse battery";
const api = await createApiHarness({
  hasher: fastTestHasher,
  config: { DB_TIMEOUT_MS: 30_000 },
  importTimings: { pollMs: 20, streamRecheckMs: 20, pauseCheckMs: 20 },
});
await api.createUser({ email: "ada@staff.example", role: "ADMIN", password: PASSWORD });
const admin = await api.signIn("ada@staff.example", PASSWORD);

/** A queued job nobody runs (the harness starts no sweep), so its streams stay open as long as a test wants. */
async function idleJob(): Promise<string> {
  return api.unitOfWork.run(async ({ imports }) => {
    const uploadId = await imports.beginUpload(new Date());
    await imports.appendChunk(uploadId, 0, "email,name\nidle@example.com,Idle\n");
    const job = await imports.create({
      actor: { type: "system", id: null, label: "system" },
      actorRole: "ADMIN",
      filename: "idle.csv",
      sha256: "0".repeat(64),
      sizeBytes: 34,
      uploadId,
      requestId: null,
      traceId: null,
    });
    return job.id;
  });
}

async function newToken(name: string): Promise<{ id: string; secret: string }> {
  const created = await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name, role: "EDITOR" } });
  expect(created.status).toBe(201);
  const body: { token: { id: string }; secret: string } = await created.json();
  return { id: body.token.id, secret: body.secret };
}

/** Reads an event stream's first frame, then hands the rest back as a promise of its text (resolves at its end). */
async function opened(response: Response) {
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  let text = "";
  while (!/event: \w+\ndata: .*\n\n/.test(text)) {
    const read = await reader.read();
    if (read.done) throw new Error(`the stream ended before its first frame: ${text}`);
    text += decoder.decode(read.value, { stream: true });
  }
  const rest = (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(read.value, { stream: true });
    return text;
  })();
  return { first: text, rest };
}

async function setFlag(key: string, change: Record<string, unknown>) {
  const etag = (await api.call("GET", `/api/v1/flags/${key}`, { cookie: admin })).headers.get("etag") ?? "";
  const response = await api.call("PATCH", `/api/v1/flags/${key}`, { cookie: admin, body: change, headers: { "if-match": etag } });
  expect(response.status).toBe(200);
}

const job = async (id: string) => (await api.call("GET", `/api/v1/imports/${id}`, { cookie: admin })).json();

describe("import event streams end with their caller's credential (issue 18, item 6)", () => {
  it("a revoked token's stream ends, and its reconnect is refused 401", async () => {
    const id = await idleJob();
    const token = await newToken("watcher");
    const stream = await opened(await api.call("GET", `/api/v1/imports/${id}/events`, { bearer: token.secret }));
    expect(stream.first).toContain('"status":"queued"');
    expect((await api.call("DELETE", `/api/v1/tokens/${token.id}`, { cookie: admin })).status).toBe(204);
    await stream.rest; // ends: the job itself stays queued for good
    expect(api.app.importWatchers.streams).toBe(0);
    expect((await api.call("GET", `/api/v1/imports/${id}/events`, { bearer: token.secret })).status).toBe(401);
  });

  it("a signed-out session's stream ends; another session's stream of the same job goes on", async () => {
    const id = await idleJob();
    await api.createUser({ email: "leaving@staff.example", role: "EDITOR", password: PASSWORD });
    const leaving = await api.signIn("leaving@staff.example", PASSWORD);
    const ending = await opened(await api.call("GET", `/api/v1/imports/${id}/events`, { cookie: leaving }));
    const staying = await opened(await api.call("GET", `/api/v1/imports/${id}/events`, { cookie: admin }));
    expect(api.app.importWatchers).toMatchObject({ streams: 2, pollers: 1 });
    expect((await api.call("DELETE", "/api/v1/session", { cookie: leaving })).status).toBe(204);
    await ending.rest;
    expect(api.app.importWatchers).toMatchObject({ streams: 1, pollers: 1 });
    // The other one ends with its job: here, with imports turned off for everyone (the route's own flag).
    await setFlag("bulk-import", { on: true, fallthrough: { variation: 1 } });
    try {
      await staying.rest;
    } finally {
      await setFlag("bulk-import", { on: true, fallthrough: { variation: 0 } });
    }
    expect(api.app.importWatchers).toMatchObject({ streams: 0, pollers: 0 });
  });

  it("a caller's sixth stream is refused 429 with Retry-After, and a stream that ends gives its slot back", async () => {
    const id = await idleJob();
    const token = await newToken("greedy");
    const streams = [];
    for (let n = 0; n < 5; n++) streams.push(await opened(await api.call("GET", `/api/v1/imports/${id}/events`, { bearer: token.secret })));
    const refused = await api.call("GET", `/api/v1/imports/${id}/events`, { bearer: token.secret });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(await refused.json()).toMatchObject({ code: "TOO_MANY_CONCURRENT_REQUESTS" });
    // Someone else is not held to this caller's cap.
    const other = await opened(await api.call("GET", `/api/v1/imports/${id}/events`, { cookie: admin }));
    expect((await api.call("DELETE", `/api/v1/tokens/${token.id}`, { cookie: admin })).status).toBe(204);
    await Promise.all(streams.map((stream) => stream.rest));
    expect(api.app.importWatchers.streams).toBe(1);
    await setFlag("bulk-import", { on: true, fallthrough: { variation: 1 } });
    try {
      await other.rest;
    } finally {
      await setFlag("bulk-import", { on: true, fallthrough: { variation: 0 } });
    }
  });
});

describe("concurrent uploads are capped before their body is read (issue 18, item 7)", () => {
  it("a caller's third upload at once is 429; so is the process's fifth; held ones then finish 202", async () => {
    const held: ReadableStreamDefaultController<Uint8Array>[] = [];
    const holdOpen = (cookie?: string, bearer?: string) =>
      api.call("POST", "/api/v1/imports", {
        cookie,
        bearer,
        headers: { "content-type": "text/csv" },
        streamBody: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("email,name\n"));
            held.push(controller);
          },
        }),
      });
    const a = await newToken("uploader a");
    const b = await newToken("uploader b");
    const pending = [holdOpen(undefined, a.secret), holdOpen(undefined, a.secret)];
    await expect.poll(() => api.app.importUploads.inUse).toBe(2);
    const third = await holdOpen(undefined, a.secret);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("10");
    expect((await third.json()).detail).toMatch(/^You have 2 import uploads open already/);
    pending.push(holdOpen(undefined, b.secret), holdOpen(admin));
    await expect.poll(() => api.app.importUploads.inUse).toBe(4);
    const fifth = await holdOpen(undefined, b.secret);
    expect(fifth.status).toBe(429);
    expect((await fifth.json()).detail).toMatch(/^This server has 4 import uploads open already/);
    expect(held).toHaveLength(6); // the refused ones' bodies were never read: their streams stay as they were
    for (const [n, controller] of held.entries()) {
      if (n === 2 || n === 5) continue;
      controller.enqueue(new TextEncoder().encode(`held${n}@example.com,Held ${n}\n`));
      controller.close();
    }
    expect((await Promise.all(pending)).map((response) => response.status)).toEqual([202, 202, 202, 202]);
    expect(api.app.importUploads.inUse).toBe(0);
    await api.app.importJobs.idle();
  });

  it("an upload refused on the way (not UTF-8 in its second chunk) leaves no upload behind", async () => {
    const before = await api.unitOfWork.run(({ imports }) => imports.deleteFinishedFiles(new Date(Date.now() + 60_000)));
    expect(before).toBeGreaterThanOrEqual(0);
    const body = new Uint8Array(1024 * 1024 + 10).fill(0x61);
    body.set(new TextEncoder().encode("email,name\n"), 0);
    body[1024 * 1024 + 5] = 0xff; // never valid in UTF-8
    const refused = await api.call("POST", "/api/v1/imports", {
      cookie: admin,
      headers: { "content-type": "text/csv" },
      streamBody: new ReadableStream({
        start(controller) {
          controller.enqueue(body);
          controller.close();
        },
      }),
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: "IMPORT_FILE_INVALID", detail: "The file is not UTF-8 text: save it as CSV UTF-8" });
    // Nothing to clean up: the first chunk, stored already, was dropped with the refusal.
    expect(await api.unitOfWork.run(({ imports }) => imports.deleteFinishedFiles(new Date(Date.now() + 60_000)))).toBe(0);
  });
});

/**
 * A job accepted earlier (its upload would be refused now, with the flags as the test sets them), for the runner to
 * take up when kicked.
 */
async function acceptedJob(csv: string, uploader: { id: string; email: string; role: "ADMIN" | "EDITOR" }): Promise<string> {
  return api.unitOfWork.run(async ({ imports }) => {
    const uploadId = await imports.beginUpload(new Date());
    for (let at = 0, n = 0; at < csv.length; at += 500_000, n++) await imports.appendChunk(uploadId, n, csv.slice(at, at + 500_000));
    const created = await imports.create({
      actor: { type: "user", id: uploader.id, label: uploader.email },
      actorRole: uploader.role,
      filename: "accepted.csv",
      sha256: "1".repeat(64),
      sizeBytes: csv.length,
      uploadId,
      requestId: null,
      traceId: null,
    });
    return created.id;
  });
}

describe("imports pause while writes are refused (issue 18, item 9)", () => {
  it("a job pauses while read-only mode is on, writes nothing, says why (also live), and resumes after with exact counts", { timeout: 60_000 }, async () => {
    const file = bigFile("paused", 3_000);
    const ada = await api.unitOfWork.run(({ users }) => users.getByEmail("ada@staff.example"));
    if (!ada) throw new Error("no ada");
    await setFlag("ops-read-only-mode", { on: true, fallthrough: { variation: 0 } });
    let id: string;
    try {
      id = await acceptedJob(file.csv, { id: ada.id, email: ada.email, role: "ADMIN" });
      api.app.importJobs.kick(id);
      await expect.poll(async () => (await job(id)).paused?.reason, { timeout: 10_000, interval: 5 }).toBe("read-only-mode");
      expect(await job(id)).toMatchObject({ status: "running", paused: { since: expect.any(String) }, counts: { total: 3_000, done: 0 } });
      const stream = await opened(await api.call("GET", `/api/v1/imports/${id}/events`, { cookie: admin }));
      expect(stream.first).toContain('"paused":{"reason":"read-only-mode"');
      // Many pause checks (20 ms apart) later, still nothing written.
      for (let n = 0; n < 5; n++) expect((await job(id)).counts.done).toBe(0);
      await setFlag("ops-read-only-mode", { on: false });
      expect(await stream.rest).toMatch(/event: done\ndata: \{"status":"succeeded".*"paused":null\}\n\n$/);
    } finally {
      await setFlag("ops-read-only-mode", { on: false });
    }
    await api.app.importJobs.idle();
    expect(await job(id)).toMatchObject({
      status: "succeeded",
      paused: null,
      counts: { total: 3_000, done: 3_000, failed: file.errors.length - file.existing.length },
    });
  });

  it("a queued job waits paused while imports are off for its uploader, and runs once they are on", { timeout: 30_000 }, async () => {
    // Off for EDITORs only: the ADMIN reading the job still may.
    await setFlag("bulk-import", { rules: [{ id: "editors", clauses: [{ attribute: "role", op: "in", values: ["EDITOR"] }], variation: 1 }] });
    let id: string;
    try {
      const csv = "email,name\nlater1@example.com,Later\nlater2@example.com,Later\n";
      id = await acceptedJob(csv, { id: "019a0000-0000-7000-8000-0000000000e1", email: "editor@staff.example", role: "EDITOR" });
      api.app.importJobs.kick(id);
      await expect.poll(async () => (await job(id)).paused?.reason, { timeout: 10_000, interval: 5 }).toBe("imports-off");
      expect(await job(id)).toMatchObject({ status: "running", counts: { done: 0, created: 0 } });
    } finally {
      await setFlag("bulk-import", { rules: [] });
    }
    await expect.poll(async () => (await job(id)).status, { timeout: 10_000, interval: 5 }).toBe("succeeded");
    expect(await job(id)).toMatchObject({ paused: null, counts: { done: 2, created: 2 } });
  });
});
