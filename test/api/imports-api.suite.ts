/**
 * CSV import jobs (issue 6), as services and the UI call them: one suite, run in memory (imports-api.test.ts),
 * on PGlite and on PostgreSQL (imports-api.*.integration.test.ts). Each test's emails carry a tag of its own.
 */
import { randomBytes } from "node:crypto";

import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";

import { createUserBody } from "../../lib/api-contract/users";
import { signedInStaff, type Staff } from "../support/api-accounts";
import type { createApiHarness } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";

export interface BigFile {
  csv: string;
  rows: number;
  errors: { line: number; email: string | null; reason: string }[];
  existing: string[];
}

/**
 * `rows` data rows; in every thousand, five bad ones: an invalid email, an unknown role, a duplicate of the row
 * before, an email that exists already (the caller creates `existing`), a missing name; and one unquoted comma
 * (a field more than the header) per file. Line = index + 2.
 */
export function bigFile(tag: string, rows: number): BigFile {
  const lines = ["email,name,role,status"];
  const errors: BigFile["errors"] = [];
  const existing: string[] = [];
  const roleMessage = createUserBody.safeParse({ email: "a@example.com", name: "A", role: "SUPERUSER" }).error?.issues[0]?.message;
  for (let i = 0; i < rows; i++) {
    const line = i + 2;
    const email = `u${i}.${tag}@example.com`;
    switch (i % 1000) {
      case 7:
        lines.push(`not-an-email-${i},Bad Email,,`);
        errors.push({ line, email: `not-an-email-${i}`, reason: "email: Enter an email address" });
        break;
      case 123:
        lines.push(`${email},Bad Role,SUPERUSER,ACTIVE`);
        errors.push({ line, email, reason: `role: ${roleMessage}` });
        break;
      case 456: {
        const previous = `u${i - 1}.${tag}@example.com`;
        lines.push(`${previous.toUpperCase()},Twice,VIEWER,`);
        errors.push({ line, email: previous, reason: `Duplicate of line ${line - 1} of this file` });
        break;
      }
      case 789:
        existing.push(email);
        lines.push(`${email},Exists,VIEWER,DISABLED`);
        errors.push({ line, email, reason: "A user with this email already exists" });
        break;
      case 900:
        lines.push(`${email},,VIEWER,ACTIVE`);
        errors.push({ line, email, reason: "name: Enter a name" });
        break;
      case 950:
        if (i < 1000) {
          lines.push(`${email},Smith, Jane,VIEWER,ACTIVE`);
          errors.push({ line, email, reason: "row: 1 field(s) more than the header has (a comma in a value must be inside quotes)" });
          break;
        }
      // falls through
      default:
        lines.push(`${email},"User ${i}, imported",${i % 2 ? "VIEWER" : "EDITOR"},${i % 3 ? "ACTIVE" : "disabled"}`);
    }
  }
  return { csv: `${lines.join("\n")}\n`, rows, errors, existing };
}

export function describeImportsApi(name: string, harness: () => Harness) {
  describe(`CSV import jobs (${name})`, () => {
    let api: Harness;
    let staff: Staff;

    beforeAll(async () => {
      api = harness();
      staff = await signedInStaff(api, PASSWORD);
    });

    const tagOf = () => `t${randomBytes(5).toString("hex")}`;

    function upload(cookie: string, csv: string, headers: Record<string, string> = {}) {
      return api.call("POST", "/api/v1/imports", { cookie, rawBody: csv, headers: { "content-type": "text/csv", ...headers } });
    }

    /** The job once it has ended, with every row error (paged through `errorsAfter`). */
    async function finished(id: string, cookie = staff.admin) {
      await expect
        .poll(async () => (await (await api.call("GET", `/api/v1/imports/${id}`, { cookie })).json()).status, { timeout: 120_000, interval: 100 })
        .toMatch(/^(succeeded|failed)$/);
      const errors: { line: number; email: string | null; reason: string }[] = [];
      let after: number | null = 0;
      let job: Record<string, unknown> = {};
      while (after !== null) {
        const response = await api.call("GET", `/api/v1/imports/${id}?errorsLimit=17&errorsAfter=${after}`, { cookie });
        expect(response.status).toBe(200);
        job = await response.json();
        const page = job.errors as { items: typeof errors; nextErrorsAfter: number | null };
        errors.push(...page.items);
        after = page.nextErrorsAfter;
      }
      return { job, errors };
    }

    async function usersTagged(tag: string) {
      const response = await api.call("GET", `/api/v1/users?q=${tag}&limit=1`, { cookie: staff.admin });
      return (await response.json()).total.count as number;
    }

    it("imports 10,000 rows with bad ones: exact counts and the exact error report (line and reason)", { timeout: 300_000 }, async () => {
      const tag = tagOf();
      const file = bigFile(tag, 10_000);
      for (const email of file.existing) await api.createUser({ email, role: "VIEWER" });
      const response = await upload(staff.admin, file.csv, { "idempotency-key": `import-${tag}` });
      expect(response.status).toBe(202);
      const accepted = await response.json();
      expect(response.headers.get("location")).toBe(`/api/v1/imports/${accepted.id}`);
      expect(accepted).toMatchObject({ status: "queued", sizeBytes: Buffer.byteLength(file.csv) });

      const { job, errors } = await finished(accepted.id);
      expect(job).toMatchObject({
        status: "succeeded",
        error: null,
        counts: { total: 10_000, done: 10_000, created: 10_000 - file.errors.length, failed: file.errors.length },
      });
      expect(errors).toEqual(file.errors);
      // The same report as CSV, for a spreadsheet.
      const report = await api.call("GET", `/api/v1/imports/${accepted.id}/errors.csv`, { cookie: staff.admin });
      expect(report.headers.get("content-disposition")).toBe(`attachment; filename="import-${accepted.id}-errors.csv"`);
      const parsed: Record<string, string>[] = parse(await report.text(), { columns: true, record_delimiter: "\r\n" });
      expect(parsed).toEqual(file.errors.map((row) => ({ line: String(row.line), email: row.email ?? "", reason: row.reason })));
      // existing users were reported, not overwritten; the rest exist once each
      expect(await usersTagged(tag)).toBe(10_000 - file.errors.length + file.existing.length);
      const sample = await api.call("GET", `/api/v1/users?q=u1.${tag}@&limit=5`, { cookie: staff.admin });
      expect((await sample.json()).items).toEqual([
        expect.objectContaining({ email: `u1.${tag}@example.com`, name: "User 1, imported", role: "VIEWER", status: "ACTIVE" }),
      ]);
      const exists = await api.call("GET", `/api/v1/users?q=${file.existing[0]}`, { cookie: staff.admin });
      expect((await exists.json()).items[0]).toMatchObject({ status: "ACTIVE", name: file.existing[0]?.split("@")[0] });

      // The same file with the same key: the same job, and nothing created twice.
      const again = await upload(staff.admin, file.csv, { "idempotency-key": `import-${tag}` });
      expect(again.status).toBe(202);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.headers.get("location")).toBe(`/api/v1/imports/${accepted.id}`);
      expect((await again.json()).id).toBe(accepted.id);
      await api.app.importJobs.idle();
      expect(await usersTagged(tag)).toBe(10_000 - file.errors.length + file.existing.length);
      expect((await finished(accepted.id)).job.counts).toEqual(job.counts);
      // The same key with another file is refused.
      const other = await upload(staff.admin, `email,name\nx.${tag}@example.com,X\n`, { "idempotency-key": `import-${tag}` });
      expect(other.status).toBe(422);
      expect(await other.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });

      // One audit entry per created user, naming the uploader and the job.
      const audit = await api.call("GET", `/api/v1/audit-events?action=user.created&limit=1`, { cookie: staff.admin });
      expect((await audit.json()).items[0]).toMatchObject({ data: { importId: accepted.id } });
    });

    it("takes multipart/form-data (field file) as well as text/csv, and keeps the file name", async () => {
      const tag = tagOf();
      const boundary = "----import-boundary";
      const body =
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n` +
        `email,name\r\nann.${tag}@example.com,Ann\r\nbo.${tag}@example.com,Bo\r\n\r\n--${boundary}--\r\n`;
      const response = await api.call("POST", "/api/v1/imports", {
        cookie: staff.admin,
        rawBody: body,
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      });
      expect(response.status).toBe(202);
      const accepted = await response.json();
      expect(accepted.filename).toBe("people.csv");
      const { job, errors } = await finished(accepted.id);
      expect(job).toMatchObject({ status: "succeeded", counts: { total: 2, done: 2, created: 2, failed: 0 } });
      expect(errors).toEqual([]);

      const noFile = await api.call("POST", "/api/v1/imports", {
        cookie: staff.admin,
        rawBody: `--${boundary}\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--${boundary}--\r\n`,
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      });
      expect(noFile.status).toBe(422);
    });

    it("refuses what cannot be imported at all: no header, unknown columns, not UTF-8, other media types", async () => {
      const refused = async (response: Response, status: number, code: string) => {
        expect(response.status).toBe(status);
        expect(await response.json()).toMatchObject({ code });
      };
      await refused(await upload(staff.admin, ""), 422, "IMPORT_FILE_INVALID");
      await refused(await upload(staff.admin, "mail,fullname\na@example.com,A\n"), 422, "IMPORT_FILE_INVALID");
      await refused(await upload(staff.admin, "email,name,password\na@example.com,A,x\n"), 422, "IMPORT_FILE_INVALID");
      // NUL is valid UTF-8 but not text, and PostgreSQL cannot store it: refused up front on every adapter.
      await refused(await upload(staff.admin, "email,name\nnul@example.com,Nu\u0000l\n"), 422, "IMPORT_FILE_INVALID");
      await refused(
        await api.call("POST", "/api/v1/imports", { cookie: staff.admin, rawBody: "email,name", headers: { "content-type": "text/plain" } }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      expect((await (await api.call("GET", "/api/v1/imports/00000000-0000-4000-8000-000000000000", { cookie: staff.admin })).json()).code).toBe(
        "IMPORT_NOT_FOUND",
      );
    });

    it("permissions: a VIEWER may not import; an EDITOR imports VIEWERs only, other rows are reported", async () => {
      const tag = tagOf();
      const csv = `email,name,role\nv.${tag}@example.com,V,VIEWER\na.${tag}@example.com,A,ADMIN\ne.${tag}@example.com,E,editor\n`;
      const denied = await upload(staff.viewer, csv);
      expect(denied.status).toBe(403);
      const response = await upload(staff.editor, csv);
      expect(response.status).toBe(202);
      const { job, errors } = await finished((await response.json()).id, staff.editor);
      expect(job).toMatchObject({ status: "succeeded", counts: { created: 1, failed: 2 } });
      expect(errors).toEqual([
        { line: 3, email: `a.${tag}@example.com`, reason: "Only an ADMIN may create a user with the role ADMIN" },
        { line: 4, email: `e.${tag}@example.com`, reason: "Only an ADMIN may create a user with the role EDITOR" },
      ]);
      expect((await api.call("GET", "/api/v1/imports", { cookie: staff.viewer })).status).toBe(403);
      const list = await api.call("GET", "/api/v1/imports?limit=2", { cookie: staff.editor });
      expect(list.status).toBe(200);
      expect((await list.json()).items.length).toBeGreaterThan(0);
    });

    it("a leaked ADMIN token imports no ADMIN: those rows are reported, the others created (issue 18)", async () => {
      const created = await api.call("POST", "/api/v1/tokens", { cookie: staff.admin, body: { name: "leaked import", role: "ADMIN" } });
      const token: string = (await created.json()).secret;
      const tag = tagOf();
      const csv = `email,name,role,status\na.${tag}@example.com,A,ADMIN,ACTIVE\nd.${tag}@example.com,D,ADMIN,DISABLED\ne.${tag}@example.com,E,EDITOR,ACTIVE\n`;
      const response = await api.call("POST", "/api/v1/imports", { bearer: token, rawBody: csv, headers: { "content-type": "text/csv" } });
      expect(response.status).toBe(202);
      const { job, errors } = await finished((await response.json()).id);
      expect(job).toMatchObject({ status: "succeeded", counts: { created: 1, failed: 2 } });
      expect(errors.map((error) => error.line)).toEqual([2, 3]);
      expect(errors.every((error) => /not an API token/.test(error.reason))).toBe(true);
      const admins = await api.call("GET", `/api/v1/users?q=${tag}&role=ADMIN`, { cookie: staff.admin });
      expect((await admins.json()).items).toEqual([]);
    });

    it("previews a file with the problems its import then reports, writing nothing (issue 23)", { timeout: 120_000 }, async () => {
      const tag = tagOf();
      // Of every kind the import reports, within the first rows; 25 rows in all, so the preview shows 20 of them.
      const rows = [
        "email,name,role,status",
        `ok.${tag}@example.com,Ok,VIEWER,ACTIVE`,
        `not-an-email-${tag},Bad Email,,`,
        `role.${tag}@example.com,Bad Role,SUPERUSER,ACTIVE`,
        `OK.${tag}@example.com,Twice,,`,
        `exists.${tag}@example.com,Exists,,`,
        `deleted.${tag}@example.com,Deleted,,`,
        `noname.${tag}@example.com,,VIEWER,ACTIVE`,
        `comma.${tag}@example.com,Smith, Jane,VIEWER,ACTIVE`,
        `editor.${tag}@example.com,Ed,editor,disabled`,
        ...Array.from({ length: 16 }, (_, i) => `more${i}.${tag}@example.com,More ${i},,`),
      ];
      const csv = `${rows.join("\n")}\n`;
      await api.createUser({ email: `exists.${tag}@example.com`, role: "VIEWER" });
      const gone = await api.createUser({ email: `deleted.${tag}@example.com`, role: "VIEWER" });
      await api.unitOfWork.run(({ users }) => users.softDelete(gone.id));
      const preview = (cookie: string, body = csv, type = "text/csv") =>
        api.call("POST", "/api/v1/imports/preview", { cookie, rawBody: body, headers: { "content-type": type } });
      const before = {
        users: await usersTagged(tag),
        imports: (await (await api.call("GET", "/api/v1/imports?limit=1", { cookie: staff.admin })).json()).items,
        audit: (await (await api.call("GET", "/api/v1/audit-events?limit=1", { cookie: staff.admin })).json()).items,
      };

      const answered = await preview(staff.admin);
      expect(answered.status).toBe(200);
      const shown = await answered.json();
      expect(shown).toMatchObject({ columns: ["email", "name", "role", "status"], fileProblem: null, moreRows: true });
      expect(shown.rows).toHaveLength(20);
      expect(shown.rows[0]).toEqual({ line: 2, fields: { email: `ok.${tag}@example.com`, name: "Ok", role: "VIEWER", status: "ACTIVE" }, problem: null });
      const problems = (shown.rows as { line: number; problem: string | null }[]).flatMap(({ line, problem }) => (problem ? [{ line, reason: problem }] : []));
      expect(problems.map((problem) => problem.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
      // Nothing written: no user, no job, no audit entry.
      expect({
        users: await usersTagged(tag),
        imports: (await (await api.call("GET", "/api/v1/imports?limit=1", { cookie: staff.admin })).json()).items,
        audit: (await (await api.call("GET", "/api/v1/audit-events?limit=1", { cookie: staff.admin })).json()).items,
      }).toEqual(before);

      // The import of the same file reports exactly these problems for those rows.
      const { job, errors } = await finished((await (await upload(staff.admin, csv)).json()).id);
      expect(job).toMatchObject({ status: "succeeded", counts: { total: 25 } });
      const lastShown = shown.rows.at(-1).line;
      expect(errors.filter((error) => error.line <= lastShown).map(({ line, reason }) => ({ line, reason }))).toEqual(problems);

      // Judged as the caller, and sent as the console sends it (multipart/form-data).
      const boundary = "----preview-boundary";
      const form =
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n` +
        `${csv}\r\n--${boundary}--\r\n`;
      const asEditor = await (await preview(staff.editor, form, `multipart/form-data; boundary=${boundary}`)).json();
      expect(asEditor.rows.find((row: { line: number }) => row.line === 10)).toMatchObject({
        problem: "Only an ADMIN may create a user with the role EDITOR",
      });
      // Now that the import ran, its good rows' emails are taken.
      expect(asEditor.rows[0]).toMatchObject({ line: 2, problem: "A user with this email already exists" });

      // A file the upload refuses is said why, in the upload's words; a VIEWER may not preview.
      const refused = await upload(staff.admin, "mail,fullname\na@example.com,A\n");
      expect(refused.status).toBe(422);
      expect(await (await preview(staff.admin, "mail,fullname\na@example.com,A\n")).json()).toEqual({
        columns: [],
        fileProblem: (await refused.json()).detail,
        rows: [],
        moreRows: false,
      });
      expect((await preview(staff.viewer)).status).toBe(403);
    });

    it("streams progress as Server-Sent Events and closes when the job ends", { timeout: 120_000 }, async () => {
      const tag = tagOf();
      // The "existing" rows are not created beforehand here: they import fine.
      const file = bigFile(tag, 3_000);
      const failed = file.errors.length - file.existing.length;
      const response = await upload(staff.admin, file.csv);
      const { id } = await response.json();
      const events = await api.call("GET", `/api/v1/imports/${id}/events`, { cookie: staff.admin });
      expect(events.status).toBe(200);
      expect(events.headers.get("content-type")).toBe("text/event-stream");
      const text = await events.text(); // ends only when the stream closes
      const frames = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2] ?? "") }));
      expect(text.startsWith("retry: 1000\n\n")).toBe(true);
      const last = frames.at(-1);
      expect(last).toMatchObject({ event: "done", data: { status: "succeeded", rowsDone: 3_000, total: 3_000, created: 3_000 - failed, failed, etaSeconds: 0 } });
      expect(frames.slice(0, -1).every((frame) => frame.event === "progress")).toBe(true);
      const missing = await api.call("GET", "/api/v1/imports/00000000-0000-4000-8000-000000000000/events", { cookie: staff.admin });
      expect(missing.status).toBe(404);
    });
  });
}
