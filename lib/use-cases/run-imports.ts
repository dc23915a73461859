/**
 * The engine of CSV import jobs (issue 6): takes a job (a lease in the database, so one process works on it),
 * parses its stored file, validates every row, and writes batches through the bounded WorkerPool, each batch one
 * unit of work: the users whose email is free, one audit entry per created user (the house rule: every change
 * has its own record, found by the user's id on the audit page), the row errors, and the batch's record. The
 * parser waits while the pool is full. A job cut short (shutdown, crash) keeps its committed batches; whoever
 * takes it next skips them, so counts, which are sums over committed batches, stay exact.
 *
 * The file is read a chunk at a time from the database (issue 18, item 7), never whole. While the flags refuse
 * the uploader's writes (read-only mode, imports turned off: issue 18, item 9), the job pauses before its next
 * batch: no batch starts, the reason is recorded on the job for every replica to show, and once writes are
 * allowed again it goes on from its committed batches.
 */
import type { z } from "zod";

import type { Principal } from "../domain/auth";
import {
  IMPORT_BATCH_SIZE,
  IMPORT_JOBS_PER_PROCESS,
  IMPORT_LEASE_MS,
  type ImportBatchRecord,
  type ImportJob,
  type ImportPause,
  type ImportPauseReason,
  type ImportProgress,
  type ImportRowError,
} from "../domain/import-job";
import { normalizeEmail, type NewUser } from "../domain/user";
import { assertMayCreateUser } from "../domain/user-rules";
import { sleepUnlessAborted } from "../domain/until-aborted";
import type { Clock } from "../ports/clock";
import type { Logger } from "../ports/logger";
import { ImportBatchRecordedError, ImportLeaseLostError } from "../ports/import-job-repository";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import { CsvFormatError, type CsvReader } from "../ports/csv-reader";
import { WorkerPoolClosedError, type WorkerPool } from "../ports/worker-pool";
import { retryWhenBusy } from "./retry-when-busy";

/** What a row must be: the rules of POST /users (lib/api-contract/users.ts createUserBody), passed in, not copied. */
export type ImportRowSchema = z.ZodType<{ email: string; name: string; role: NewUser["role"]; status: "ACTIVE" | "DISABLED" }>;

/** How often a paused job asks the flags again (an evaluation in memory: no database work). */
export const IMPORT_PAUSE_CHECK_MS = 1_000;

export interface ImportRunner {
  /** Takes the job up in the background, unless someone holds it or it is finished. */
  kick(jobId: string): void;
  /** Takes up every job nobody holds (start-up, then periodically): returns how many it took. */
  resumeUnheld(): Promise<number>;
  /** Resumes at once, then every `intervalMs` (a replica picks up what another one dropped). */
  start(intervalMs?: number): void;
  /** Resolves when no job of this process runs (for tests and benchmarks). */
  idle(): Promise<void>;
  /**
   * Stops: takes no new job or batch, lets running batches finish, gives up the leases of cut jobs (so the next
   * start, or another replica, resumes them at once), and aborts {@link stopping}. Idempotent.
   */
  stop(): Promise<void>;
  /** Aborted when {@link stop} begins: progress streams end with it. */
  readonly stopping: AbortSignal;
}

export interface ImportRunnerDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
  pool: WorkerPool;
  csv: CsvReader;
  rowSchema: ImportRowSchema;
  log: Logger;
  batchSize?: number;
  leaseMs?: number;
  /** Jobs this process works on at once; more wait in the database (queued) for a free slot. */
  maxJobs?: number;
  /** Why the uploader's writes are refused now (the flags: lib/use-cases/flag-gates.ts), or null. */
  pauseReason: (uploader: Principal) => Promise<ImportPauseReason | null>;
  pauseCheckMs?: number;
}

interface ParsedBatch {
  record: Omit<ImportBatchRecord, "created" | "failed">;
  valid: { line: number; user: NewUser }[];
  errors: ImportRowError[];
}

export function makeImportRunner(deps: ImportRunnerDeps): ImportRunner {
  const { unitOfWork, clock, pool, csv, log } = deps;
  const batchSize = deps.batchSize ?? IMPORT_BATCH_SIZE;
  const leaseMs = deps.leaseMs ?? IMPORT_LEASE_MS;
  const maxJobs = deps.maxJobs ?? IMPORT_JOBS_PER_PROCESS;
  const pauseCheckMs = deps.pauseCheckMs ?? IMPORT_PAUSE_CHECK_MS;
  const stopper = new AbortController();
  /** The units of work of a job: each waits out a busy pool or a database outage (retryWhenTransient). */
  const jobWork = {
    run: <T>(work: (repos: Repositories) => Promise<T>): Promise<T> => retryWhenTransient(() => unitOfWork.run(work)),
  };
  const active = new Map<string, Promise<void>>();
  /** Looks for waiting jobs after one ended: idle() waits for them too. */
  const sweeps = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  const leaseUntil = () => new Date(clock.now().getTime() + leaseMs);

  function kick(jobId: string): void {
    // A job beyond the cap stays queued in the database: the next free slot (below) or sweep takes it.
    if (stopper.signal.aborted || active.has(jobId) || active.size >= maxJobs) return;
    const running = work(jobId)
      .catch((error: unknown) => log.error({ err: error, importId: jobId }, "import job failed unexpectedly"))
      .finally(() => {
        active.delete(jobId);
        // A slot is free: take up a job that waits, rather than leave it to the next sweep.
        const sweep: Promise<unknown> = resumeUnheld()
          .catch((error: unknown) => log.error({ err: error }, "looking for import jobs to resume failed"))
          .finally(() => sweeps.delete(sweep));
        sweeps.add(sweep);
      });
    active.set(jobId, running);
  }

  async function work(jobId: string): Promise<void> {
    // This take-up's own name on the lease: a process that lost the job (its lease ran out and another process
    // took over) can then no longer renew it, write batches or finish it.
    const holder = crypto.randomUUID();
    const job = await jobWork.run(({ imports }) => imports.acquire(jobId, { now: clock.now(), leaseUntil: leaseUntil(), holder }));
    if (!job) return;
    log.info({ importId: jobId }, "import job taken up");
    const lost = new AbortController();
    const heartbeat = setInterval(() => {
      unitOfWork
        .run(({ imports }) => imports.setLease(jobId, holder, leaseUntil()))
        .then((held) => {
          if (held) return;
          // Taken over, or ended: its next batch finds out and stops; a paused job stops waiting.
          clearInterval(heartbeat);
          lost.abort();
        })
        .catch((error: unknown) => {
          // During a database outage the breaker has said so once; the job waits it out (retryWhenTransient).
          const outage = error instanceof Error && "code" in error && error.code === "DATABASE_UNAVAILABLE";
          if (outage) log.debug({ importId: jobId }, "renewing an import's lease waits for the database");
          else log.warn({ err: error, importId: jobId }, "renewing an import's lease failed");
        });
    }, Math.max(10, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    try {
      await runJob(job, holder, lost.signal);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function runJob(job: ImportJob, holder: string, lost: AbortSignal): Promise<void> {
    const chunks = await jobWork.run(({ imports }) => imports.fileChunks(job.id));
    if (chunks === null) return fail(job, holder, "The file of this import is gone, so it cannot be resumed");
    const file = () => fileText(job.id, chunks);
    let total = job.totalRows;
    if (total === null) {
      try {
        total = await countRows(file());
      } catch (error) {
        if (error instanceof CsvFormatError) return fail(job, holder, `The file is not valid CSV: ${error.message}`);
        throw error;
      }
      const counted = total;
      await jobWork.run(({ imports }) => imports.setTotalRows(job.id, counted));
    }

    const pauses = pauseTracker(job, holder);
    const stop = AbortSignal.any([stopper.signal, lost]);
    for (;;) {
      if (!(await pauses.untilWritable(stop))) {
        if (lost.aborted) return; // another process holds it now
        return cutByShutdown(job, holder);
      }
      const outcome = await writeBatches(job, holder, file, pauses);
      if (outcome === "paused") continue;
      if (outcome === "cut") return cutByShutdown(job, holder);
      if (outcome === "lost") {
        // Another process took the job over (this one's lease ran out): it finishes the job.
        log.warn({ importId: job.id }, "import taken over by another process");
        return;
      }
      if (outcome !== "done") {
        log.error({ err: outcome.failure, importId: job.id }, "an import batch failed");
        return fail(job, holder, "Writing a batch failed; the rows of the batches that committed are imported, the others are not");
      }
      break;
    }
    const finished = await finish(job, holder, { status: "succeeded", totalRows: total, error: () => null });
    if (finished) log.info({ importId: job.id, total }, "import job finished");
    else log.warn({ importId: job.id }, "import taken over by another process before it could finish it");
  }

  /**
   * One pass over the file, writing the batches not recorded yet. Stops submitting at the first failure, a
   * shutdown, or writes refused (`paused`: each batch asks just before its unit of work, so none starts after the
   * flags refuse); batches already writing finish either way.
   */
  async function writeBatches(
    job: ImportJob,
    holder: string,
    file: () => AsyncIterable<string>,
    pauses: PauseTracker,
  ): Promise<"done" | "paused" | "cut" | "lost" | { failure: unknown }> {
    const recorded = new Set(await jobWork.run(({ imports }) => imports.recordedBatches(job.id)));
    const inFlight: Promise<void>[] = [];
    let firstFailure: unknown;
    let cut = false;
    let paused = false;
    const submit = async (batch: ParsedBatch) => {
      if (recorded.has(batch.record.batchNo)) return;
      await pool.whenReady(); // backpressure: the parser waits while the pool's queue is full
      if (pool.closed || stopper.signal.aborted) {
        cut = true;
        return;
      }
      if (await pauses.refused()) {
        paused = true;
        return;
      }
      inFlight.push(
        pool
          .run(async () => {
            if (await pauses.refused()) throw new PausedSignal();
            await writeBatch(job, holder, batch);
          })
          .catch((error: unknown) => {
            // Recorded meanwhile by the process that held the job before this one: done, whoever did it.
            if (error instanceof ImportBatchRecordedError) return;
            if (error instanceof PausedSignal) paused = true;
            // Stopped meanwhile (a batch waiting out an outage gives up then): cut, for the next start to resume.
            else if (error instanceof WorkerPoolClosedError || stopper.signal.aborted) cut = true;
            else firstFailure ??= error;
          }),
      );
    };
    for await (const batch of batches(job, file())) {
      await submit(batch);
      if (cut || paused || firstFailure !== undefined) break;
    }
    await Promise.all(inFlight);
    if (firstFailure instanceof ImportLeaseLostError) return "lost";
    if (firstFailure !== undefined) return { failure: firstFailure };
    if (cut) return "cut";
    return paused ? "paused" : "done";
  }

  async function cutByShutdown(job: ImportJob, holder: string): Promise<void> {
    try {
      await unitOfWork.run(({ imports }) => imports.setLease(job.id, holder, null));
      log.info({ importId: job.id }, "import cut by shutdown; its lease is given up for the next start to resume it");
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "DATABASE_UNAVAILABLE")) throw error;
      log.info({ importId: job.id }, "import cut by shutdown during a database outage; resumed once its lease runs out");
    }
  }

  /**
   * Whether the job's writes are refused, and waiting until they are not: the pause is recorded on the job
   * (reason and since when) when it begins or its reason changes, and cleared when it ends.
   */
  function pauseTracker(job: ImportJob, holder: string): PauseTracker {
    const uploader = principalOf(job);
    let recorded: ImportPause | null = job.paused;
    const record = async (pause: ImportPause | null) => {
      await jobWork.run(({ imports }) => imports.setPaused(job.id, holder, pause));
      recorded = pause;
    };
    return {
      refused: async () => (await deps.pauseReason(uploader)) !== null,
      async untilWritable(stop) {
        for (;;) {
          const reason = await deps.pauseReason(uploader);
          if (reason === null) {
            if (recorded) {
              await record(null);
              log.info({ importId: job.id }, "import resumed: writes are allowed again");
            }
            return true;
          }
          if (recorded?.reason !== reason) {
            await record({ reason, since: clock.now() });
            log.info({ importId: job.id, reason }, "import paused: its uploader's writes are refused");
          }
          if (await sleepUnlessAborted(pauseCheckMs, stop)) return false;
        }
      },
    };
  }

  /** The job's file, a chunk at a time from the database. */
  async function* fileText(jobId: string, chunks: number): AsyncGenerator<string> {
    for (let n = 0; n < chunks; n++) {
      const text = await jobWork.run(({ imports }) => imports.fileChunk(jobId, n));
      if (text === null) throw new Error(`Chunk ${n} of the file of import ${jobId} is missing`);
      yield text;
    }
  }

  async function fail(job: ImportJob, holder: string, reason: string): Promise<void> {
    const failed = await finish(job, holder, {
      status: "failed",
      totalRows: null,
      error: (progress) => `${reason}. ${progress.created} user(s) were created from ${progress.rowsDone} row(s) before it stopped.`,
    });
    if (failed) log.warn({ importId: job.id, reason }, "import job failed");
    else log.warn({ importId: job.id, reason }, "import taken over by another process; not marked failed here");
  }

  /**
   * Ends the job, with its `import.finished` audit entry (and so its event, issue 20) in the same unit; false,
   * and nothing written, when another process holds it now.
   */
  function finish(
    job: ImportJob,
    holder: string,
    outcome: { status: "succeeded" | "failed"; totalRows: number | null; error: (progress: ImportProgress) => string | null },
  ): Promise<boolean> {
    return jobWork.run(async ({ imports, audit }) => {
      const progress = await imports.progress(job.id);
      const { status, totalRows } = outcome;
      const error = outcome.error(progress);
      if (!(await imports.finish(job.id, holder, { status, totalRows, error, at: clock.now() }))) return false;
      await audit.append({
        action: "import.finished",
        actor: job.actor,
        target: { type: "import", id: job.id },
        data: { status, filename: job.filename, totalRows, rowsDone: progress.rowsDone, created: progress.created, failed: progress.failed, error },
        requestId: job.requestId,
        traceId: job.traceId,
      });
      return true;
    });
  }

  async function countRows(content: AsyncIterable<string>): Promise<number> {
    let n = 0;
    for await (const _record of csv.read(content).records) n++;
    return n;
  }

  /** The file's rows, validated, cut into numbered batches. Deterministic, so a resumed job cuts the same ones. */
  async function* batches(job: ImportJob, content: AsyncIterable<string>): AsyncGenerator<ParsedBatch> {
    const principal = principalOf(job);
    const firstLineOf = new Map<string, number>();
    let batch: ParsedBatch | null = null;
    let index = 0;
    for await (const { line, fields, extraFields } of csv.read(content).records) {
      batch ??= { record: { batchNo: Math.floor(index / batchSize), firstLine: line, lastLine: line, rows: 0 }, valid: [], errors: [] };
      batch.record = { ...batch.record, lastLine: line, rows: batch.record.rows + 1 };
      const row = validateRow(fields, extraFields, principal);
      if (row.ok) {
        const earlier = firstLineOf.get(row.user.email);
        if (earlier !== undefined) {
          batch.errors.push({ line, email: row.user.email, reason: `Duplicate of line ${earlier} of this file` });
        } else {
          firstLineOf.set(row.user.email, line);
          batch.valid.push({ line, user: row.user });
        }
      } else {
        batch.errors.push({ line, email: row.email, reason: row.reason });
      }
      index++;
      if (batch.record.rows === batchSize) {
        yield batch;
        batch = null;
      }
    }
    if (batch) yield batch;
  }

  function validateRow(
    fields: Record<string, string>,
    extraFields: number,
    principal: Principal,
  ): { ok: true; user: NewUser } | { ok: false; email: string | null; reason: string } {
    const email = fields.email?.trim() ?? "";
    const reportedEmail = email === "" ? null : email.toLowerCase().slice(0, 320);
    if (extraFields > 0) {
      const reason = `row: ${extraFields} field(s) more than the header has (a comma in a value must be inside quotes)`;
      return { ok: false, email: reportedEmail, reason };
    }
    const role = fields.role?.trim().toUpperCase();
    const status = fields.status?.trim().toUpperCase();
    const parsed = deps.rowSchema.safeParse({
      email,
      name: fields.name ?? "",
      // Empty cells take the defaults (VIEWER, ACTIVE), as omitted fields do in POST /users.
      ...(role && { role }),
      ...(status && { status }),
    });
    if (!parsed.success) {
      const reason = parsed.error.issues
        .map((issue) => `${issue.path.map(String).join(".") || "row"}: ${issue.message}`)
        .join("; ");
      return { ok: false, email: reportedEmail, reason };
    }
    try {
      assertMayCreateUser(principal, parsed.data.role);
    } catch (error) {
      return { ok: false, email: reportedEmail, reason: error instanceof Error ? error.message : String(error) };
    }
    return { ok: true, user: { ...parsed.data, email: normalizeEmail(parsed.data.email) } };
  }

  async function writeBatch(job: ImportJob, holder: string, batch: ParsedBatch): Promise<void> {
    await jobWork.run(async ({ users, audit, imports }) => {
      // A process that lost the job stops writing. Should the job be taken over between this read and the commit,
      // the batch still lands once: its record's key refuses a second copy, and the new holder skips it.
      if (!(await imports.isHeldBy(job.id, holder))) throw new ImportLeaseLostError(job.id);
      const { created, taken } = await users.createMany(batch.valid.map((row) => row.user));
      const takenSet = new Set(taken);
      const errors = [
        ...batch.errors,
        ...batch.valid
          .filter((row) => takenSet.has(row.user.email))
          .map((row) => ({ line: row.line, email: row.user.email, reason: "A user with this email already exists" })),
      ].sort((a, b) => a.line - b.line);
      await audit.appendMany(
        created.map((user) => ({
          action: "user.created",
          actor: job.actor,
          target: { type: "user" as const, id: user.id },
          data: { after: { email: user.email, name: user.name, role: user.role, status: user.status }, importId: job.id },
          requestId: job.requestId,
          traceId: job.traceId,
        })),
      );
      await imports.recordBatch(job.id, { ...batch.record, created: created.length, failed: errors.length }, errors);
    });
  }

  /**
   * A job has no caller waiting on it, so each of its units of work waits out what passes rather than fail the
   * whole job: every pooled connection busy past the pool's wait (DATABASE_BUSY: a few tries with backoff,
   * retry-when-busy.ts, counted afresh after each outage), or the database unreachable (DATABASE_UNAVAILABLE,
   * issue 17: as long as the outage lasts, trying again when the circuit breaker's next probe is due; its log says
   * the outage once, this says nothing more per unit). Stopping ends the wait: a batch's job is then cut, not
   * failed, and the next start resumes it from its last committed batch.
   */
  async function retryWhenTransient<T>(unit: () => Promise<T>): Promise<T> {
    const onRetry = (attempt: number) => log.warn({ attempt }, "database busy: retrying an import unit of work");
    for (;;) {
      try {
        return await retryWhenBusy(unit, { signal: stopper.signal, onRetry });
      } catch (error) {
        if (!(error instanceof Error) || !("code" in error) || error.code !== "DATABASE_UNAVAILABLE") throw error;
        const seconds = "retryAfterSeconds" in error && typeof error.retryAfterSeconds === "number" ? error.retryAfterSeconds : 1;
        if (await sleepUnlessAborted(seconds * 1000, stopper.signal)) throw error;
      }
    }
  }

  async function resumeUnheld(): Promise<number> {
    const free = maxJobs - active.size;
    if (stopper.signal.aborted || free <= 0) return 0;
    const ids = await unitOfWork.run(({ imports }) => imports.findUnheld(clock.now(), maxJobs));
    const fresh = ids.filter((id) => !active.has(id)).slice(0, free);
    for (const id of fresh) kick(id);
    return fresh.length;
  }

  return {
    kick,
    resumeUnheld,
    start(intervalMs = leaseMs) {
      if (timer || stopper.signal.aborted) return;
      const sweep = () =>
        resumeUnheld().catch((error: unknown) => log.error({ err: error }, "looking for import jobs to resume failed"));
      void sweep();
      timer = setInterval(sweep, intervalMs);
      timer.unref();
    },
    async idle() {
      while (active.size > 0 || sweeps.size > 0) await Promise.all([...active.values(), ...sweeps]);
    },
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        stopper.abort(new Error("The server is shutting down"));
        await pool.shutdown();
        await Promise.all([...active.values()]);
      })();
      return stopped;
    },
    stopping: stopper.signal,
  };
}

interface PauseTracker {
  /** Whether the flags refuse the uploader's writes now. */
  refused(): Promise<boolean>;
  /** Resolves true once writes are allowed (at once if they are), false when `stop` aborts first. */
  untilWritable(stop: AbortSignal): Promise<boolean>;
}

/** A batch that found writes refused before its unit of work began: it wrote nothing, and the job pauses. */
class PausedSignal extends Error {
  constructor() {
    super("Writes are refused for this import's uploader");
    this.name = "PausedSignal";
  }
}


/**
 * The uploader as a principal, for the rule of who may create which role (assertMayCreateUser reads the role):
 * rows are judged by the role the uploader had when the file was accepted.
 */
function principalOf(job: ImportJob): Principal {
  return job.actor.type === "token"
    ? { kind: "token", tokenId: job.actor.id ?? "", name: job.actor.label, role: job.actorRole }
    : {
        kind: "user",
        userId: job.actor.id ?? "",
        email: job.actor.label,
        name: job.actor.label,
        role: job.actorRole,
        sessionId: "",
        mustChangePassword: false,
      };
}
