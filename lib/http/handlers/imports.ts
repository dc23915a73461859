/**
 * CSV import jobs (issue 6): POST /api/v1/imports takes a file (text/csv, or multipart/form-data with the field
 * `file`, up to 20 MB) and answers 202 with the job; the job runs in the background (lib/use-cases/run-imports.ts).
 * GET /api/v1/imports/{id} reports status, counts and row errors; /events streams progress as Server-Sent Events.
 * POST /api/v1/imports/preview is the dry run: a file's first rows with the problems an import would report.
 */
import { z } from "zod";

import { IMPORT_PREVIEW_ROWS, IMPORT_UPLOAD_DEADLINE_MS, type ImportJob, type ImportProgress } from "../../domain/import-job";
import type { ImportSnapshot } from "../../use-cases/watch-import";
import { parseInput } from "../read-body";
import { uploadOf } from "../upload";
import { csvDownload, csvLines } from "../csv";
import { json, route } from "../route";
import {
  idempotencyKey,
  idParams,
  importErrorsCsvResponse,
  importEventsResponse,
  importJobDetailResponse,
  importJobPageResponse,
  importJobResponse,
  importPreviewResponse,
  importUploadCsv,
  importUploadMultipart,
} from "../../api-contract";
import { IMPORT_EVENT_STREAM_CAPS } from "../../use-cases/watch-import";
import { IMPORT_UPLOAD_CAPS } from "../../use-cases/start-import";

export const importQuery = z.strictObject({
  errorsAfter: z.coerce.number().int().min(0).optional(),
  errorsLimit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const importListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional(),
});

/** What the routes that take a file (an import and its preview) share: the file's media types, flag and deadline. */
const FILE_UPLOAD = {
  rawBodies: { "text/csv": importUploadCsv, "multipart/form-data": importUploadMultipart },
  feature: "bulk-import",
  // Reading the body is within the deadline: a large file needs longer than a JSON change (issue 6 review).
  deadline: (requestTimeoutMs: number) => Math.max(requestTimeoutMs, IMPORT_UPLOAD_DEADLINE_MS),
} as const;

/** POST /api/v1/imports: 202 with Location; with Idempotency-Key, the same file again gets the same job. */
export const startImport = route({
  method: "POST",
  path: "/api/v1/imports",
  access: "users:import",
  summary: "Import users from a CSV file",
  description:
    "The file as `text/csv`, or as `multipart/form-data` in the field `file` (a browser must also send " +
    "`X-Requested-With`), at most 20 MB: a header row naming `email` and `name`, optionally `role` (default VIEWER) " +
    "and `status` (ACTIVE or DISABLED, default ACTIVE), then one row per user. Answers 202 at once with the job; " +
    "the rows are validated as Create a user does and written in batches in the background. A row whose email " +
    "exists, or appeared earlier in the file, creates nothing and is reported with its line. An EDITOR's rows may " +
    "create VIEWERs only, and an API token's no ADMIN. With an `Idempotency-Key`, the same file sent again answers the same job (" +
    "`Idempotent-Replayed: true`) and creates nothing twice. A job cut by a restart resumes from its last " +
    "committed batch. A file without a usable header row is 422 `IMPORT_FILE_INVALID`. The file is stored in the " +
    "database as it arrives, in chunks of about 1 MB, never whole in memory. A caller may have " +
    `${IMPORT_UPLOAD_CAPS.perPrincipal} uploads under way at once and a server ${IMPORT_UPLOAD_CAPS.perProcess}: past either, ` +
    "429 `TOO_MANY_CONCURRENT_REQUESTS` with Retry-After, before any of the body is read. While read-only mode is on " +
    "or imports are turned off for the uploader, an accepted job pauses (`paused` says why) and resumes after.",
  tag: "Users",
  responses: {
    "202": { description: "Accepted: the job, queued", schema: importJobResponse, headers: ["Location", "Idempotent-Replayed"] },
  },
  errors: [
    "IMPORT_FILE_INVALID",
    "FILE_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_FAILED",
    "IDEMPOTENCY_KEY_REUSED",
    "TOO_MANY_CONCURRENT_REQUESTS",
  ],
  requestHeaders: ["Idempotency-Key"],
  ...FILE_UPLOAD,
  async handler({ app, request, caller }) {
    const header = request.headers.get("idempotency-key");
    const key = header === null ? undefined : parseInput(idempotencyKey, header, "Idempotency-Key header");
    const upload = uploadOf(request);
    const { job, replayed } = await app.startImport(upload, { idempotencyKey: key }, caller());
    const progress = { rowsDone: 0, created: 0, failed: 0, batches: 0 };
    return json(importJson(job, progress), {
      status: 202,
      headers: { location: `/api/v1/imports/${job.id}`, ...(replayed && { "idempotent-replayed": "true" }) },
    });
  },
});

/**
 * POST /api/v1/imports/preview: the dry run (issue 23). What an import of the file would say of its first rows, as
 * the import judges them (lib/use-cases/preview-import.ts); nothing is written, no job is made.
 */
export const previewImport = route({
  method: "POST",
  path: "/api/v1/imports/preview",
  access: "users:import",
  summary: "Preview an import (dry run)",
  description:
    "The file as for Import users from a CSV file (`text/csv`, or `multipart/form-data` in the field `file`, at most " +
    `20 MB). Answers what an import of it would say now, and writes nothing: its first ${IMPORT_PREVIEW_ROWS} data rows, ` +
    "each with the reason the import's error report would give for it (the rules of Create a user, the roles the " +
    "caller may create, an email that exists already, deleted users included, or that appeared earlier in the file), " +
    "or, in `fileProblem`, why the import would refuse the file as a whole (what it answers as 422 " +
    "`IMPORT_FILE_INVALID`, or its job would fail for: rows that are not valid CSV). The rows are parsed from about the " +
    "file's first 2 MB; the whole file is read and checked as text as an upload checks it, but the rows after these are " +
    "not judged (`moreRows`). A preview counts against the same caps on uploads at once as an import, and is turned " +
    "off with imports.",
  tag: "Users",
  responses: { "200": { description: "The file's first rows and their problems, or why it would be refused", schema: importPreviewResponse } },
  errors: ["FILE_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "VALIDATION_FAILED", "TOO_MANY_CONCURRENT_REQUESTS"],
  ...FILE_UPLOAD,
  async handler({ app, request, caller }) {
    return json(await app.previewImport(uploadOf(request), caller()));
  },
});

/** GET /api/v1/imports: the import jobs, newest first. */
export const listImports = route({
  method: "GET",
  path: "/api/v1/imports",
  access: "users:import",
  summary: "List imports",
  description: "Import jobs, newest first, with their counts.",
  tag: "Users",
  responses: { "200": { description: "A page of import jobs", schema: importJobPageResponse } },
  errors: ["INVALID_CURSOR"],
  feature: "bulk-import",
  query: importListQuery,
  async handler({ app, query, caller }) {
    const page = await app.listImports(query, caller());
    return json({ items: page.items.map(({ job, progress }) => importJson(job, progress)), nextCursor: page.nextCursor });
  },
});

/** GET /api/v1/imports/{id}: status, counts, and row errors by line, a page at a time. */
export const getImport = route({
  method: "GET",
  path: "/api/v1/imports/[id]",
  access: "users:import",
  summary: "Get an import",
  description:
    "Status and counts (sums over committed batches, so exact at any moment), and the rows that created no user " +
    "with their line and reason, `errorsLimit` at a time (default 100) from after `errorsAfter`.",
  tag: "Users",
  responses: { "200": { description: "The job", schema: importJobDetailResponse } },
  errors: ["IMPORT_NOT_FOUND"],
  feature: "bulk-import",
  params: idParams,
  query: importQuery,
  async handler({ app, params, query, caller }) {
    const view = await app.getImport(params.id, query, caller());
    return json({
      ...importJson(view.job, view.progress),
      errors: { items: view.errors, nextErrorsAfter: view.nextErrorsAfter },
    });
  },
});

/**
 * GET /api/v1/imports/{id}/events: progress as Server-Sent Events from the database (so from any replica). The
 * route's deadline covers the first snapshot (404, and 429 past the caps on open streams, come as problem+json);
 * the stream then runs until the job ends, the client goes, the server drains, or the caller's credential ends
 * (lib/use-cases/watch-import.ts).
 */
export const importEvents = route({
  method: "GET",
  path: "/api/v1/imports/[id]/events",
  access: "users:import",
  summary: "Follow an import",
  description:
    "Server-Sent Events of the job's progress (rows done, rows per second, seconds left, why it is paused) about " +
    "every 500 ms, read from the database, so any replica can serve it; all the streams of a job on one server share " +
    "one read. Closes when the job ends, when the server drains, and when the caller's session or token ends (revoked, " +
    "expired, the user disabled) or no longer allows it, checked every 5 s. A caller may have " +
    `${IMPORT_EVENT_STREAM_CAPS.perPrincipal} streams open at once and a server ${IMPORT_EVENT_STREAM_CAPS.perProcess}: past ` +
    "either, 429 `TOO_MANY_CONCURRENT_REQUESTS` with Retry-After.",
  tag: "Users",
  responses: { "200": { description: "The event stream", schema: importEventsResponse, mediaType: "text/event-stream" } },
  errors: ["IMPORT_NOT_FOUND", "TOO_MANY_CONCURRENT_REQUESTS"],
  feature: "bulk-import",
  params: idParams,
  async handler({ app, params, request, caller, stillAllowed }) {
    const stop = AbortSignal.any([request.signal, app.importJobs.stopping]);
    const context = caller();
    const snapshots = app.watchImport(params.id, { signal: stop, stillAllowed }, context);
    // Answered without a stream (deadline, client gone, a failure): the generator is closed too, so its slot and
    // its place at the job's poller are given back (return() runs once the pending read settles).
    const close = () => void snapshots.return(undefined).catch(() => undefined);
    context.signal?.addEventListener("abort", close, { once: true });
    let first: IteratorResult<ImportSnapshot>;
    try {
      first = await snapshots.next();
    } catch (error) {
      close();
      throw error;
    } finally {
      context.signal?.removeEventListener("abort", close);
    }
    if (context.signal?.aborted) close(); // aborted before the listener was in place: answered 504 all the same
    const encoder = new TextEncoder();
    const frame = (snapshot: ImportSnapshot) => {
      const finished = snapshot.status === "succeeded" || snapshot.status === "failed";
      return encoder.encode(`event: ${finished ? "done" : "progress"}\ndata: ${JSON.stringify(snapshot)}\n\n`);
    };
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // A client that loses the stream (a replica draining) reconnects after a second.
        controller.enqueue(encoder.encode("retry: 1000\n\n"));
        if (first.done) controller.close();
        else controller.enqueue(frame(first.value));
      },
      async pull(controller) {
        try {
          const next = await snapshots.next();
          if (next.done) controller.close();
          else controller.enqueue(frame(next.value));
        } catch (error) {
          if (stop.aborted) controller.close();
          else controller.error(error);
        }
      },
      async cancel() {
        await snapshots.return(undefined);
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  },
});

/**
 * GET /api/v1/imports/{id}/errors.csv: the rows that created no user (line, email, reason), as CSV with the
 * users export's rules (lib/http/csv.ts: formula-escaped, streamed a page at a time, cut short on a failure).
 */
export const importErrorsCsv = route({
  method: "GET",
  path: "/api/v1/imports/[id]/errors.csv",
  access: "users:import",
  summary: "Download an import's error report",
  description:
    "The rows that created no user, by line, as CSV (`line,email,reason`; the users export's rules: RFC 4180, " +
    "CRLF, UTF-8, cells a spreadsheet would run as formulas prefixed with `'`), downloaded as " +
    "`import-<id>-errors.csv`; only the header when every row was imported. Streamed a page at a time; a " +
    "failure after the first byte cuts the transfer short.",
  tag: "Users",
  responses: { "200": { description: "The report", schema: importErrorsCsvResponse, mediaType: "text/csv", headers: ["Content-Disposition"] } },
  errors: ["IMPORT_NOT_FOUND"],
  feature: "bulk-import",
  params: idParams,
  async handler({ app, params, caller, requestId }) {
    return csvDownload({
      context: caller(),
      open: (context) => app.exportImportErrors(params.id, context),
      render: (rows, options) =>
        csvLines(
          rows.map((row) => ({ line: String(row.line), email: row.email ?? "", reason: row.reason })),
          IMPORT_ERROR_CSV_COLUMNS,
          options,
        ),
      filename: `import-${params.id}-errors.csv`,
      route: "GET /api/v1/imports/[id]/errors.csv",
      what: "import error report",
      log: app.log,
      requestId,
    });
  },
});

export const IMPORT_ERROR_CSV_COLUMNS = ["line", "email", "reason"] as const;

function importJson(job: ImportJob, progress: ImportProgress) {
  return {
    id: job.id,
    status: job.status,
    filename: job.filename,
    sizeBytes: job.sizeBytes,
    sha256: job.sha256,
    createdBy: { type: job.actor.type, id: job.actor.id, label: job.actor.label },
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    error: job.error,
    paused: job.paused && { reason: job.paused.reason, since: job.paused.since.toISOString() },
    counts: { total: job.totalRows, done: progress.rowsDone, created: progress.created, failed: progress.failed },
  };
}
