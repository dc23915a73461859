/**
 * The API's CSV answers (the users export, an import's row errors) as RFC 4180 (a header row, CRLF line ends,
 * fields quoted when they hold a comma, quote or line break, quotes doubled), written by csv-stringify, and the
 * pull-based stream they are answered with.
 *
 * Formula injection (OWASP "CSV Injection"): a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return (or their full-width forms, which some spreadsheets normalise) is run as a formula when the file is
 * opened in a spreadsheet, so a user named `=HYPERLINK(...)` could act on whoever opens the export. Such cells
 * are prefixed with a single quote (csv-stringify's `escape_formulas`) and quoted (`quoted_match`), as OWASP
 * advises. The prefix changes the value; that is the price of the file being safe to open.
 */
import { stringify } from "csv-stringify/sync";

import type { User } from "../domain/user";
import type { Logger } from "../ports/logger";
import type { CallContext } from "../use-cases/call-context";
import type { UserPages } from "../use-cases/export-users";
import { userJson } from "./representations";

export const USER_CSV_COLUMNS = ["id", "email", "name", "role", "status", "createdAt", "updatedAt", "deletedAt"] as const;

/** The first characters csv-stringify's `escape_formulas` prefixes: such cells are quoted as well. */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

type UserRecord = Record<(typeof USER_CSV_COLUMNS)[number], string>;

/** The user as the API's JSON has them (userJson), in text: the CSV is the same representation, without `version`. */
function userRecord(user: User): UserRecord {
  const { version: _version, deletedAt, ...json } = userJson(user);
  return { ...json, deletedAt: deletedAt ?? "" };
}

/** CSV lines of `users`, each ending in CRLF; with `header`, the header row first (alone when there are none). */
export function usersCsv(users: readonly User[], { header }: { header: boolean }): string {
  return csvLines(users.map(userRecord), USER_CSV_COLUMNS, { header });
}

/**
 * CSV lines of `records` in the order of `columns`, each ending in CRLF, formula-escaped (above); with `header`,
 * the header row first (alone when there are no records). For every CSV this API answers.
 */
export function csvLines<C extends string>(records: readonly Record<C, string>[], columns: readonly C[], { header }: { header: boolean }): string {
  return stringify([...records], {
    columns: [...columns],
    header,
    record_delimiter: "windows",
    // Quote a field holding a bare LF or CR too, not only CRLF: spreadsheets break lines on either. (With an
    // explicit record_delimiter, csv-stringify 6.9 quotes only that delimiter unless told.)
    quote_record_delimiter: true,
    eof: true,
    escape_formulas: true,
    quoted_match: FORMULA_START,
  });
}

export interface CsvStreamHooks {
  /** The reader went away (the client disconnected): stop whatever is fetching the pages. */
  onCancel(reason: unknown): void;
  /**
   * Fetching a page failed after the response had started: the stream is errored right after this, which cuts
   * the transfer short (no final chunk), so the client cannot take the partial file for a complete one.
   */
  onError(error: unknown, rowsWritten: number): void;
}

/**
 * The CSV of every page, as bytes, pulled: a page is fetched only when the reader has taken the previous one
 * (queue of one chunk, so one page is read ahead while the last is on the wire), so memory stays at about two
 * pages however many users there are, and a slow client holds no database connection between pages.
 */
export function usersCsvStream(pages: UserPages, hooks: CsvStreamHooks): ReadableStream<Uint8Array> {
  return csvStream(pages, usersCsv, hooks);
}

/** {@link usersCsvStream} for any rows: `render` turns one page into CSV lines (the header with the first). */
export function csvStream<T>(
  pages: AsyncIterator<readonly T[], undefined>,
  render: (rows: readonly T[], options: { header: boolean }) => string,
  hooks: CsvStreamHooks,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let rowsWritten = 0;
  let headerSent = false;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<readonly T[], undefined>;
        try {
          next = await pages.next();
        } catch (error) {
          if (cancelled) return; // the reader left first: nothing to report, nobody to tell
          hooks.onError(error, rowsWritten);
          controller.error(error);
          return;
        }
        if (cancelled) return;
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(render(next.value, { header: !headerSent })));
        headerSent = true;
        rowsWritten += next.value.length;
      },
      cancel(reason) {
        cancelled = true;
        hooks.onCancel(reason);
        // Ends the generator once the page it may be fetching settles (the abort above makes that prompt).
        pages.return?.(undefined).catch(() => undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * A CSV download answered from pages a use case reads on demand: `open` gets the caller's context with a signal
 * that also fires when the client cancels the stream, so the page being read is stopped; a page that fails after
 * the first byte is logged (unless the client left) and cuts the transfer short. For every CSV route.
 */
export async function csvDownload<T>(options: {
  context: CallContext;
  open: (context: CallContext) => Promise<AsyncIterator<readonly T[], undefined>>;
  render: (rows: readonly T[], options: { header: boolean }) => string;
  filename: string;
  /** For the log line: `GET /api/v1/...`, and what the file is. */
  route: string;
  what: string;
  log: Logger;
  requestId: string;
}): Promise<Response> {
  const { context } = options;
  const stop = new AbortController();
  const signal = context.signal ? AbortSignal.any([context.signal, stop.signal]) : stop.signal;
  const pages = await options.open({ ...context, signal });
  const body = csvStream(pages, options.render, {
    onCancel: (reason) => stop.abort(reason),
    onError(error, rowsWritten) {
      if (signal.aborted) return; // the client left: not a failure of ours
      options.log.error(
        { err: error, requestId: options.requestId, traceId: context.traceId, route: options.route, rowsWritten },
        `${options.what} failed mid-stream; the response was cut short`,
      );
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${options.filename}"` },
  });
}
