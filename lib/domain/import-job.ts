/**
 * CSV import jobs (issue 6, POST /api/v1/imports): plain types and the numbers that bound them. A job's state,
 * its file and its committed batches live in the database, so any replica can report on it and a job cut by a
 * restart resumes from its last committed batch (lib/use-cases/run-imports.ts).
 */
import type { Actor, Principal } from "./auth";
import type { Role } from "./user";

export const IMPORT_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Rows per batch: one unit of work each (users, their audit entries, the row errors, the batch record). */
export const IMPORT_BATCH_SIZE = 500;
/** Largest file accepted (413 past it): 20 MB is about 200k rows of typical width. */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
/**
 * Deadline of POST /imports, whose body is read within it: the largest file at about 1.5 Mbit/s, a slow office
 * uplink (the default request deadline of 5 s would need 32 Mbit/s).
 */
export const IMPORT_UPLOAD_DEADLINE_MS = 120_000;
/**
 * An upload is stored in chunks of about this many bytes as it arrives, each chunk in a unit of work of its own
 * (issue 18, item 7): an upload holds at most one chunk in memory, never the file.
 */
export const IMPORT_CHUNK_BYTES = 1024 * 1024;
/**
 * An upload that no job took this long after it started was abandoned (its process died mid-upload): the periodic
 * clean-up deletes it. Far past any upload's deadline.
 */
export const IMPORT_UPLOAD_ABANDONED_MS = 60 * 60_000;
/**
 * Jobs one process works on at once: each reads its file a chunk at a time and writes batches through the shared
 * worker pool; further jobs wait, queued, in the database.
 */
export const IMPORT_JOBS_PER_PROCESS = 2;
/** A process holds a job this long and renews it while it works; past it another replica may take it over. */
export const IMPORT_LEASE_MS = 30_000;
/** The columns of an import file, in any order; `email` and `name` are required, `role` and `status` optional. */
export const IMPORT_COLUMNS = ["email", "name", "role", "status"] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export const IMPORT_REQUIRED_COLUMNS = ["email", "name"] as const;
/**
 * Data rows a preview of an import judges (POST /imports/preview, issue 23): the file's first ones, enough to see
 * that its columns hold what they should and to catch a systematic mistake before a file of thousands is queued.
 */
export const IMPORT_PREVIEW_ROWS = 20;

export interface ImportJob {
  readonly id: string;
  /** Who uploaded the file: the audit entries of the users it creates name them. */
  readonly actor: Actor;
  /** The uploader's role at upload: rows are checked against it (an EDITOR imports VIEWERs only). */
  readonly actorRole: Role;
  readonly filename: string | null;
  /** SHA-256 (hex) of the file. */
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly status: ImportStatus;
  /** Data rows in the file, once counted. */
  readonly totalRows: number | null;
  /** Why the job failed as a whole; rows' own errors are {@link ImportRowError}s. */
  readonly error: string | null;
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
  /** Held by a process until then; null or past: free for any replica to take. */
  readonly leaseUntil: Date | null;
  /**
   * Set while the job waits because writes are refused for its uploader (issue 18, item 9): it resumes by itself
   * once they are allowed again.
   */
  readonly paused: ImportPause | null;
}

/**
 * Why a job writes nothing for now: `read-only-mode`, the incident kill switch (flag ops-read-only-mode) is on;
 * `imports-off`, imports are turned off (flag bulk-import). Evaluated for the job's uploader, as their requests are.
 */
export const IMPORT_PAUSE_REASONS = ["read-only-mode", "imports-off"] as const;
export type ImportPauseReason = (typeof IMPORT_PAUSE_REASONS)[number];

export interface ImportPause {
  readonly reason: ImportPauseReason;
  readonly since: Date;
}

/** A committed batch: rows [firstLine, lastLine] of the file (line 1 is the header). */
export interface ImportBatchRecord {
  readonly batchNo: number;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly rows: number;
  readonly created: number;
  readonly failed: number;
}

/** A row that created no user, and why. */
export interface ImportRowError {
  /** The file's line (1 is the header; a quoted field spanning lines counts from its record's first line). */
  readonly line: number;
  readonly email: string | null;
  readonly reason: string;
}

/** Sums over the committed batches, so they are exact whatever happened to the process. */
export interface ImportProgress {
  readonly rowsDone: number;
  readonly created: number;
  readonly failed: number;
  readonly batches: number;
}

/** The progress of a job no batch of which has committed yet. */
export const NO_PROGRESS: ImportProgress = { rowsDone: 0, created: 0, failed: 0, batches: 0 };

export function isFinished(status: ImportStatus): boolean {
  return status === "succeeded" || status === "failed";
}

/** Keyset position of the job listing (newest first). */
export interface ImportJobCursor {
  createdAt: Date;
  id: string;
}

/**
 * The uploader as a principal, for the rule of who may create which role (assertMayCreateUser reads the role) and
 * for the flags that may pause the job: rows are judged by the role the uploader had when the file was accepted.
 */
export function uploaderOf(job: ImportJob): Principal {
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
