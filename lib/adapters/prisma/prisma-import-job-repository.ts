import {
  IMPORT_PAUSE_REASONS,
  NO_PROGRESS,
  type ImportBatchRecord,
  type ImportJob,
  type ImportJobCursor,
  type ImportPause,
  type ImportPauseReason,
  type ImportProgress,
  type ImportRowError,
} from "../../domain/import-job";
import type { Role } from "../../domain/user";
import {
  ImportBatchRecordedError,
  ImportUploadGoneError,
  type ImportJobRepository,
  type ImportOutcome,
  type NewImportJob,
} from "../../ports/import-job-repository";
import type { Prisma, ImportJob as ImportJobRow } from "./generated/client.ts";
import { isUuid } from "./prisma-user-repository";

const UNFINISHED = ["queued", "running"] as const;

/** Import jobs through Prisma, on the transaction client of one unit of work. */
export class PrismaImportJobRepository implements ImportJobRepository {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async beginUpload(at: Date): Promise<string> {
    this.guard();
    return (await this.tx.importUpload.create({ data: { startedAt: at }, select: { id: true } })).id;
  }

  async appendChunk(uploadId: string, chunkNo: number, content: string): Promise<void> {
    this.guard();
    await this.tx.importUploadChunk.create({ data: { uploadId, chunkNo, content }, select: { chunkNo: true } });
  }

  async discardUpload(uploadId: string): Promise<boolean> {
    this.guard();
    if (!isUuid(uploadId)) return false;
    return (await this.tx.importUpload.deleteMany({ where: { id: uploadId, jobId: null } })).count === 1;
  }

  async create(input: NewImportJob): Promise<ImportJob> {
    this.guard();
    const row = await this.tx.importJob.create({
      data: {
        actorType: input.actor.type,
        actorId: input.actor.id,
        actor: input.actor.label.slice(0, 320),
        actorRole: input.actorRole,
        filename: input.filename?.slice(0, 255) ?? null,
        sha256: input.sha256,
        sizeBytes: input.sizeBytes,
        requestId: input.requestId,
        traceId: input.traceId,
      },
    });
    // The upload becomes the job's file: one UPDATE, conditional on its having no job yet.
    this.guard();
    const { count } = isUuid(input.uploadId)
      ? await this.tx.importUpload.updateMany({ where: { id: input.uploadId, jobId: null }, data: { jobId: row.id } })
      : { count: 0 };
    if (count !== 1) throw new ImportUploadGoneError(input.uploadId);
    return toImportJob(row);
  }

  async get(id: string): Promise<ImportJob | null> {
    this.guard();
    if (!isUuid(id)) return null;
    const row = await this.tx.importJob.findUnique({ where: { id } });
    return row ? toImportJob(row) : null;
  }

  async fileChunks(id: string): Promise<number | null> {
    this.guard();
    if (!isUuid(id)) return null;
    const upload = await this.tx.importUpload.findUnique({ where: { jobId: id }, select: { _count: { select: { chunks: true } } } });
    return upload ? upload._count.chunks : null;
  }

  async fileChunk(id: string, chunkNo: number): Promise<string | null> {
    this.guard();
    if (!isUuid(id)) return null;
    const chunk = await this.tx.importUploadChunk.findFirst({ where: { chunkNo, upload: { jobId: id } }, select: { content: true } });
    return chunk?.content ?? null;
  }

  async list(query: { limit: number; after?: ImportJobCursor }): Promise<ImportJob[]> {
    this.guard();
    const after = query.after;
    const rows = await this.tx.importJob.findMany({
      where: after
        ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
        : {},
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: query.limit,
    });
    return rows.map(toImportJob);
  }

  async acquire(id: string, lease: { now: Date; leaseUntil: Date; holder: string }): Promise<ImportJob | null> {
    this.guard();
    if (!isUuid(id)) return null;
    // One UPDATE with the condition in its WHERE: PostgreSQL re-checks it under the row lock, so of two
    // replicas trying at once exactly one matches.
    const { count } = await this.tx.importJob.updateMany({
      where: { id, ...unheld(lease.now) },
      data: { status: "running", leaseUntil: lease.leaseUntil, leaseHolder: lease.holder },
    });
    return count === 1 ? this.get(id) : null;
  }

  async findUnheld(now: Date, limit: number): Promise<string[]> {
    this.guard();
    const rows = await this.tx.importJob.findMany({
      where: unheld(now),
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: limit,
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  async setLease(id: string, holder: string, leaseUntil: Date | null): Promise<boolean> {
    this.guard();
    if (!isUuid(id) || !isUuid(holder)) return false;
    const { count } = await this.tx.importJob.updateMany({
      where: { id, leaseHolder: holder, status: { in: [...UNFINISHED] } },
      data: { leaseUntil },
    });
    return count === 1;
  }

  async isHeldBy(id: string, holder: string): Promise<boolean> {
    this.guard();
    if (!isUuid(id) || !isUuid(holder)) return false;
    const held = await this.tx.importJob.count({ where: { id, leaseHolder: holder, status: { in: [...UNFINISHED] } } });
    return held === 1;
  }

  async setPaused(id: string, holder: string, pause: ImportPause | null): Promise<boolean> {
    this.guard();
    if (!isUuid(id) || !isUuid(holder)) return false;
    const { count } = await this.tx.importJob.updateMany({
      where: { id, leaseHolder: holder, status: { in: [...UNFINISHED] } },
      data: { pausedReason: pause?.reason ?? null, pausedAt: pause?.since ?? null },
    });
    return count === 1;
  }

  async setTotalRows(id: string, totalRows: number): Promise<void> {
    this.guard();
    await this.tx.importJob.updateMany({ where: { id }, data: { totalRows } });
  }

  async recordBatch(jobId: string, batch: ImportBatchRecord, errors: readonly ImportRowError[]): Promise<void> {
    this.guard();
    // ON CONFLICT DO NOTHING: a batch recorded by another process (committed, or committing: the insert waits
    // for it) counts 0 here, and the caller's unit rolls back with the users it created.
    const { count } = await this.tx.importBatch.createMany({ data: [{ jobId, ...batch }], skipDuplicates: true });
    if (count === 0) throw new ImportBatchRecordedError(jobId, batch.batchNo);
    if (errors.length === 0) return;
    this.guard();
    await this.tx.importRowError.createMany({
      data: errors.map((error) => ({
        jobId,
        line: error.line,
        email: error.email?.slice(0, 320) ?? null,
        reason: error.reason.slice(0, 1000),
      })),
    });
  }

  async recordedBatches(jobId: string): Promise<number[]> {
    this.guard();
    const rows = await this.tx.importBatch.findMany({
      where: { jobId },
      select: { batchNo: true },
      orderBy: { batchNo: "asc" },
    });
    return rows.map((row) => row.batchNo);
  }

  async progress(jobId: string): Promise<ImportProgress> {
    return (await this.progressMany([jobId])).get(jobId) ?? NO_PROGRESS;
  }

  async progressMany(jobIds: readonly string[]): Promise<Map<string, ImportProgress>> {
    this.guard();
    const progress = new Map(jobIds.map((id) => [id, NO_PROGRESS]));
    const ids = jobIds.filter(isUuid);
    if (ids.length === 0) return progress;
    const sums = await this.tx.importBatch.groupBy({
      by: ["jobId"],
      where: { jobId: { in: ids } },
      _sum: { rows: true, created: true, failed: true },
      _count: { _all: true },
    });
    for (const sum of sums) {
      progress.set(sum.jobId, {
        rowsDone: sum._sum.rows ?? 0,
        created: sum._sum.created ?? 0,
        failed: sum._sum.failed ?? 0,
        batches: sum._count._all,
      });
    }
    return progress;
  }

  async rowErrors(jobId: string, query: { afterLine?: number; limit: number }): Promise<ImportRowError[]> {
    this.guard();
    if (!isUuid(jobId)) return [];
    const rows = await this.tx.importRowError.findMany({
      where: { jobId, line: { gt: query.afterLine ?? 0 } },
      orderBy: { line: "asc" },
      take: query.limit,
    });
    return rows.map((row) => ({ line: row.line, email: row.email, reason: row.reason }));
  }

  async deleteFinishedFiles(abandonedBefore: Date): Promise<number> {
    this.guard();
    const where = { OR: [{ job: { finishedAt: { not: null } } }, { jobId: null, startedAt: { lt: abandonedBefore } }] };
    return (await this.tx.importUpload.deleteMany({ where })).count;
  }

  async finish(id: string, holder: string, outcome: ImportOutcome): Promise<boolean> {
    this.guard();
    if (!isUuid(id) || !isUuid(holder)) return false;
    const { count } = await this.tx.importJob.updateMany({
      where: { id, leaseHolder: holder, status: { in: [...UNFINISHED] } },
      data: {
        status: outcome.status,
        ...(outcome.totalRows !== null && { totalRows: outcome.totalRows }),
        error: outcome.error?.slice(0, 1000) ?? null,
        finishedAt: outcome.at,
        leaseUntil: null,
        pausedReason: null,
        pausedAt: null,
      },
    });
    if (count === 0) return false;
    // A finished job is never resumed, so its file (up to IMPORT_MAX_BYTES) has served its purpose.
    await this.tx.importUpload.deleteMany({ where: { jobId: id } });
    return true;
  }
}

function unheld(now: Date): Prisma.ImportJobWhereInput {
  return { status: { in: [...UNFINISHED] }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] };
}

function toImportJob(row: ImportJobRow): ImportJob {
  return {
    id: row.id,
    actor: {
      type: row.actorType === "token" ? "token" : row.actorType === "system" ? "system" : "user",
      id: row.actorId,
      label: row.actor,
    },
    actorRole: toRole(row.actorRole),
    filename: row.filename,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    status: row.status,
    totalRows: row.totalRows,
    error: row.error,
    requestId: row.requestId,
    traceId: row.traceId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
    leaseUntil: row.leaseUntil,
    paused: row.pausedReason !== null && row.pausedAt !== null ? { reason: toPauseReason(row.pausedReason), since: row.pausedAt } : null,
  };
}

function toPauseReason(value: string): ImportPauseReason {
  // Written from an ImportPauseReason by setPaused(); anything else would be a corrupted row, shown as the kill switch.
  return IMPORT_PAUSE_REASONS.find((reason) => reason === value) ?? "read-only-mode";
}

function toRole(value: string): Role {
  // Written from a Role by create(); anything else would be a corrupted row, treated as the least privileged.
  return value === "ADMIN" || value === "EDITOR" ? value : "VIEWER";
}
