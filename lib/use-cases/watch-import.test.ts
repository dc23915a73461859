/**
 * Following an import, bounded (issue 18, item 6), on the in-memory adapters: the streams of a job share one
 * poller, streams are capped per principal and per process, and a stream ends when its caller may no longer watch.
 */
import { describe, expect, it } from "vitest";

import { createInMemoryApp } from "../composition-root";
import type { Principal } from "../domain/auth";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { createConcurrencySlots } from "./concurrency-slots";
import { makeImportWatchers, type ImportSnapshot } from "./watch-import";

const { unitOfWork } = await createInMemoryApp();

/** The in-memory unit of work, counting the units run. */
function counted(inner: UnitOfWork) {
  let runs = 0;
  const unit: UnitOfWork = {
    run: (work, options) => {
      runs++;
      return inner.run(work, options);
    },
    read: (work, options) => inner.read(work, options),
  };
  return { unit, runs: () => runs };
}

/** A queued job nobody runs, so its streams stay open as long as the test wants. */
async function queuedJob(): Promise<string> {
  return unitOfWork.run(async ({ imports }) => {
    const uploadId = await imports.beginUpload(new Date());
    await imports.appendChunk(uploadId, 0, "email,name\nw@example.com,W\n");
    const job = await imports.create({
      actor: { type: "system", id: null, label: "system" },
      actorRole: "ADMIN",
      filename: null,
      sha256: "0".repeat(64),
      sizeBytes: 27,
      uploadId,
      requestId: null,
      traceId: null,
    });
    return job.id;
  });
}

const token = (n: number): Principal => ({ kind: "token", tokenId: `00000000-0000-4000-8000-00000000000${n}`, name: `t${n}`, role: "ADMIN" });
const contextOf = (principal: Principal): CallContext => ({ principal, requestId: null, traceId: null });
const always = async () => true;

describe("import event streams (issue 18, item 6)", () => {
  it("share one poller per job: five streams cost one read per poll, not five", async () => {
    const reads = counted(unitOfWork);
    const watchers = makeImportWatchers({ unitOfWork: reads.unit, clock: { now: () => new Date() }, intervalMs: 20 });
    const id = await queuedJob();
    const stop = new AbortController();
    const streams = Array.from({ length: 5 }, (_, n) => watchers.watch(id, { signal: stop.signal, stillAllowed: always }, contextOf(token(n))));
    const firsts = await Promise.all(streams.map((stream) => stream.next()));
    expect(firsts.map((first) => (first.value as ImportSnapshot).status)).toEqual(Array(5).fill("queued"));
    const seconds = await Promise.all(streams.map((stream) => stream.next()));
    expect(seconds.every((second) => second.done === false)).toBe(true);
    expect(watchers.pollers).toBe(1);
    expect(watchers.streams).toBe(5);
    // Two snapshots for each of five streams: a poller of its own each would have read ten times.
    expect(reads.runs()).toBeLessThanOrEqual(3);
    await Promise.all(streams.map((stream) => stream.return(undefined)));
    expect(watchers.streams).toBe(0);
    expect(watchers.pollers).toBe(0); // the last stream gone, nobody reads the job any more
  });

  it("refuses a stream past the principal's cap, then past the process's, and frees the slot when a stream ends", async () => {
    const watchers = makeImportWatchers({
      unitOfWork,
      clock: { now: () => new Date() },
      intervalMs: 20,
      slots: createConcurrencySlots("event streams", { perPrincipal: 2, perProcess: 3, retryAfterSeconds: 7 }),
    });
    const id = await queuedJob();
    const stop = new AbortController();
    const open = async (principal: Principal) => {
      const stream = watchers.watch(id, { signal: stop.signal, stillAllowed: always }, contextOf(principal));
      await stream.next();
      return stream;
    };
    const [a1, a2] = [await open(token(1)), await open(token(1))];
    await expect(open(token(1))).rejects.toMatchObject({ code: "TOO_MANY_CONCURRENT_REQUESTS", scope: "principal", retryAfterSeconds: 7 });
    await open(token(2));
    await expect(open(token(3))).rejects.toMatchObject({ code: "TOO_MANY_CONCURRENT_REQUESTS", scope: "process", limit: 3 });
    expect(watchers.streams).toBe(3); // the refused ones hold nothing
    await a1.return(undefined);
    await open(token(3));
    stop.abort();
    expect((await a2.next()).done).toBe(true);
  });

  it("ends a stream once its caller may no longer watch (token revoked, session ended), and only that one", async () => {
    const watchers = makeImportWatchers({ unitOfWork, clock: { now: () => new Date() }, intervalMs: 20, recheckMs: 10 });
    const id = await queuedJob();
    let revoked = false;
    const stop = new AbortController();
    const ending = watchers.watch(id, { signal: stop.signal, stillAllowed: async () => !revoked }, contextOf(token(1)));
    const staying = watchers.watch(id, { signal: stop.signal, stillAllowed: always }, contextOf(token(2)));
    expect((await ending.next()).done).toBe(false);
    expect((await staying.next()).done).toBe(false);
    revoked = true;
    let frames = 0;
    while (!(await ending.next()).done) frames++;
    expect(frames).toBeLessThan(100); // ended by the re-check, not by the job (which stays queued)
    expect((await staying.next()).done).toBe(false);
    expect(watchers.streams).toBe(1);
    stop.abort();
    expect((await staying.next()).done).toBe(true);
  });

  it("answers IMPORT_NOT_FOUND for no such job, and keeps no poller or slot for it", async () => {
    const watchers = makeImportWatchers({ unitOfWork, clock: { now: () => new Date() }, intervalMs: 20 });
    const stream = watchers.watch("00000000-0000-4000-8000-000000000000", { signal: new AbortController().signal, stillAllowed: always }, contextOf(token(1)));
    await expect(stream.next()).rejects.toMatchObject({ code: "IMPORT_NOT_FOUND" });
    expect(watchers.pollers).toBe(0);
    expect(watchers.streams).toBe(0);
  });
});
