import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";

import { IMPORT_JOBS_PER_PROCESS, IMPORT_MAX_BYTES } from "../../lib/domain/import-job";
import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeImportsApi } from "./imports-api.suite";

const api = await createApiHarness({ hasher: fastTestHasher, config: { DB_TIMEOUT_MS: 30_000 } });

describeImportsApi("in memory", () => api);

describe("CSV import jobs per process (in memory)", () => {
  it("works on at most IMPORT_JOBS_PER_PROCESS jobs at once; the others wait queued and all finish", { timeout: 120_000 }, async () => {
    await api.createUser({ email: "many@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("many@staff.example", "correct horse battery");
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      const rows = Array.from({ length: 3_000 }, (_, i) => `many${n}-${i}@example.com,Many ${i}`).join("\n");
      const response = await api.call("POST", "/api/v1/imports", { cookie, rawBody: `email,name\n${rows}\n`, headers: { "content-type": "text/csv" } });
      expect(response.status).toBe(202);
      ids.push((await response.json()).id);
    }
    let mostRunning = 0;
    let statuses: string[] = [];
    do {
      statuses = await Promise.all(ids.map(async (id) => (await (await api.call("GET", `/api/v1/imports/${id}`, { cookie })).json()).status));
      mostRunning = Math.max(mostRunning, statuses.filter((status) => status === "running").length);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } while (statuses.some((status) => status === "queued" || status === "running"));
    expect(statuses).toEqual(Array(5).fill("succeeded"));
    expect(mostRunning).toBeGreaterThanOrEqual(1);
    expect(mostRunning).toBeLessThanOrEqual(IMPORT_JOBS_PER_PROCESS);
  });
});

describe("the error report as CSV (in memory)", () => {
  it("has every failed row across pages of 1,000, by line, formula-escaped", async () => {
    await api.createUser({ email: "report@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("report@staff.example", "correct horse battery");
    // 2,345 rows without a valid email (one of them a formula), and one good row in the middle.
    const bad = Array.from({ length: 2_345 }, (_, i) => (i === 7 ? "=HYPERLINK(x),Bad" : `bad-${i},Bad`));
    bad.splice(1_000, 0, "good-report@example.com,Good");
    const response = await api.call("POST", "/api/v1/imports", { cookie, rawBody: `email,name\n${bad.join("\n")}\n`, headers: { "content-type": "text/csv" } });
    const { id } = await response.json();
    await api.app.importJobs.idle();
    const text = await (await api.call("GET", `/api/v1/imports/${id}/errors.csv`, { cookie })).text();
    const rows: Record<string, string>[] = parse(text, { columns: true, record_delimiter: "\r\n" });
    expect(rows).toHaveLength(2_345);
    expect(rows[0]).toEqual({ line: "2", email: "bad-0", reason: "email: Enter an email address" });
    expect(rows[7]).toMatchObject({ line: "9", email: "'=hyperlink(x)" }); // emails are kept lower-case
    expect(rows.map((row) => Number(row.line))).toEqual([...Array.from({ length: 1_000 }, (_, i) => i + 2), ...Array.from({ length: 1_345 }, (_, i) => i + 1_003)]);
  }, 30_000); // 2,346 rows through an import job: half a second here alone, over 5 s under a load average of 10
});

describe("CSV upload deadline (in memory)", () => {
  it("gives an upload longer than the request deadline: a slow client's file is read, not cut at REQUEST_TIMEOUT_MS", async () => {
    const slow = await createApiHarness({ hasher: fastTestHasher, config: { REQUEST_TIMEOUT_MS: 100 } });
    await slow.createUser({ email: "slow@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await slow.signIn("slow@staff.example", "correct horse battery");
    const trickle = (chunks: string[]) =>
      new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const chunk of chunks) {
            controller.enqueue(new TextEncoder().encode(chunk));
            await new Promise((resolve) => setTimeout(resolve, 150));
          }
          controller.close();
        },
      });
    const upload = await slow.call("POST", "/api/v1/imports", {
      cookie,
      streamBody: trickle(["email,name\n", "slow1@example.com,Slow One\n", "slow2@example.com,Slow Two\n"]),
      headers: { "content-type": "text/csv" },
    });
    expect(upload.status).toBe(202);
    // The same trickle on a JSON route is cut at the request's deadline.
    const change = await slow.call("POST", "/api/v1/users", {
      cookie,
      streamBody: trickle(['{"email":"slow3@example.com",', '"name":"Slow"}']),
      headers: { "content-type": "application/json" },
    });
    expect(change.status).toBe(504);
    await slow.app.importJobs.idle();
  });
});

describe("CSV import limits (in memory)", () => {
  it("answers 413 FILE_TOO_LARGE past 20 MB, as text/csv and as multipart", { timeout: 60_000 }, async () => {
    await api.createUser({ email: "big@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("big@staff.example", "correct horse battery");
    const big = `email,name\n${"x".repeat(IMPORT_MAX_BYTES)}\n`;
    const plain = await api.call("POST", "/api/v1/imports", { cookie, rawBody: big, headers: { "content-type": "text/csv" } });
    expect(plain.status).toBe(413);
    expect(await plain.json()).toMatchObject({ code: "FILE_TOO_LARGE" });
    const declared = await api.call("POST", "/api/v1/imports", {
      cookie,
      rawBody: "email,name\n",
      headers: { "content-type": "text/csv", "content-length": String(IMPORT_MAX_BYTES + 1) },
    });
    expect(declared.status).toBe(413);
    const multipart = await api.call("POST", "/api/v1/imports", {
      cookie,
      rawBody: `--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n${big}\r\n--b--\r\n`,
      headers: { "content-type": "multipart/form-data; boundary=b" },
    });
    expect(multipart.status).toBe(413);
    // Exactly the limit is accepted (blank lines are skipped).
    const row = `email,name\nfits@example.com,Fits\n`;
    const fits = row + "\n".repeat(IMPORT_MAX_BYTES - row.length);
    expect((await api.call("POST", "/api/v1/imports", { cookie, rawBody: fits, headers: { "content-type": "text/csv" } })).status).toBe(202);
  });

  it("holds a preview to the same limit: 413 FILE_TOO_LARGE past 20 MB, by Content-Length or by its size", { timeout: 60_000 }, async () => {
    await api.createUser({ email: "big-preview@staff.example", role: "ADMIN", password: "correct horse battery" });
    const cookie = await api.signIn("big-preview@staff.example", "correct horse battery");
    const preview = (rawBody: string, headers: Record<string, string> = {}) =>
      api.call("POST", "/api/v1/imports/preview", { cookie, rawBody, headers: { "content-type": "text/csv", ...headers } });
    const rows = `email,name\npreview-fits@example.com,Fits\n`;
    const declared = await preview(rows, { "content-length": String(IMPORT_MAX_BYTES + 1) });
    expect(declared.status).toBe(413);
    const big = await preview(rows + "\n".repeat(IMPORT_MAX_BYTES + 1 - rows.length));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: "FILE_TOO_LARGE" });
    // Exactly the limit is read through and previewed (blank lines are skipped; the part parsed ends before the file).
    const fits = await preview(rows + "\n".repeat(IMPORT_MAX_BYTES - rows.length));
    expect(fits.status).toBe(200);
    expect(await fits.json()).toMatchObject({ fileProblem: null, rows: [{ line: 2, problem: null }], moreRows: true });
  });
});
