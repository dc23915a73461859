/**
 * The ImportJobRepository port (CSV import jobs, issue 6): part of the one database contract
 * (user-repository.contract.ts calls this inside its describe), so in-memory, PGlite and PostgreSQL all run it.
 * The import engine's promises rest on these: one holder per job (leases), batches recorded once, progress as sums
 * over committed batches, and a finished job's file gone while its report stays.
 */
import { beforeEach, expect, it } from "vitest";

import type { ImportJob, ImportRowError } from "../../lib/domain/import-job";
import { ImportBatchRecordedError, ImportUploadGoneError, type NewImportJob } from "../../lib/ports/import-job-repository";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";

const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";
/** Two take-ups' names on a lease. */
const A = "0193a3b2-0000-7000-8000-00000000000a";
const B = "0193a3b2-0000-7000-8000-00000000000b";
const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const FILE = "email,name\nb@example.com,B\n";

function newJob(extra: Partial<NewImportJob> & { uploadId: string }): NewImportJob {
  return {
    actor: { type: "user", id: NO_SUCH_ID, label: "ada@example.com" },
    actorRole: "EDITOR",
    filename: "people.csv",
    sha256: "c".repeat(64),
    sizeBytes: 27,
    requestId: "req-1",
    traceId: null,
    ...extra,
  };
}

const batch = (batchNo: number, created: number, failed: number) => ({
  batchNo,
  firstLine: 2 + batchNo * 10,
  lastLine: 11 + batchNo * 10,
  rows: 10,
  created,
  failed,
});

export function importJobRepositoryContract(currentUnitOfWork: () => UnitOfWork): void {
  let unitOfWork: UnitOfWork;
  beforeEach(() => {
    unitOfWork = currentUnitOfWork();
  });
  const inUnit = <T>(work: (repos: Repositories) => Promise<T>) => unitOfWork.run(work);
  /** A job on an upload of FILE in two chunks. */
  const create = async (extra?: Partial<NewImportJob>) => {
    const uploadId = await inUnit(({ imports }) => imports.beginUpload(at(0)));
    await inUnit(({ imports }) => imports.appendChunk(uploadId, 0, FILE.slice(0, 11)));
    await inUnit(({ imports }) => imports.appendChunk(uploadId, 1, FILE.slice(11)));
    return inUnit(({ imports }) => imports.create(newJob({ ...extra, uploadId })));
  };
  /** The job's file as stored, chunk by chunk; null when it is gone. */
  const fileOf = (id: string) =>
    inUnit(async ({ imports }) => {
      const chunks = await imports.fileChunks(id);
      if (chunks === null) return null;
      let text = "";
      for (let n = 0; n < chunks; n++) text += (await imports.fileChunk(id, n)) ?? "<missing>";
      return text;
    });

  it("imports: the clean-up of finished jobs' files leaves an unfinished job's file alone (issue 18)", async () => {
    const live = await create();
    const done = await create();
    await inUnit(async ({ imports }) => {
      await imports.acquire(done.id, { now: at(0), leaseUntil: at(30), holder: A });
      await imports.finish(done.id, A, { status: "succeeded", totalRows: 0, error: null, at: at(1) });
    });
    // finish() deleted its job's file already: nothing left to purge, and the queued job keeps its file.
    expect(await inUnit(({ imports }) => imports.deleteFinishedFiles(at(0)))).toBe(0);
    expect(await fileOf(live.id)).toBe(FILE);
    expect(await fileOf(done.id)).toBeNull();
  });

  it("imports: an upload is stored in chunks, becomes one job's file, and is cleaned up when abandoned (issue 18)", async () => {
    const job = await create();
    expect(await fileOf(job.id)).toBe(FILE);
    await inUnit(async ({ imports }) => {
      expect(await imports.fileChunks(job.id)).toBe(2);
      expect(await imports.fileChunk(job.id, 1)).toBe(FILE.slice(11));
      expect(await imports.fileChunk(job.id, 2)).toBeNull();
    });
    // An upload is one job's file at most: taken already, or gone, it is refused and no job is stored.
    const taken = (await inUnit(({ imports }) => imports.list({ limit: 100 }))).length;
    const stolen = await inUnit(async ({ imports }) => {
      const other = await imports.beginUpload(at(0));
      await imports.create(newJob({ uploadId: other }));
      return other;
    });
    await expect(inUnit(({ imports }) => imports.create(newJob({ uploadId: stolen })))).rejects.toBeInstanceOf(ImportUploadGoneError);
    await expect(inUnit(({ imports }) => imports.create(newJob({ uploadId: NO_SUCH_ID })))).rejects.toBeInstanceOf(ImportUploadGoneError);
    expect(await inUnit(({ imports }) => imports.list({ limit: 100 }))).toHaveLength(taken + 1);
    // Discarding touches only uploads no job has.
    expect(await inUnit(({ imports }) => imports.discardUpload(stolen))).toBe(false);
    const refused = await inUnit(({ imports }) => imports.beginUpload(at(0)));
    await inUnit(({ imports }) => imports.appendChunk(refused, 0, "email,name\n"));
    expect(await inUnit(({ imports }) => imports.discardUpload(refused))).toBe(true);
    expect(await inUnit(({ imports }) => imports.discardUpload(refused))).toBe(false);
    // Abandoned mid-upload (its process died): the clean-up deletes it once it started before the cut-off, and
    // never a job's file.
    const abandoned = await inUnit(({ imports }) => imports.beginUpload(at(10)));
    await inUnit(({ imports }) => imports.appendChunk(abandoned, 0, "email,name\n"));
    expect(await inUnit(({ imports }) => imports.deleteFinishedFiles(at(10)))).toBe(0);
    expect(await inUnit(({ imports }) => imports.deleteFinishedFiles(at(11)))).toBe(1);
    expect(await inUnit(({ imports }) => imports.discardUpload(abandoned))).toBe(false); // gone already
    expect(await fileOf(job.id)).toBe(FILE);
  });

  it("imports: only the holder records a pause, every reader sees it, and finishing clears it (issue 18)", async () => {
    const job = await create();
    const pause = { reason: "read-only-mode" as const, since: at(5) };
    await inUnit(async ({ imports }) => {
      expect(await imports.setPaused(job.id, A, pause)).toBe(false); // nobody holds it yet
      await imports.acquire(job.id, { now: at(0), leaseUntil: at(30), holder: A });
      expect(await imports.setPaused(job.id, B, pause)).toBe(false);
      expect(await imports.setPaused(job.id, A, pause)).toBe(true);
    });
    expect(await inUnit(({ imports }) => imports.get(job.id))).toMatchObject({ status: "running", paused: pause });
    const listed = await inUnit(({ imports }) => imports.list({ limit: 100 }));
    expect(listed.find((item) => item.id === job.id)?.paused).toEqual(pause);
    await inUnit(async ({ imports }) => {
      expect(await imports.setPaused(job.id, A, { reason: "imports-off", since: at(6) })).toBe(true);
      expect((await imports.get(job.id))?.paused).toEqual({ reason: "imports-off", since: at(6) });
      expect(await imports.setPaused(job.id, A, null)).toBe(true);
      expect((await imports.get(job.id))?.paused).toBeNull();
      await imports.setPaused(job.id, A, pause);
      await imports.finish(job.id, A, { status: "succeeded", totalRows: 0, error: null, at: at(7) });
      expect((await imports.get(job.id))?.paused).toBeNull();
    });
  });

  it("imports: stores a queued job with its file; unknown and malformed ids read as absent", async () => {
    const job = await create();
    expect(job).toMatchObject({
      actor: { type: "user", id: NO_SUCH_ID, label: "ada@example.com" },
      actorRole: "EDITOR",
      filename: "people.csv",
      sha256: "c".repeat(64),
      sizeBytes: 27,
      status: "queued",
      totalRows: null,
      error: null,
      requestId: "req-1",
      traceId: null,
      finishedAt: null,
      leaseUntil: null,
      paused: null,
    });
    expect(job.createdAt).toBeInstanceOf(Date);
    await inUnit(async ({ imports }) => {
      expect(await imports.get(job.id)).toEqual(job);
      expect(await imports.get(NO_SUCH_ID)).toBeNull();
      expect(await imports.get("not-a-uuid")).toBeNull();
      expect(await imports.fileChunks(NO_SUCH_ID)).toBeNull();
      expect(await imports.fileChunks("not-a-uuid")).toBeNull();
      expect(await imports.fileChunk(NO_SUCH_ID, 0)).toBeNull();
      expect(await imports.progress("not-a-uuid")).toEqual({ rowsDone: 0, created: 0, failed: 0, batches: 0 });
    });
  });

  it("imports: lists jobs newest first, page after page by keyset, each job once", async () => {
    const created: ImportJob[] = [];
    for (let i = 0; i < 5; i++) created.push(await create({ filename: `f${i}.csv` }));
    const expected = [...created].sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
    );
    const all = await inUnit(({ imports }) => imports.list({ limit: 10 }));
    expect(all.map((job) => job.id)).toEqual(expected.map((job) => job.id));
    const pages: string[] = [];
    let after: ImportJob | undefined;
    for (let guard = 0; guard < 5; guard++) {
      const cursor = after ? { createdAt: after.createdAt, id: after.id } : undefined;
      const page = await inUnit(({ imports }) => imports.list({ limit: 2, ...(cursor && { after: cursor }) }));
      pages.push(...page.map((job) => job.id));
      after = page.at(-1);
      if (page.length < 2) break;
    }
    expect(pages).toEqual(expected.map((job) => job.id));
  });

  it("imports: one holder at a time; an expired or given-up lease frees the job; a finished job is never taken", async () => {
    const job = await create();
    await inUnit(async ({ imports }) => {
      const taken = await imports.acquire(job.id, { now: at(0), leaseUntil: at(30), holder: A });
      expect(taken).toMatchObject({ id: job.id, status: "running", leaseUntil: at(30) });
      expect(await imports.acquire(job.id, { now: at(10), leaseUntil: at(40), holder: B })).toBeNull();
      expect(await imports.findUnheld(at(10), 10)).toEqual([]);
      // Past the lease, anyone may take it over.
      expect(await imports.findUnheld(at(31), 10)).toEqual([job.id]);
      expect(await imports.acquire(job.id, { now: at(31), leaseUntil: at(61), holder: B })).toMatchObject({ leaseUntil: at(61) });
      // Given up (a graceful stop): free at once.
      expect(await imports.setLease(job.id, B, null)).toBe(true);
      expect(await imports.findUnheld(at(32), 10)).toEqual([job.id]);
      expect(await imports.acquire(NO_SUCH_ID, { now: at(0), leaseUntil: at(30), holder: A })).toBeNull();

      expect(await imports.acquire(job.id, { now: at(32), leaseUntil: at(62), holder: A })).not.toBeNull();
      expect(await imports.finish(job.id, A, { status: "succeeded", totalRows: 0, error: null, at: at(33) })).toBe(true);
      expect(await imports.acquire(job.id, { now: at(99), leaseUntil: at(129), holder: B })).toBeNull();
      expect(await imports.findUnheld(at(99), 10)).toEqual([]);
      expect(await imports.setLease(job.id, A, at(500))).toBe(false); // a finished job has no lease to renew
      expect((await imports.get(job.id))?.leaseUntil).toBeNull();
    });
  });

  it("imports: a holder whose lease was taken over can neither renew it, give it up, nor end the job", async () => {
    const job = await create();
    await inUnit(async ({ imports }) => {
      await imports.acquire(job.id, { now: at(0), leaseUntil: at(30), holder: A });
      // A stalled past its lease; B takes over.
      expect(await imports.isHeldBy(job.id, A)).toBe(true); // stalled past its lease, but nobody took over yet
      expect(await imports.acquire(job.id, { now: at(31), leaseUntil: at(61), holder: B })).not.toBeNull();
      expect(await imports.isHeldBy(job.id, A)).toBe(false);
      expect(await imports.isHeldBy(job.id, B)).toBe(true);
      expect(await imports.isHeldBy(NO_SUCH_ID, B)).toBe(false);
      expect(await imports.setLease(job.id, A, at(90))).toBe(false);
      expect(await imports.setLease(job.id, A, null)).toBe(false);
      expect(await imports.finish(job.id, A, { status: "succeeded", totalRows: 0, error: null, at: at(40) })).toBe(false);
      expect(await imports.get(job.id)).toMatchObject({ status: "running", leaseUntil: at(61), finishedAt: null });
      expect(await imports.fileChunks(job.id)).toBe(2);
      // The holder's own calls still work.
      expect(await imports.setLease(job.id, B, at(91))).toBe(true);
      expect(await imports.finish(job.id, B, { status: "succeeded", totalRows: 0, error: null, at: at(50) })).toBe(true);
      expect(await imports.isHeldBy(job.id, B)).toBe(false); // a finished job is held by nobody
      expect(await imports.fileChunks(job.id)).toBeNull();
    });
  });

  it("imports: finds unheld unfinished jobs oldest first, up to the limit", async () => {
    const jobs: ImportJob[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await create({ filename: `f${i}.csv` }));
    const [held, finished] = jobs;
    await inUnit(async ({ imports }) => {
      await imports.acquire(held!.id, { now: at(0), leaseUntil: at(30), holder: A });
      await imports.acquire(finished!.id, { now: at(0), leaseUntil: at(30), holder: B });
      await imports.finish(finished!.id, B, { status: "failed", totalRows: null, error: "broken", at: at(1) });
    });
    const oldestFirst = [...jobs]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((job) => job.id)
      .filter((id) => id !== held!.id && id !== finished!.id);
    expect(await inUnit(({ imports }) => imports.findUnheld(at(10), 10))).toEqual(oldestFirst);
    expect(await inUnit(({ imports }) => imports.findUnheld(at(10), 1))).toEqual(oldestFirst.slice(0, 1));
  });

  it("imports: records each batch once with its row errors; progress sums the committed batches", async () => {
    const job = await create();
    const errors: ImportRowError[] = [
      { line: 25, email: "x@example.com", reason: "A user with this email already exists" },
      { line: 3, email: null, reason: "email: Enter an email address" },
    ];
    await inUnit(async ({ imports }) => {
      await imports.recordBatch(job.id, batch(1, 8, 2), errors);
      await imports.recordBatch(job.id, batch(0, 10, 0), []);
    });
    await expect(inUnit(({ imports }) => imports.recordBatch(job.id, batch(1, 10, 0), []))).rejects.toBeInstanceOf(
      ImportBatchRecordedError,
    );
    // A unit that fails takes its batch record and row errors with it.
    await expect(
      inUnit(async ({ imports }) => {
        await imports.recordBatch(job.id, batch(2, 9, 1), [{ line: 30, email: null, reason: "name: Enter a name" }]);
        throw new Error("the users of this batch could not be written");
      }),
    ).rejects.toThrow("could not be written");
    await inUnit(async ({ imports }) => {
      expect(await imports.recordedBatches(job.id)).toEqual([0, 1]);
      expect(await imports.progress(job.id)).toEqual({ rowsDone: 20, created: 18, failed: 2, batches: 2 });
      const none = { rowsDone: 0, created: 0, failed: 0, batches: 0 };
      expect(await imports.progressMany([job.id, NO_SUCH_ID, "not-a-uuid"])).toEqual(
        new Map([[job.id, { rowsDone: 20, created: 18, failed: 2, batches: 2 }], [NO_SUCH_ID, none], ["not-a-uuid", none]]),
      );
      const inLineOrder = [...errors].reverse();
      expect(await imports.rowErrors(job.id, { limit: 10 })).toEqual(inLineOrder);
      expect(await imports.rowErrors(job.id, { limit: 1 })).toEqual(inLineOrder.slice(0, 1));
      expect(await imports.rowErrors(job.id, { afterLine: 3, limit: 10 })).toEqual(inLineOrder.slice(1));
    });
  });

  it("imports: finishing ends the job, drops the lease and the file, and keeps the report", async () => {
    const job = await create();
    await inUnit(async ({ imports }) => {
      await imports.acquire(job.id, { now: at(0), leaseUntil: at(30), holder: A });
      await imports.setTotalRows(job.id, 10);
      await imports.recordBatch(job.id, batch(0, 9, 1), [{ line: 4, email: null, reason: "name: Enter a name" }]);
      await imports.finish(job.id, A, { status: "failed", totalRows: null, error: "Writing a batch failed", at: at(5) });
    });
    await inUnit(async ({ imports }) => {
      expect(await imports.get(job.id)).toMatchObject({
        status: "failed",
        totalRows: 10, // kept when the outcome gives none
        error: "Writing a batch failed",
        finishedAt: at(5),
        leaseUntil: null,
      });
      expect(await imports.fileChunks(job.id)).toBeNull();
      expect(await imports.progress(job.id)).toEqual({ rowsDone: 10, created: 9, failed: 1, batches: 1 });
      expect(await imports.rowErrors(job.id, { limit: 10 })).toHaveLength(1);
    });
  });
}
