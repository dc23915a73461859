/** CSV imports (issue 8): /api/v1/imports, each job's event stream and its error report, a file's preview (issue 23). */
import * as z from "../domain/zod";

import { IMPORT_COLUMNS, IMPORT_PAUSE_REASONS, IMPORT_PREVIEW_ROWS, type ImportColumn } from "../domain/import-job";
import { timestamp } from "./common";

const importCounts = z
  .strictObject({
    total: z.nullable(z.int()).check(z.meta({ description: "Data rows in the file; null until counted" })),
    done: z.int().check(z.meta({ description: "Rows handled in committed batches (created + failed)" })),
    created: z.int(),
    failed: z.int(),
  })
  .check(z.meta({ id: "ImportCounts" }));

const importRowError = z
  .strictObject({
    line: z.int().check(z.meta({ description: "Line of the file (1 is the header)" })),
    email: z.nullable(z.string()),
    reason: z.string(),
  })
  .check(z.meta({ id: "ImportRowError" }));

const importPause = z
  .nullable(
    z.strictObject({
    reason: z.enum(IMPORT_PAUSE_REASONS).check(z.meta({
      description:
        "`read-only-mode`: the incident kill switch (flag ops-read-only-mode) is on for the uploader; `imports-off`: " +
        "imports are turned off for them (flag bulk-import)",
    })),
    since: timestamp,
  }),
  )
  .check(z.meta({
    id: "ImportPause",
    description: "Set while the job writes nothing because a flag refuses its uploader's writes; it resumes by itself once they are allowed",
  }));

const importJobFields = {
  id: z.string(),
  status: z.enum(["queued", "running", "succeeded", "failed"]),
  filename: z.nullable(z.string()),
  sizeBytes: z.int(),
  sha256: z.string(),
  createdBy: z.strictObject({ type: z.string(), id: z.nullable(z.string()), label: z.string() }),
  createdAt: timestamp,
  updatedAt: timestamp,
  finishedAt: z.nullable(timestamp),
  error: z.nullable(z.string()).check(z.meta({ description: "Why the job failed as a whole (its rows' errors are listed apart)" })),
  paused: importPause,
  counts: importCounts,
};

export const importJobResponse = z.strictObject(importJobFields).check(z.meta({ id: "ImportJob" }));

// Not z.extend(importJobResponse): that would carry its checks along, and with them its component id.
export const importJobDetailResponse = z
  .strictObject({
    ...importJobFields,
    errors: z.strictObject({
      items: z.array(importRowError),
      nextErrorsAfter: z
        .nullable(z.int())
        .check(z.meta({ description: "Pass as `errorsAfter` for the next errors; null after the last" })),
    }),
  })
  .check(z.meta({ id: "ImportJobDetail" }));

export const importJobPageResponse = z
  .strictObject({ items: z.array(importJobResponse), nextCursor: z.nullable(z.string()) })
  .check(z.meta({ id: "ImportJobPage" }));

/** The `data` of each Server-Sent Event of GET /imports/{id}/events. */
export const importProgressEvent = z
  .strictObject({
    status: z.enum(["queued", "running", "succeeded", "failed"]),
    rowsDone: z.int(),
    created: z.int(),
    failed: z.int(),
    total: z.nullable(z.int()),
    rowsPerSecond: z.nullable(z.number()),
    etaSeconds: z.nullable(z.number()),
    error: z.nullable(z.string()),
    paused: importPause,
  })
  .check(z.meta({ id: "ImportProgressEvent" }));

export const importEventsResponse = z.string().check(z.meta({
  description:
    "Server-Sent Events: `event: progress` about every 500 ms with `data` a JSON object " +
    "`{status, rowsDone, created, failed, total, rowsPerSecond, etaSeconds, error, paused}`; `event: done` with the " +
    "same object once the job has ended, then the stream closes. It also closes when the server drains (the client " +
    "reconnects, to another replica, after `retry`), and when the caller's session or token ends or no longer " +
    "allows it (checked every 5 s; the reconnect is then answered 401 or 403).",
}));

/** GET /imports/{id}/errors.csv: the report itself, as text. */
export const importErrorsCsvResponse = z.string().check(z.meta({
  description: "RFC 4180 CSV in UTF-8: the header `line,email,reason`, then one row per row of the file that created no user",
  examples: ["line,email,reason\r\n3,not-an-email,email: Invalid email address\r\n"],
}));

const importPreviewRow = z
  .strictObject({
    line: z.int().check(z.meta({ description: "Line of the file (1 is the header), as the import's error report numbers it" })),
    fields: z.record(z.string(), z.string()).check(z.meta({ description: "The row's cells by column, as the import reads them; a missing trailing cell is absent" })),
    problem: z
      .nullable(z.string())
      .check(z.meta({ description: "Why an import would create no user from this row: the reason its error report would give; null when it would create one" })),
  })
  .check(z.meta({ id: "ImportPreviewRow" }));

export const importPreviewResponse = z
  .strictObject({
    columns: z
      .array(z.string())
      .check(z.meta({ description: "The header row's column names as the import reads them (trimmed, lower-cased); empty when the file is refused" })),
    fileProblem: z.nullable(z.string()).check(z.meta({
      description:
        "Why an import of this file would be refused as a whole (what POST /imports answers as 422 `IMPORT_FILE_INVALID`, or " +
        "the reason its job would fail with), in which case no row is judged; null when it would be taken",
    })),
    rows: z.array(importPreviewRow).check(z.meta({ description: `The file's first data rows, at most ${IMPORT_PREVIEW_ROWS}, each judged as an import would judge it now` })),
    moreRows: z.boolean().check(z.meta({
      description:
        "The file has data rows after these, or may have: it goes on past the part parsed (about its first 2 MB). They are " +
        "not judged here; an import reports their problems as it runs",
    })),
  })
  .check(z.meta({ id: "ImportPreview" }));

export type ImportPreviewJson = z.output<typeof importPreviewResponse>;

const IMPORT_TEMPLATE_EXAMPLE: { readonly [C in ImportColumn]: string } = {
  email: "ada.lovelace@example.com",
  name: "Ada Lovelace",
  role: "VIEWER",
  status: "ACTIVE",
};

/**
 * A CSV file to start from (issue 23): the header row with every column the importer takes (IMPORT_COLUMNS, the list
 * the server checks headers against), and one example row. The console offers it for download.
 */
export const IMPORT_TEMPLATE_CSV = [IMPORT_COLUMNS, IMPORT_COLUMNS.map((column) => IMPORT_TEMPLATE_EXAMPLE[column])]
  .map((cells) => `${cells.join(",")}\r\n`)
  .join("");

export const importUploadCsv = z.string().check(z.meta({
  description: "The CSV file: a header row naming email and name, optionally role and status, then one row per user",
}));

export const importUploadMultipart = z
  .strictObject({ file: z.string().check(z.meta({ format: "binary", description: "The CSV file" })) })
  .check(z.meta({ id: "ImportUpload" }));

export type ImportJobJson = z.output<typeof importJobResponse>;
export type ImportProgressJson = z.output<typeof importProgressEvent>;
