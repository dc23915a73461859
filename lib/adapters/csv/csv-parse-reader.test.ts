import { describe, expect, it } from "vitest";

import { CsvFormatError } from "../../ports/csv-reader";
import { csvParseReader } from "./csv-parse-reader";

async function readAll(content: string | AsyncIterable<string>) {
  const { columns, records } = csvParseReader.read(content);
  const read = [];
  for await (const record of records) read.push(record);
  return { columns: await columns, records: read };
}

describe("csvParseReader", () => {
  it("reads the header's columns trimmed and lower-cased, and each record with the line it starts on", async () => {
    const { columns, records } = await readAll(" Email ,NAME\n\nann@example.com,Ann\n\"bo@example.com\",\"Bo\nBoson\"\ncy@example.com,Cy\n");
    expect(columns).toEqual(["email", "name"]);
    expect(records.map(({ line, fields }) => ({ line, fields }))).toEqual([
      { line: 3, fields: { email: "ann@example.com", name: "Ann" } },
      { line: 4, fields: { email: "bo@example.com", name: "Bo\nBoson" } },
      { line: 6, fields: { email: "cy@example.com", name: "Cy" } },
    ]);
  });

  it("reads text that arrives in pieces, a record split across two of them", async () => {
    async function* pieces() {
      yield "email,name\nann@exa";
      yield "mple.com,Ann\n";
    }
    expect((await readAll(pieces())).records.map((record) => record.fields)).toEqual([{ email: "ann@example.com", name: "Ann" }]);
  });

  it("says which line is not valid CSV", async () => {
    await expect(readAll('email,name\nann@example.com,"Ann\n')).rejects.toThrow(CsvFormatError);
  });

  // A stored chunk of an import's file that cannot be read: the import must fail with that error, not wait for
  // more text for ever (with pipe() instead of pipeline() this test times out, and the error goes unhandled).
  it("fails with its source's error when the text cannot be read to the end", async () => {
    const unreadable = new Error("chunk 2 of the upload could not be read");
    async function* failing() {
      yield "email,name\nann@example.com,Ann\n";
      throw unreadable;
    }
    await expect(readAll(failing())).rejects.toBe(unreadable);
  });
});
