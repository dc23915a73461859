/**
 * CSV import jobs (issue 6): POST /api/v1/imports takes a file (text/csv, or multipart/form-data with the field
 * `file`, up to 20 MB) and answers 202 with the job; the job runs in the background (lib/use-cases/run-imports.ts).
 * GET /api/v1/imports/{id} reports status, counts and row errors; /events streams progress as Server-Sent Events.
 */
import { z } from "zod";

import { getApp } from "../../app-registry";
import { ImportFileInvalidError } from "../../domain/errors";
import { IMPORT_MAX_BYTES, IMPORT_UPLOAD_DEADLINE_MS, type ImportJob, type ImportProgress } from "../../domain/import-job";
import type { ImportSnapshot } from "../../use-cases/get-import";
import { HttpProblem } from "../problem";
import { mediaTypeOf, parseInput, readBytes } from "../read-body";
import { csvDownload, csvLines } from "../csv";
import { json, route } from "../route";
import { idempotencyKey, idParams } from "../schemas";

/** Room for a multipart envelope (boundaries, part headers) around a file of the largest size. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_MEGABYTES = IMPORT_MAX_BYTES / (1024 * 1024);

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
    const upload = await readUpload(request);
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
 * route's deadline covers the first snapshot (404 comes as problem+json); the stream then runs until the job
 * ends, the client goes, or the server drains.
 */
export const importEvents = route({
  method: "GET",
  path: "/api/v1/imports/[id]/events",
  feature: "bulk-import",
  params: idParams,
  async handler({ params, request, caller }) {
    const app = getApp();
    const stop = AbortSignal.any([request.signal, app.importJobs.stopping]);
    const snapshots = app.watchImport(params.id, { signal: stop }, caller());
    const first = await snapshots.next();
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
    counts: { total: job.totalRows, done: progress.rowsDone, created: progress.created, failed: progress.failed },
  };
}

/** The uploaded file: text/csv as the body, or multipart/form-data's `file`; 413 past the limit, 422 unless UTF-8. */
async function readUpload(request: Request): Promise<{ content: string; filename: string | null; sizeBytes: number }> {
  const type = mediaTypeOf(request);
  let bytes: Uint8Array<ArrayBuffer>;
  let filename: string | null = null;
  if (type === "text/csv") {
    bytes = await readBytes(request, IMPORT_MAX_BYTES, tooLarge);
  } else if (type === "multipart/form-data") {
    const raw = await readBytes(request, IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES, tooLarge);
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
    } catch {
      throw new HttpProblem("VALIDATION_FAILED", "The multipart/form-data body could not be read");
    }
    const file = form.get("file");
    if (file === null || typeof file === "string") {
      throw new HttpProblem("VALIDATION_FAILED", "Send the CSV file in the form field `file`", [
        { path: ["file"], message: "Attach a file" },
      ]);
    }
    if (file.size > IMPORT_MAX_BYTES) throw tooLarge();
    bytes = new Uint8Array(await file.arrayBuffer());
    filename = file.name || null;
  } else {
    throw new HttpProblem(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send the file as text/csv, or as multipart/form-data in the field file; got ${type ?? "no content type"}`,
    );
  }
  let content: string;
  try {
    content = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ImportFileInvalidError("The file is not UTF-8 text: save it as CSV UTF-8");
  }
  // Valid UTF-8, but not text, and PostgreSQL cannot store it (the file is kept with its job).
  if (content.includes("\u0000")) throw new ImportFileInvalidError("The file contains a NUL character (byte 0): it is not a text CSV file");
  return { content, filename: filename?.replaceAll("\u0000", "") || null, sizeBytes: bytes.byteLength };
}


function tooLarge() {
  return new HttpProblem("FILE_TOO_LARGE", `Send a file of at most ${MAX_MEGABYTES} MB (${IMPORT_MAX_BYTES.toLocaleString("en-US")} bytes)`);
}
