/**
 * The dry run of an import (issue 23), on the in-memory adapters: a file's first rows judged as the import judges
 * them, the database asked whether each email is taken, the whole file refused as the upload refuses it, and
 * nothing written.
 */
import { describe, expect, it } from "vitest";

import { csvParseReader } from "../adapters/csv/csv-parse-reader";
import { IMPORT_TEMPLATE_CSV } from "../api-contract/imports";
import { createUserBody } from "../api-contract/users";
import { createInMemoryApp } from "../composition-root";
import type { Principal } from "../domain/auth";
import { ConcurrencyLimitError, ForbiddenError, ImportFileInvalidError } from "../domain/errors";
import { IMPORT_CHUNK_BYTES, IMPORT_COLUMNS, IMPORT_PREVIEW_ROWS } from "../domain/import-job";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import { createConcurrencySlots } from "./concurrency-slots";
import { makePreviewImport, type ImportPreview } from "./preview-import";

const { app, unitOfWork } = await createInMemoryApp();

const principal = (role: Principal["role"], n = 1): Principal => ({
  kind: "user",
  userId: `00000000-0000-4000-8000-00000000000${n}`,
  email: `${role.toLowerCase()}${n}@staff.example`,
  name: role,
  role,
  sessionId: "",
  mustChangePassword: false,
});
const ADMIN = principal("ADMIN");
const contextOf = (who: Principal): CallContext => ({ principal: who, requestId: null, traceId: null });

/** The file as a request body hands it on: in pieces of 64 KB. */
async function* bytesOf(file: string | Uint8Array): AsyncGenerator<Uint8Array> {
  const bytes = typeof file === "string" ? new TextEncoder().encode(file) : file;
  for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
}

const preview = makePreviewImport({
  unitOfWork,
  csv: csvParseReader,
  rowSchema: createUserBody,
  uploads: createConcurrencySlots("import uploads", { perPrincipal: 2, perProcess: 4, retryAfterSeconds: 10 }),
});
const previewOf = (file: string | Uint8Array, who = ADMIN) => preview({ bytes: bytesOf(file) }, contextOf(who));
const problemsOf = (result: ImportPreview) => result.rows.map((row) => [row.line, row.problem]);

/** Why POST /imports refuses the file (its 422 IMPORT_FILE_INVALID), or null when it accepts it (its job then runs). */
async function uploadRefusal(file: string | Uint8Array): Promise<string | null> {
  try {
    await app.startImport({ bytes: bytesOf(file), filename: () => null }, {}, contextOf(ADMIN));
    return null;
  } catch (error) {
    if (error instanceof ImportFileInvalidError) return error.message;
    throw error;
  } finally {
    await app.importJobs.idle();
  }
}

/** Why the job of an accepted file failed as a whole (null if it did not). */
async function jobFailure(file: string): Promise<string | null> {
  const { job } = await app.startImport({ bytes: bytesOf(file), filename: () => null }, {}, contextOf(ADMIN));
  await app.importJobs.idle();
  return (await app.getImport(job.id, { errorsLimit: 1 }, contextOf(ADMIN))).job.error;
}

const roleMessage = createUserBody.safeParse({ email: "a@example.com", name: "A", role: "SUPERUSER" }).error?.issues[0]?.message;

describe("previewing an import (issue 23)", () => {
  it("judges each row as the import does, the emails against the database, deleted users included", async () => {
    await unitOfWork.run(async ({ users }) => {
      await users.create({ email: "exists@example.com", name: "Exists", role: "VIEWER", status: "ACTIVE" });
      const gone = await users.create({ email: "deleted@example.com", name: "Deleted", role: "VIEWER", status: "ACTIVE" });
      await users.softDelete(gone.id);
    });
    const file = [
      "Email , NAME,role,status",
      "ok@example.com,Ok,VIEWER,ACTIVE",
      "not-an-email,Bad Email,,",
      "role@example.com,Bad Role,SUPERUSER,ACTIVE",
      "OK@example.com,Twice,,",
      "EXISTS@example.com,Exists,,",
      "deleted@example.com,Deleted,,",
      "noname@example.com,,VIEWER,ACTIVE",
      "comma@example.com,Smith, Jane,VIEWER,ACTIVE",
      "",
      'editor@example.com,"Ed, the editor",editor,disabled',
    ].join("\r\n");
    const result = await previewOf(file);
    expect(result).toMatchObject({ columns: ["email", "name", "role", "status"], fileProblem: null, moreRows: false });
    expect(problemsOf(result)).toEqual([
      [2, null],
      [3, "email: Enter an email address"],
      [4, `role: ${roleMessage}`],
      [5, "Duplicate of line 2 of this file"],
      [6, "A user with this email already exists"],
      [7, "A user with this email already exists"],
      [8, "name: Enter a name"],
      [9, "row: 1 field(s) more than the header has (a comma in a value must be inside quotes)"],
      // Line 10 is empty: skipped, and counted, as the import counts it.
      [11, null],
    ]);
    expect(result.rows[0]?.fields).toEqual({ email: "ok@example.com", name: "Ok", role: "VIEWER", status: "ACTIVE" });
    expect(result.rows.at(-1)?.fields).toEqual({ email: "editor@example.com", name: "Ed, the editor", role: "editor", status: "disabled" });

    // Judged as the caller: an EDITOR's file may create VIEWERs only.
    const asEditor = await previewOf(file, principal("EDITOR"));
    expect(asEditor.rows.find((row) => row.line === 11)?.problem).toBe("Only an ADMIN may create a user with the role EDITOR");
    expect(asEditor.rows.find((row) => row.line === 2)?.problem).toBeNull();
  });

  it("writes nothing: its one unit of work looks users up by email and touches no other repository", async () => {
    const touched: string[] = [];
    const readOnly: UnitOfWork = {
      run: (work, options) =>
        unitOfWork.run(
          (repos) =>
            work(
              new Proxy(repos, {
                get(target, name: keyof Repositories) {
                  if (name !== "users") throw new Error(`the preview used the ${String(name)} repository`);
                  return new Proxy(target.users, {
                    get(users, method: keyof Repositories["users"]) {
                      touched.push(String(method));
                      return users[method];
                    },
                  });
                },
              }),
            ),
          options,
        ),
      read: (work, options) => unitOfWork.read(work, options),
    };
    const watched = makePreviewImport({
      unitOfWork: readOnly,
      csv: csvParseReader,
      rowSchema: createUserBody,
      uploads: createConcurrencySlots("import uploads", { perPrincipal: 1, perProcess: 1, retryAfterSeconds: 10 }),
    });
    const result = await watched({ bytes: bytesOf("email,name\nfresh@example.com,Fresh\nexists@example.com,Exists\n") }, contextOf(ADMIN));
    expect(problemsOf(result)).toEqual([
      [2, null],
      [3, "A user with this email already exists"],
    ]);
    expect(new Set(touched)).toEqual(new Set(["getByEmail"]));
    expect(await unitOfWork.run(({ users }) => users.getByEmail("fresh@example.com", { includeDeleted: true }))).toBeNull();
    expect((await app.listImports({ limit: 1 }, contextOf(ADMIN))).items).toEqual([]);
  });

  it(`shows the first ${IMPORT_PREVIEW_ROWS} rows, and says when the file has more`, async () => {
    const file = (rows: number) => `email,name\n${Array.from({ length: rows }, (_, i) => `row${i}@example.com,Row ${i}`).join("\n")}\n`;
    const cases = [
      { rows: 0, shown: 0, moreRows: false },
      { rows: IMPORT_PREVIEW_ROWS, shown: IMPORT_PREVIEW_ROWS, moreRows: false },
      { rows: IMPORT_PREVIEW_ROWS + 1, shown: IMPORT_PREVIEW_ROWS, moreRows: true },
      { rows: 30_000, shown: IMPORT_PREVIEW_ROWS, moreRows: true },
    ];
    for (const { rows, shown, moreRows } of cases) {
      const result = await previewOf(file(rows));
      expect({ rows, shown: result.rows.length, moreRows: result.moreRows, fileProblem: result.fileProblem }).toEqual({ rows, shown, moreRows, fileProblem: null });
      expect(result.rows.map((row) => row.line)).toEqual(Array.from({ length: shown }, (_, i) => i + 2));
    }
  });

  it("reads a row across the file's chunks whole, as the job does", async () => {
    // Five rows, then one whose quoted name runs on across lines past the first chunk (about 1 MB), then one more.
    const long = Array.from({ length: IMPORT_CHUNK_BYTES / 16 }, () => "a long name line").join("\n");
    const rows = Array.from({ length: 5 }, (_, i) => `row${i}@example.com,Row ${i}`).join("\n");
    const result = await previewOf(`email,name\n${rows}\nlong@example.com,"${long}"\nlast@example.com,Last\n`);
    expect(result.fileProblem).toBeNull();
    expect(result.rows.map((row) => row.line)).toEqual([2, 3, 4, 5, 6, 7, IMPORT_CHUNK_BYTES / 16 + 7]);
    expect(result.rows[5]?.fields.name).toBe(long);
    expect(result.rows[5]?.problem).toMatch(/^name: /);
    expect(result.moreRows).toBe(false);
  });

  it("parses no more than about the first 2 MB: rows far longer than any an import takes are left to the import", async () => {
    const huge = "n".repeat(3 * IMPORT_CHUNK_BYTES);
    for (const name of [huge, `"${huge.replace(/n{1000}/g, (run) => `${run}\n`)}"`]) {
      const result = await previewOf(`email,name\nlong@example.com,${name}\nnext@example.com,Next\n`);
      expect(result).toEqual({ columns: ["email", "name"], fileProblem: null, rows: [], moreRows: true });
    }
    const twoShortThenHuge = await previewOf(`email,name\na@example.com,A\nb@example.com,B\nlong@example.com,${huge}\n`);
    expect(problemsOf(twoShortThenHuge)).toEqual([
      [2, null],
      [3, null],
    ]);
    expect(twoShortThenHuge.moreRows).toBe(true);
  });

  it("refuses the file as a whole exactly as an upload does, and judges no row then", async () => {
    const manyRows = "row@example.com,Row\n".repeat(IMPORT_CHUNK_BYTES / 10);
    const nulAfterTheFirstChunk = `email,name\n${manyRows}nul@example.com,Nu\u0000l\n`;
    const malformedThenNul = `email,name\na@example.com,A\nb@exa"mple.com,B\n${manyRows}nul@example.com,Nu\u0000l\n`;
    const files: [string, string | Uint8Array][] = [
      ["empty", ""],
      ["no usable header", "mail,fullname\na@example.com,A\n"],
      ["an unknown column", "email,name,password\na@example.com,A,x\n"],
      ["a repeated column", "email,name,email\na@example.com,A,b@example.com\n"],
      ["not UTF-8", new Uint8Array([...new TextEncoder().encode("email,name\na@example.com,"), 0xff, 0x0a])],
      ["a NUL past the first chunk", nulAfterTheFirstChunk],
      ["a stray quote in its first rows, then a NUL past the first chunk", malformedThenNul],
      ["malformed in its first row", 'email,name\na@example.com,"Unclosed\n'],
    ];
    for (const [what, file] of files) {
      const refusal = await uploadRefusal(file);
      expect(refusal, what).not.toBeNull();
      expect(await previewOf(file), what).toEqual({ columns: [], fileProblem: refusal, rows: [], moreRows: false });
    }
  });

  it("says a file malformed past its first row is not valid CSV, in the words the import's job then fails with", async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `row${i}@example.com,Row ${i}`).join("\n");
    const files: [string, string][] = [
      ["unclosed at its end", `email,name\n${rows(3)}\nb@example.com,"Unclosed\n`],
      ["a stray quote, in a file longer than the part read", `email,name\n${rows(3)}\nb@exam"ple.com,B\n${rows(IMPORT_CHUNK_BYTES / 20)}\n`],
    ];
    for (const [what, file] of files) {
      // Refused on upload when its check's parse meets it (the whole file in its first chunk), else the job fails.
      const refusal = await uploadRefusal(file);
      const verdict = refusal ?? (await jobFailure(file))?.replace(/\. \d+ user\(s\) were created from \d+ row\(s\) before it stopped\.$/, "");
      expect(verdict, what).toMatch(/^The file is not valid CSV: line \d+: /);
      expect(await previewOf(file), what).toEqual({ columns: [], fileProblem: verdict, rows: [], moreRows: false });
    }
    expect(await uploadRefusal(files[1]?.[1] ?? ""), "the long file is accepted, then fails").toBeNull();
  });

  it("previews the console's template clean: every column, one row an import would take", async () => {
    const result = await previewOf(IMPORT_TEMPLATE_CSV);
    expect(result.columns).toEqual([...IMPORT_COLUMNS]);
    expect(result.rows).toHaveLength(1);
    expect(result).toMatchObject({ fileProblem: null, moreRows: false, rows: [{ line: 2, problem: null }] });
    expect(Object.keys(result.rows[0]?.fields ?? {})).toEqual([...IMPORT_COLUMNS]);
  });

  it("is for those who may import, and holds an upload's slot while it reads (given back after a refusal too)", async () => {
    await expect(previewOf("email,name\n", principal("VIEWER"))).rejects.toBeInstanceOf(ForbiddenError);
    const slots = createConcurrencySlots("import uploads", { perPrincipal: 1, perProcess: 4, retryAfterSeconds: 10 });
    const capped = makePreviewImport({ unitOfWork, csv: csvParseReader, rowSchema: createUserBody, uploads: slots });
    const release = slots.acquire(ADMIN);
    await expect(capped({ bytes: bytesOf("email,name\n") }, contextOf(ADMIN))).rejects.toBeInstanceOf(ConcurrencyLimitError);
    release();
    expect((await capped({ bytes: bytesOf("mail\n") }, contextOf(ADMIN))).fileProblem).toMatch(/missing column/);
    expect(slots.inUse).toBe(0);
  });
});
