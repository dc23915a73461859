import { NamedError } from "../domain/errors";

/** A streaming CSV reader with a header row. */
export interface CsvReader {
  /**
   * The header's column names (trimmed, lower-cased) and the data records, each with the file line it starts
   * on (the header is line 1). Empty lines are skipped. `content` is the text, or its pieces in order (a file read
   * a chunk at a time): pieces are read as records are pulled.
   * @throws CsvFormatError (while iterating) for a malformed file, such as an unclosed quote.
   */
  read(content: string | AsyncIterable<string>): { columns: Promise<string[]>; records: AsyncIterable<CsvRecord> };
}

export interface CsvRecord {
  line: number;
  /** By column name; a missing trailing field is absent. */
  fields: Record<string, string>;
  /** Fields past the header's last column, left out of `fields`: the row is malformed (an unquoted comma?). */
  extraFields: number;
}

export class CsvFormatError extends NamedError {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message, { name: "CsvFormatError" });
  }
}
