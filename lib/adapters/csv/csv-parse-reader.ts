import { pipeline, Readable } from "node:stream";

import { parse, CsvError } from "csv-parse";

import { CsvFormatError, type CsvReader, type CsvRecord } from "../../ports/csv-reader";

/**
 * The CsvReader port on csv-parse (the csv project's streaming parser, RFC 4180): the text is fed through the
 * stream parser, and records come out as the consumer pulls them, so a paused consumer pauses the parser.
 */
export const csvParseReader: CsvReader = {
  read(content) {
    let resolveColumns!: (columns: string[]) => void;
    let rejectColumns!: (error: unknown) => void;
    const columns = new Promise<string[]>((resolve, reject) => {
      resolveColumns = resolve;
      rejectColumns = reject;
    });
    // Unhandled if the caller only iterates; the iteration reports the same failure.
    columns.catch(() => undefined);
    const parser = parse({
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((name) => name.trim().toLowerCase());
        resolveColumns(names);
        return names;
      },
      skip_empty_lines: true,
      // A row shorter or longer than the header is one bad row for validation to report (a missing name, an
      // unquoted comma), not a malformed file: csv-parse keeps the header's columns and flags the row.
      relax_column_count: true,
      info: true,
    });
    // Fed in 64 KB pieces: given the whole text as one chunk, the parser would parse it all at once into its
    // buffer, and a consumer that waits (the worker pool's backpressure) would hold back nothing. Through
    // pipeline, not pipe: a source that fails (a stored chunk that cannot be read) ends the parser with its error,
    // which the iteration below throws, where pipe left the parser waiting for more text for ever and the error
    // unhandled. The iteration reports the same failure; the callback also settles the columns, which a caller
    // that never iterates would otherwise wait for when the text fails before its header.
    pipeline(Readable.from(pieces(content)), parser, (error) => {
      if (error) rejectColumns(error);
    });
    async function* records(): AsyncGenerator<CsvRecord> {
      // csv-parse reports the line a record ends on; it starts after the previous one's end and any empty lines.
      let previousEnd = 1;
      let previousEmpty = 0;
      try {
        for await (const chunk of parser) {
          const { record, info } = chunk as {
            record: Record<string, string>;
            info: { lines: number; empty_lines: number; columns: unknown[]; error?: { record?: unknown[] } };
          };
          const extraFields = Math.max(0, (info.error?.record?.length ?? 0) - info.columns.length);
          yield { line: previousEnd + 1 + (info.empty_lines - previousEmpty), fields: record, extraFields };
          previousEnd = info.lines;
          previousEmpty = info.empty_lines;
        }
        resolveColumns([]);
      } catch (error) {
        rejectColumns(error);
        if (error instanceof CsvError) {
          const line = "lines" in error && typeof error.lines === "number" ? error.lines : null;
          throw new CsvFormatError(`line ${line ?? "?"}: ${error.message}`, line);
        }
        throw error;
      }
    }
    return { columns, records: records() };
  },
};


async function* pieces(content: string | AsyncIterable<string>): AsyncGenerator<string> {
  for await (const text of typeof content === "string" ? [content] : content) {
    for (let at = 0; at < text.length; at += CHUNK_CHARS) yield text.slice(at, at + CHUNK_CHARS);
  }
}

const CHUNK_CHARS = 64 * 1024;
