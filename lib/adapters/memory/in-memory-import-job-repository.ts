import { v7 as uuidv7 } from "uuid";

import type { ImportBatchRecord, ImportJob, ImportJobCursor, ImportPause, ImportProgress, ImportRowError } from "../../domain/import-job";
import { isFinished } from "../../domain/import-job";
import { ImportBatchRecordedError, ImportUploadGoneError, type ImportJobRepository, type ImportOutcome, type NewImportJob } from "../../ports/import-job-repository";
import type { InMemoryState } from "./in-memory-database";

/** What the in-memory database keeps of imports. Inner maps and arrays are replaced, never mutated (copy on write). */
export interface InMemoryImports {
  jobs: Map<string, ImportJob>;
  /** Uploaded files by upload id: whose (null while uploading), when they started, their chunks in order. */
  uploads: Map<string, InMemoryUpload>;
  /** Who holds each job's lease (the database's `lease_holder`). */
  holders: Map<string, string>;
  batches: Map<string, ReadonlyMap<number, ImportBatchRecord>>;
  errors: Map<string, readonly ImportRowError[]>;
}

interface InMemoryUpload {
  readonly jobId: string | null;
  readonly startedAt: Date;
  readonly chunks: readonly string[];
}

export function emptyImports(): InMemoryImports {
  return { jobs: new Map(), uploads: new Map(), holders: new Map(), batches: new Map(), errors: new Map() };
}

export function copyImports(imports: InMemoryImports): InMemoryImports {
  return {
    jobs: new Map(imports.jobs),
    uploads: new Map(imports.uploads),
    holders: new Map(imports.holders),
    batches: new Map(imports.batches),
    errors: new Map(imports.errors),
  };
}

export class InMemoryImportJobRepository implements ImportJobRepository {
  constructor(
    private readonly state: Pick<InMemoryState, "imports">,
    private readonly now: () => Date,
    /** Throws once the unit of work has been given up on. */
    private readonly guard: () => void,
  ) {}

  private get imports() {
    return this.state.imports;
  }

  async beginUpload(at: Date): Promise<string> {
    this.guard();
    const id = uuidv7();
    this.imports.uploads.set(id, { jobId: null, startedAt: at, chunks: [] });
    return id;
  }

  async appendChunk(uploadId: string, chunkNo: number, content: string): Promise<void> {
    this.guard();
    const upload = this.imports.uploads.get(uploadId);
    // As the database's keys do: a chunk of no upload, or one stored already, is refused.
    if (!upload || upload.jobId !== null) throw new ImportUploadGoneError(uploadId);
    if (chunkNo !== upload.chunks.length) throw new Error(`chunk ${chunkNo} of upload ${uploadId} is out of order`);
    this.imports.uploads.set(uploadId, { ...upload, chunks: [...upload.chunks, content] });
  }

  async discardUpload(uploadId: string): Promise<boolean> {
    this.guard();
    if (this.imports.uploads.get(uploadId)?.jobId !== null) return false;
    return this.imports.uploads.delete(uploadId);
  }

  private uploadOf(jobId: string): InMemoryUpload | undefined {
    for (const upload of this.imports.uploads.values()) if (upload.jobId === jobId) return upload;
    return undefined;
  }

  async create(input: NewImportJob): Promise<ImportJob> {
    this.guard();
    const upload = this.imports.uploads.get(input.uploadId);
    if (!upload || upload.jobId !== null) throw new ImportUploadGoneError(input.uploadId);
    const at = this.now();
    const job: ImportJob = {
      id: uuidv7(),
      actor: { ...input.actor },
      actorRole: input.actorRole,
      filename: input.filename,
      sha256: input.sha256,
      sizeBytes: input.sizeBytes,
      status: "queued",
      totalRows: null,
      error: null,
      requestId: input.requestId,
      traceId: input.traceId,
      createdAt: at,
      updatedAt: at,
      finishedAt: null,
      leaseUntil: null,
      paused: null,
    };
    this.imports.jobs.set(job.id, job);
    this.imports.uploads.set(input.uploadId, { ...upload, jobId: job.id });
    return job;
  }

  async get(id: string): Promise<ImportJob | null> {
    this.guard();
    return this.imports.jobs.get(id) ?? null;
  }

  async fileChunks(id: string): Promise<number | null> {
    this.guard();
    return this.uploadOf(id)?.chunks.length ?? null;
  }

  async fileChunk(id: string, chunkNo: number): Promise<string | null> {
    this.guard();
    return this.uploadOf(id)?.chunks[chunkNo] ?? null;
  }

  async list(query: { limit: number; after?: ImportJobCursor }): Promise<ImportJob[]> {
    this.guard();
    const after = query.after;
    return [...this.imports.jobs.values()]
      .filter(
        (job) =>
          !after ||
          job.createdAt.getTime() < after.createdAt.getTime() ||
          (job.createdAt.getTime() === after.createdAt.getTime() && job.id < after.id),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, query.limit);
  }

  async acquire(id: string, lease: { now: Date; leaseUntil: Date; holder: string }): Promise<ImportJob | null> {
    this.guard();
    const job = this.imports.jobs.get(id);
    if (!job || !isFree(job, lease.now)) return null;
    this.imports.holders.set(id, lease.holder);
    return this.update(id, { status: "running", leaseUntil: lease.leaseUntil });
  }

  private holds(id: string, holder: string): boolean {
    const job = this.imports.jobs.get(id);
    return job !== undefined && !isFinished(job.status) && this.imports.holders.get(id) === holder;
  }

  async findUnheld(now: Date, limit: number): Promise<string[]> {
    this.guard();
    return [...this.imports.jobs.values()]
      .filter((job) => isFree(job, now))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((job) => job.id);
  }

  async setLease(id: string, holder: string, leaseUntil: Date | null): Promise<boolean> {
    this.guard();
    if (!this.holds(id, holder)) return false;
    this.update(id, { leaseUntil });
    return true;
  }

  async isHeldBy(id: string, holder: string): Promise<boolean> {
    this.guard();
    return this.holds(id, holder);
  }

  async setPaused(id: string, holder: string, pause: ImportPause | null): Promise<boolean> {
    this.guard();
    if (!this.holds(id, holder)) return false;
    this.update(id, { paused: pause && { ...pause } });
    return true;
  }

  async setTotalRows(id: string, totalRows: number): Promise<void> {
    this.guard();
    if (this.imports.jobs.has(id)) this.update(id, { totalRows });
  }

  async recordBatch(jobId: string, batch: ImportBatchRecord, errors: readonly ImportRowError[]): Promise<void> {
    this.guard();
    const recorded = this.imports.batches.get(jobId) ?? new Map<number, ImportBatchRecord>();
    if (recorded.has(batch.batchNo)) throw new ImportBatchRecordedError(jobId, batch.batchNo);
    this.imports.batches.set(jobId, new Map(recorded).set(batch.batchNo, { ...batch }));
    if (errors.length > 0) {
      const all = [...(this.imports.errors.get(jobId) ?? []), ...errors.map((error) => ({ ...error }))];
      this.imports.errors.set(jobId, all.sort((a, b) => a.line - b.line));
    }
  }

  async recordedBatches(jobId: string): Promise<number[]> {
    this.guard();
    return [...(this.imports.batches.get(jobId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  async progressMany(jobIds: readonly string[]): Promise<Map<string, ImportProgress>> {
    const progress = new Map<string, ImportProgress>();
    for (const id of jobIds) progress.set(id, await this.progress(id));
    return progress;
  }

  async progress(jobId: string): Promise<ImportProgress> {
    this.guard();
    let rowsDone = 0;
    let created = 0;
    let failed = 0;
    const batches = [...(this.imports.batches.get(jobId)?.values() ?? [])];
    for (const batch of batches) {
      rowsDone += batch.rows;
      created += batch.created;
      failed += batch.failed;
    }
    return { rowsDone, created, failed, batches: batches.length };
  }

  async rowErrors(jobId: string, query: { afterLine?: number; limit: number }): Promise<ImportRowError[]> {
    this.guard();
    const afterLine = query.afterLine ?? 0;
    return (this.imports.errors.get(jobId) ?? []).filter((error) => error.line > afterLine).slice(0, query.limit);
  }

  async deleteFinishedFiles(abandonedBefore: Date): Promise<number> {
    this.guard();
    let deleted = 0;
    for (const [id, upload] of [...this.imports.uploads]) {
      const finished = upload.jobId !== null && this.imports.jobs.get(upload.jobId)?.finishedAt;
      const abandoned = upload.jobId === null && upload.startedAt.getTime() < abandonedBefore.getTime();
      if ((finished || abandoned) && this.imports.uploads.delete(id)) deleted++;
    }
    return deleted;
  }

  async finish(id: string, holder: string, outcome: ImportOutcome): Promise<boolean> {
    this.guard();
    const job = this.imports.jobs.get(id);
    if (!job || !this.holds(id, holder)) return false;
    this.update(id, {
      status: outcome.status,
      totalRows: outcome.totalRows ?? job.totalRows,
      error: outcome.error,
      finishedAt: outcome.at,
      leaseUntil: null,
      paused: null,
    });
    for (const [uploadId, upload] of [...this.imports.uploads]) if (upload.jobId === id) this.imports.uploads.delete(uploadId);
    return true;
  }

  private update(id: string, patch: Partial<ImportJob>): ImportJob {
    const current = this.imports.jobs.get(id);
    if (!current) throw new Error(`import ${id} vanished`);
    const next: ImportJob = { ...current, ...patch, updatedAt: this.now() };
    this.imports.jobs.set(id, next);
    return next;
  }
}

function isFree(job: ImportJob, now: Date): boolean {
  return !isFinished(job.status) && (job.leaseUntil === null || job.leaseUntil.getTime() < now.getTime());
}
