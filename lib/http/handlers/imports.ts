/**
 * CSV import jobs (issue 6): POST /api/v1/imports takes a file (text/csv, or multipart/form-data with the field
 * `file`, up to 20 MB) and answers 202 with the job; the job runs in the background (lib/use-cases/run-imports.ts).
 * GET /api/v1/imports/{id} reports status, counts and row errors; /events streams progress as Server-Sent Events.
 */
import { z } from "zod";

import { getApp } from "../../app-registry";
import { IMPORT_UPLOAD_DEADLINE_MS, type ImportJob, type ImportProgress } from "../../domain/import-job";
import type { ImportSnapshot } from "../../use-cases/watch-import";
import { parseInput } from "../read-body";
import { uploadOf } from "../upload";
import { csvDownload, csvLines } from "../csv";
import { json, route } from "../route";
import { idempotencyKey, idParams } from "../../api-contract";

export const importQuery = z.strictObject({
  errorsAfter: z.coerce.number().int().min(0).optional(),
  errorsLimit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const importListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional(),
});

/** POST /api/v1/imports: 202 with Location; with Idempotency-Key, the same file again gets the same job. */
export const startImport = route({
  method: "POST",
  path: "/api/v1/imports",
  feature: "bulk-import",
  // Reading the body is within the deadline: a large file needs longer than a JSON change (issue 6 review).
  deadline: (requestTimeoutMs) => Math.max(requestTimeoutMs, IMPORT_UPLOAD_DEADLINE_MS),
  async handler({ request, caller }) {
    const header = request.headers.get("idempotency-key");
    const key = header === null ? undefined : parseInput(idempotencyKey, header, "Idempotency-Key header");
    const upload = uploadOf(request);
    const { job, replayed } = await getApp().startImport(upload, { idempotencyKey: key }, caller());
    const progress = { rowsDone: 0, created: 0, failed: 0, batches: 0 };
    return json(importJson(job, progress), {
      status: 202,
      headers: { location: `/api/v1/imports/${job.id}`, ...(replayed && { "idempotent-replayed": "true" }) },
    });
  },
});

/** GET /api/v1/imports: the import jobs, newest first. */
export const listImports = route({
  method: "GET",
  path: "/api/v1/imports",
  feature: "bulk-import",
  query: importListQuery,
  async handler({ query, caller }) {
    const page = await getApp().listImports(query, caller());
    return json({ items: page.items.map(({ job, progress }) => importJson(job, progress)), nextCursor: page.nextCursor });
  },
});

/** GET /api/v1/imports/{id}: status, counts, and row errors by line, a page at a time. */
export const getImport = route({
  method: "GET",
  path: "/api/v1/imports/[id]",
  feature: "bulk-import",
  params: idParams,
  query: importQuery,
  async handler({ params, query, caller }) {
    const view = await getApp().getImport(params.id, query, caller());
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
  feature: "bulk-import",
  params: idParams,
  async handler({ params, request, caller, stillAllowed }) {
    const app = getApp();
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
  feature: "bulk-import",
  params: idParams,
  async handler({ params, caller, requestId }) {
    const app = getApp();
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
