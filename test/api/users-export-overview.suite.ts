/**
 * GET /users/export.csv and GET /users/{id}/overview (issue 6), as services call them: one suite, run in memory
 * (users-export-overview.test.ts), on PGlite and on PostgreSQL (users-export-overview.*.integration.test.ts).
 * Tests share one app per run, so each works on users of its own, tagged in their email and searched for.
 */
import { randomBytes } from "node:crypto";

import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";

import { signedInStaff, taggedUsers } from "../support/api-accounts";
import type { createApiHarness } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";
export const CSV_HEADER = "id,email,name,role,status,createdAt,updatedAt,deletedAt";

/** The CSV parsed back by a maintained parser (csv-parse), strictly: every row as long as the header. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: false, relax_column_count: false, record_delimiter: "\r\n" });
}

export function describeExportAndOverview(name: string, harness: () => Harness) {
  describe(`users export and overview (${name})`, () => {
    let api: Harness;
    let admin: string;
    let editor: string;
    let viewer: string;
    let viewerId: string;

    beforeAll(async () => {
      api = harness();
      const staff = await signedInStaff(api, PASSWORD);
      ({ admin, editor, viewer } = staff);
      viewerId = staff.users.viewer.id;
    });

    const tagged = () => taggedUsers(api);

    async function exportCsv(query: string, cookie = admin) {
      const response = await api.call("GET", `/api/v1/users/export.csv?${query}`, { cookie });
      return { response, text: await response.text() };
    }

    describe("GET /users/export.csv", () => {
      it("answers text/csv as a download, the header row first, CRLF line ends", async () => {
        const { tag, make } = tagged();
        await make("ada", { name: "Ada Lovelace", role: "ADMIN" });
        const { response, text } = await exportCsv(`q=${tag}`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
        expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="users-\d{8}T\d{6}Z\.csv"$/);
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(text.startsWith(`${CSV_HEADER}\r\n`)).toBe(true);
        expect(text.endsWith("\r\n")).toBe(true);
        expect(text.replaceAll("\r\n", "")).not.toMatch(/[\r\n]/);
        expect(parseCsv(text)).toEqual([
          expect.objectContaining({ email: `ada.${tag}@example.com`, name: "Ada Lovelace", role: "ADMIN", status: "ACTIVE", deletedAt: "" }),
        ]);
      });

      it("exports what the listing's filter and sort select, with the same fields as the JSON", async () => {
        const { tag, make } = tagged();
        await make("ada", { role: "ADMIN" });
        await make("bob", { role: "EDITOR" });
        await make("cy", { role: "VIEWER", status: "DISABLED" });
        await make("dee", { role: "VIEWER" });
        const local = (rows: Record<string, string>[]) => rows.map((row) => row.email?.split(".")[0]);

        expect(local(parseCsv((await exportCsv(`q=${tag}&sort=email`)).text))).toEqual(["ada", "bob", "cy", "dee"]);
        expect(local(parseCsv((await exportCsv(`q=${tag}&sort=-email`)).text))).toEqual(["dee", "cy", "bob", "ada"]);
        expect(local(parseCsv((await exportCsv(`q=${tag}&role=ADMIN&role=EDITOR&sort=email`)).text))).toEqual(["ada", "bob"]);
        expect(local(parseCsv((await exportCsv(`q=${tag}&status=DISABLED`)).text))).toEqual(["cy"]);

        const listed = await (await api.call("GET", `/api/v1/users?q=${tag}&sort=email`, { cookie: admin })).json();
        const exported = parseCsv((await exportCsv(`q=${tag}&sort=email`)).text);
        expect(exported).toEqual(
          listed.items.map((user: Record<string, string | null>) => ({
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role,
            status: user.status,
            createdAt: user.createdAt,
            updatedAt: user.updatedAt,
            deletedAt: user.deletedAt ?? "",
          })),
        );
      });

      it("walks past one page: 250 users come out once each, in the listing's order", async () => {
        const { tag, make } = tagged();
        for (let i = 0; i < 250; i++) await make(`u${String(i).padStart(3, "0")}`);
        const rows = parseCsv((await exportCsv(`q=${tag}&sort=email`)).text);
        expect(rows.map((row) => row.email?.split(".")[0])).toEqual(Array.from({ length: 250 }, (_, i) => `u${String(i).padStart(3, "0")}`));
      });

      it("escapes formula cells (quote prefix, quoted) and quotes commas, quotes and line breaks; all parse back", async () => {
        const { tag, make } = tagged();
        const names = {
          cmd: "=cmd|' /C calc'!A0",
          plus: "+1",
          minus: "-2",
          at: "@SUM(1)",
          tab: "\tstarts with a tab",
          cr: "\rstarts with a carriage return",
          comma: "Lovelace, Ada",
          quote: 'Ada "the Countess" Lovelace',
          newline: "two\nlines",
          crlf: "two\r\nlines",
          plain: "Grace Hopper",
        };
        for (const [local, name] of Object.entries(names)) await make(local, { name });
        const { text } = await exportCsv(`q=${tag}&sort=email`);
        const byLocal = new Map(parseCsv(text).map((row) => [row.email?.split(".")[0], row.name]));

        for (const local of ["cmd", "plus", "minus", "at", "tab", "cr"] as const) {
          expect(byLocal.get(local), local).toBe(`'${names[local]}`);
          // Quoted as well as prefixed: the raw field starts with a quote, then the single quote.
          expect(text, local).toContain(`,"'${names[local].replaceAll('"', '""')}",`);
        }
        for (const local of ["comma", "quote", "newline", "crlf", "plain"] as const) expect(byLocal.get(local), local).toBe(names[local]);
        expect(text).toContain(`,"Ada ""the Countess"" Lovelace",`);
        expect(text).toContain(`,"Lovelace, Ada",`);
        expect(text).toContain(`,Grace Hopper,`);
      });

      it("answers the header row alone when nothing matches", async () => {
        const { response, text } = await exportCsv(`q=nobody-${randomBytes(6).toString("hex")}`);
        expect(response.status).toBe(200);
        expect(text).toBe(`${CSV_HEADER}\r\n`);
        expect(parseCsv(text)).toEqual([]);
      });

      it("needs users:read (every role; no one signed in is 401); deleted users only for an ADMIN", async () => {
        const { tag, make } = tagged();
        const gone = await make("gone");
        await make("here");
        await api.unitOfWork.run(({ users }) => users.softDelete(gone.id));
        for (const cookie of [admin, editor, viewer]) {
          expect(parseCsv((await exportCsv(`q=${tag}`, cookie)).text).map((row) => row.email?.split(".")[0])).toEqual(["here"]);
        }
        const anonymous = await api.call("GET", `/api/v1/users/export.csv?q=${tag}`);
        expect(anonymous.status).toBe(401);
        expect(anonymous.headers.get("content-type")).toBe("application/problem+json");

        const withDeleted = parseCsv((await exportCsv(`q=${tag}&includeDeleted=true&sort=email`)).text);
        expect(withDeleted.map((row) => [row.email?.split(".")[0], row.deletedAt !== ""])).toEqual([
          ["gone", true],
          ["here", false],
        ]);
        for (const cookie of [editor, viewer]) {
          const refused = await exportCsv(`q=${tag}&includeDeleted=true`, cookie);
          expect(refused.response.status).toBe(403);
          expect(refused.response.headers.get("content-type")).toBe("application/problem+json");
          expect(JSON.parse(refused.text)).toMatchObject({ code: "FORBIDDEN" });
        }
      });

      it("refuses bad or unknown parameters (limit and cursor too) before the first byte, as problem+json naming them", async () => {
        for (const [query, mentions] of [
          ["sort=password", "sort"],
          ["role=ROOT", "role"],
          ["includeDeleted=yes", "includeDeleted"],
          // limit and cursor belong to the paged listing: refused, not silently ignored (the export has every match).
          ["limit=10", "limit"],
          ["cursor=abc", "cursor"],
          ["serach=ada", "serach"],
        ] as const) {
          const { response, text } = await exportCsv(query);
          expect(response.status, query).toBe(422);
          expect(response.headers.get("content-type")).toBe("application/problem+json");
          expect(JSON.parse(text).detail, query).toContain(mentions);
        }
      });
    });

    describe("GET /users/{id}/overview", () => {
      async function overview(id: string, cookie = admin) {
        const response = await api.call("GET", `/api/v1/users/${id}/overview`, { cookie });
        return { response, body: await response.json() };
      }

      it("shows an ADMIN the user, the newest audit entries about them and their live sessions", async () => {
        const { tag } = tagged();
        const email = `seen.${tag}@example.com`;
        const seen = await api.createUser({ email, role: "VIEWER", password: PASSWORD });
        await api.signIn(email, PASSWORD, { "user-agent": "overview-test-browser" });
        const etag = (await api.call("GET", `/api/v1/users/${seen.id}`, { cookie: admin })).headers.get("etag") ?? "";
        const patched = await api.call("PATCH", `/api/v1/users/${seen.id}`, { cookie: admin, body: { name: "Renamed" }, headers: { "if-match": etag } });
        expect(patched.status).toBe(200);

        const { response, body } = await overview(seen.id);
        expect(response.status).toBe(200);
        expect(body.user).toMatchObject({ id: seen.id, email, name: "Renamed", version: 2 });
        expect(body.audit.items[0]).toMatchObject({ action: "user.updated", target: { type: "user", id: seen.id } });
        expect(body.audit.items.every((entry: { target: { id: string } }) => entry.target.id === seen.id)).toBe(true);
        expect(body.sessions).toEqual([
          expect.objectContaining({ userAgent: "overview-test-browser", expiresAt: expect.any(String), lastSeenAt: expect.any(String) }),
        ]);
        expect(body.sessions[0]).not.toHaveProperty("id");
        // Each flag's variation for this user, as GET /users/{id}/flags gives it.
        expect(body.flags).toEqual((await (await api.call("GET", `/api/v1/users/${seen.id}/flags`, { cookie: admin })).json()).items);
        expect(body.flags.map((flag: { key: string }) => flag.key)).toEqual(["bulk-import", "users-table-density", "ops-read-only-mode"]);
        expect(body.omitted).toEqual([]);
      });

      it("leaves out, and names, what an EDITOR or VIEWER may not see: audit entries and sessions", async () => {
        for (const cookie of [editor, viewer]) {
          const { response, body } = await overview(viewerId, cookie);
          expect(response.status).toBe(200);
          expect(body.user).toMatchObject({ id: viewerId });
          expect(body).not.toHaveProperty("audit");
          expect(body).not.toHaveProperty("sessions");
          expect(body.flags).toHaveLength(3); // flags:read is every role's
          expect(body.omitted).toEqual([
            { part: "audit", permission: "audit:read" },
            { part: "sessions", permission: "sessions:read" },
          ]);
        }
        expect((await api.call("GET", `/api/v1/users/${viewerId}/overview`)).status).toBe(401);
      });

      it("answers 404 USER_NOT_FOUND naming the part `user`, for an unknown or deleted user", async () => {
        const { make } = tagged();
        const gone = await make("gone");
        await api.unitOfWork.run(({ users }) => users.softDelete(gone.id));
        for (const id of ["0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f", "not-a-uuid", gone.id]) {
          const { response, body } = await overview(id);
          expect(response.status, id).toBe(404);
          expect(response.headers.get("content-type")).toBe("application/problem+json");
          expect(body).toMatchObject({ code: "USER_NOT_FOUND", part: "user" });
        }
      });
    });
  });
}
