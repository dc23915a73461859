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
    const failure = readAll('email,name\nann@example.com,"Ann\n');
    await expect(failure).rejects.toThrow(CsvFormatError);
    await expect(failure).rejects.toMatchObject({ line: 2 });
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

  it("lets go of its source when the reader stops early", async () => {
    let returned = false;
    async function* source() {
      try {
        yield "email,name\nann@example.com,Ann\n";
        yield "bo@example.com,Bo\n";
      } finally {
        returned = true;
      }
    }
    const { records } = csvParseReader.read(source());
    for await (const record of records) {
      expect(record.fields.email).toBe("ann@example.com");
      break;
    }
    await expect.poll(() => returned).toBe(true);
  });

  it("fails its columns too when the text fails before the header, for a caller that never iterates", async () => {
    const unreadable = new Error("chunk 1 of the upload could not be read");
    async function* failing(): AsyncGenerator<string> {
      yield* [];
      throw unreadable;
    }
    await expect(csvParseReader.read(failing()).columns).rejects.toBe(unreadable);
  });
});
