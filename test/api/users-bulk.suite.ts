/**
 * POST /api/v1/users/bulk (issue 6): one suite, run in memory (users-bulk.test.ts), on PGlite and on PostgreSQL
 * (users-bulk.{pglite,postgres}.integration.test.ts). Most tests share one app and work on users of their own,
 * tagged in their email; the last-admin test needs an app where it knows every admin, and opens its own. The
 * tests of what only the use case shows (a write refused half-way, the cap, giving up between chunks) call it
 * directly, on the same unit of work as the app.
 */
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { NewAuditEntry } from "../../lib/domain/audit";
import type { Principal } from "../../lib/domain/auth";
import { LastAdminError, UserNotFoundError } from "../../lib/domain/errors";
import type { Role, User, UserStatus } from "../../lib/domain/user";
import { BULK_CHUNK_SIZE, type BulkCommand, type BulkResult, type BulkSelection } from "../../lib/domain/user-bulk";
import type { Logger } from "../../lib/ports/logger";
import type { UnitOfWork } from "../../lib/ports/unit-of-work";
import { makeBulkUpdateUsers, type BulkUpdateUsersDependencies } from "../../lib/use-cases/bulk-update-users";
import { signedInStaff } from "../support/api-accounts";
import { fastTestHasher, type createApiHarness } from "../support/api-harness";

type Harness = Awaited<ReturnType<typeof createApiHarness>>;
const PASSWORD = "correct horse battery";
const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";

/**
 * @param open a new app on an empty database of its own, hashing with fastTestHasher (the suite closes what it
 *   opens).
 */
export function describeUsersBulkApi(name: string, open: () => Promise<Harness>) {
  describe(`POST /api/v1/users/bulk (${name})`, () => {
    let api: Harness;
    let admin: string;
    let editor: string;
    let viewer: string;
    let editorEmail: string;

    beforeAll(async () => {
      api = await open();
      const staff = await signedInStaff(api, PASSWORD);
      ({ admin, editor, viewer } = staff);
      editorEmail = staff.users.editor.email;
    });
    afterAll(async () => {
      await api?.close();
    });

    type Spec = { role?: Role; status?: UserStatus; deleted?: boolean; password?: boolean };

    /**
     * A tag no other test uses, and users carrying it in their email, created in one unit of work a millisecond
     * apart: the walk over a filter (oldest first) meets them in the order given.
     */
    function tagged() {
      const tag = `t${randomBytes(5).toString("hex")}`;
      const make = async (specs: Record<string, Spec>): Promise<Record<string, User>> => {
        const start = Date.now() - 60_000;
        const entries = Object.entries(specs);
        const made = await api.unitOfWork.run(async ({ users }) => {
          const out: Record<string, User> = {};
          for (const [i, [local, spec]] of entries.entries()) {
            const user = await users.create({
              email: `${local}.${tag}@example.com`,
              name: local,
              role: spec.role ?? "VIEWER",
              status: spec.status ?? "ACTIVE",
              createdAt: new Date(start + i),
            });
            out[local] = spec.deleted ? await users.softDelete(user.id) : user;
          }
          return out;
        });
        for (const [local, spec] of entries) {
          if (spec.password) await setPassword(made[local]?.id ?? "");
        }
        return made;
      };
      return { tag, make };
    }

    async function setPassword(id: string) {
      const passwordHash = await fastTestHasher.hash(PASSWORD);
      await api.unitOfWork.run(({ credentials }) => credentials.set(id, { passwordHash, mustChangePassword: false, setAt: new Date() }));
    }

    async function bulk(cookie: string, body: unknown) {
      const response = await api.call("POST", "/api/v1/users/bulk", { cookie, body });
      return { status: response.status, body: await response.json() };
    }

    const read = (id: string) => api.unitOfWork.run(({ users }) => users.getById(id, { includeDeleted: true }));
    /** The audit entries about changes to the user (not their sign-ins), newest first. */
    const auditOf = async (id: string) =>
      (await api.unitOfWork.run(({ audit }) => audit.list({ targetType: "user", targetId: id, limit: 50 }))).items.filter((entry) =>
        entry.action.startsWith("user."),
      );
    const sorted = (failed: BulkResult["failed"]) => [...failed].sort((a, b) => a.id.localeCompare(b.id));

    /** The use case itself, on the app's unit of work (or a wrapper of it), acting for an ADMIN token. */
    function useCase(options: Partial<BulkUpdateUsersDependencies> = {}) {
      const logged: object[] = [];
      const log: Logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: (fields) => logged.push(fields),
        child: () => log,
      };
      const run = makeBulkUpdateUsers({ unitOfWork: api.unitOfWork, log, ...options });
      const principal: Principal = { kind: "token", tokenId: NO_SUCH_ID, name: "bulk test", role: "ADMIN" };
      const call = (command: BulkCommand, selection: BulkSelection, signal?: AbortSignal) =>
        run(command, selection, { principal, requestId: "req-bulk-test", traceId: null, signal });
      return { call, logged };
    }

    it("disables the users listed by id, each once and audited, and ends their sessions; an unknown id fails, one already disabled is skipped", async () => {
      const { make } = tagged();
      const { ann, bob, cy } = await make({ ann: { password: true }, bob: {}, cy: { status: "DISABLED" } });
      if (!ann || !bob || !cy) throw new Error("unreachable");
      const annCookie = await api.signIn(ann.email, PASSWORD);

      const { status, body } = await bulk(admin, { action: "disable", ids: [ann.id, bob.id, cy.id, NO_SUCH_ID, bob.id.toUpperCase()] });
      expect(status).toBe(200);
      expect(body).toEqual({
        matched: 4,
        succeeded: 2,
        skipped: 1,
        failed: [{ id: NO_SUCH_ID, code: "USER_NOT_FOUND", message: new UserNotFoundError(NO_SUCH_ID).message }],
      });
      expect(await read(ann.id)).toMatchObject({ status: "DISABLED", version: 2 });
      expect(await read(bob.id)).toMatchObject({ status: "DISABLED", version: 2 });
      expect(await read(cy.id)).toEqual(cy);
      for (const user of [ann, bob]) {
        expect(await auditOf(user.id)).toEqual([
          expect.objectContaining({
            action: "user.updated",
            actor: expect.objectContaining({ type: "user", label: expect.stringMatching(/^admin-/) }),
            data: { before: { status: "ACTIVE" }, after: { status: "DISABLED" } },
            requestId: expect.any(String),
          }),
        ]);
      }
      expect(await auditOf(cy.id)).toEqual([]);
      expect((await api.call("GET", "/api/v1/session", { cookie: annCookie })).status).toBe(401);
    });

    it("lets an EDITOR disable a filter that includes ADMINs: each ADMIN fails with FORBIDDEN, everyone else is disabled", async () => {
      const { tag, make } = tagged();
      const made = await make({
        a1: { role: "ADMIN" },
        v1: {},
        e1: { role: "EDITOR" },
        a2: { role: "ADMIN" },
        v2: { status: "INVITED" },
        v3: { status: "DISABLED" },
      });
      const { a1, a2, v1, e1, v2, v3 } = made;
      if (!a1 || !a2 || !v1 || !e1 || !v2 || !v3) throw new Error("unreachable");

      const { status, body } = await bulk(editor, { action: "disable", filter: { q: tag } });
      expect(status).toBe(200);
      expect({ ...body, failed: sorted(body.failed) }).toEqual({
        matched: 6,
        succeeded: 3,
        skipped: 1,
        failed: sorted(
          [a1, a2].map((user) => ({
            id: user.id,
            email: user.email,
            code: "FORBIDDEN",
            message: "Only an ADMIN may change, disable or delete an ADMIN",
          })),
        ),
      });
      for (const user of [v1, e1, v2]) expect(await read(user.id)).toMatchObject({ status: "DISABLED", version: 2 });
      for (const user of [a1, a2, v3]) expect(await read(user.id)).toEqual(user);
      for (const user of [a1, a2]) expect(await auditOf(user.id)).toEqual([]);
      expect(await auditOf(v2.id)).toEqual([
        expect.objectContaining({ actor: expect.objectContaining({ label: editorEmail }), data: { before: { status: "INVITED" }, after: { status: "DISABLED" } } }),
      ]);
    });

    it("refuses, user by user, to disable the last active admin (LAST_ADMIN) or a deleted user (USER_NOT_FOUND), and disables the rest", async () => {
      // An app of its own: the rule counts every active admin with a password, so the test must know them all.
      const own = await open();
      try {
        const tag = `t${randomBytes(5).toString("hex")}`;
        const create = (local: string, role: Role, extra: { password?: string; status?: UserStatus } = {}) =>
          own.createUser({ email: `${local}.${tag}@example.com`, role, ...extra });
        const boss = await create("boss", "ADMIN", { password: PASSWORD });
        const second = await create("second", "ADMIN", { password: PASSWORD });
        // Without a password nobody can sign in as them: they do not count as an admin who remains.
        const unusable = await create("unusable", "ADMIN");
        const plain = await create("plain", "VIEWER");
        const idle = await create("idle", "VIEWER", { status: "DISABLED" });
        const gone = await create("gone", "VIEWER");
        await own.unitOfWork.run(({ users }) => users.softDelete(gone.id));
        const cookie = await own.signIn(boss.email, PASSWORD);

        const response = await own.call("POST", "/api/v1/users/bulk", {
          cookie,
          body: { action: "disable", filter: { q: tag, includeDeleted: true } },
        });
        expect(response.status).toBe(200);
        const body: BulkResult = await response.json();
        const lastAdmin = body.failed.find((failure) => failure.code === "LAST_ADMIN");
        // Whichever of the two admins came second in the walk is the last one.
        expect([boss.id, second.id]).toContain(lastAdmin?.id);
        const remaining = lastAdmin?.id === boss.id ? boss : second;
        expect({ ...body, failed: sorted(body.failed) }).toEqual({
          matched: 6,
          succeeded: 3,
          skipped: 1,
          failed: sorted([
            { id: remaining.id, email: remaining.email, code: "LAST_ADMIN", message: new LastAdminError().message },
            { id: gone.id, email: gone.email, code: "USER_NOT_FOUND", message: new UserNotFoundError(gone.id).message },
          ]),
        });
        const states = await own.unitOfWork.run(({ users }) =>
          Promise.all([boss, second, unusable, plain, idle, gone].map((user) => users.getById(user.id, { includeDeleted: true }))),
        );
        expect(states.map((user) => [user?.email.split(".")[0], user?.status, user?.deletedAt === null])).toEqual([
          ["boss", remaining === boss ? "ACTIVE" : "DISABLED", true],
          ["second", remaining === second ? "ACTIVE" : "DISABLED", true],
          ["unusable", "DISABLED", true],
          ["plain", "DISABLED", true],
          ["idle", "DISABLED", true],
          ["gone", "ACTIVE", false],
        ]);
      } finally {
        await own.close();
      }
    });

    it("sets a role, ADMIN only: each change audited with the role before and after; an EDITOR is refused up front and nothing changes", async () => {
      const { make } = tagged();
      const { v1, v2, e1 } = await make({ v1: {}, v2: {}, e1: { role: "EDITOR" } });
      if (!v1 || !v2 || !e1) throw new Error("unreachable");
      const ids = [v1.id, v2.id, e1.id];

      const refused = await bulk(editor, { action: "set-role", role: "EDITOR", ids });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "FORBIDDEN", detail: "Only an ADMIN may change roles" });
      expect(await read(v1.id)).toEqual(v1);

      const { status, body } = await bulk(admin, { action: "set-role", role: "EDITOR", ids });
      expect(status).toBe(200);
      expect(body).toEqual({ matched: 3, succeeded: 2, skipped: 1, failed: [] });
      for (const user of [v1, v2]) {
        expect(await read(user.id)).toMatchObject({ role: "EDITOR", version: 2 });
        expect(await auditOf(user.id)).toEqual([
          expect.objectContaining({ action: "user.updated", data: { before: { role: "VIEWER" }, after: { role: "EDITOR" } } }),
        ]);
      }
      expect(await read(e1.id)).toEqual(e1);
    });

    it("deletes and restores over a filter, each user audited; restoring needs includeDeleted, and a repeated call only skips", async () => {
      const { tag, make } = tagged();
      const made = Object.values(await make({ a: {}, b: { role: "EDITOR" }, c: { status: "DISABLED" } }));

      const deleted = await bulk(editor, { action: "delete", filter: { q: tag } });
      expect(deleted).toEqual({ status: 200, body: { matched: 3, succeeded: 3, skipped: 0, failed: [] } });
      const listed = await api.call("GET", `/api/v1/users?q=${tag}`, { cookie: admin });
      expect((await listed.json()).items).toEqual([]);
      for (const user of made) {
        expect(await read(user.id)).toMatchObject({ deletedAt: expect.any(Date), version: 2 });
        expect(await auditOf(user.id)).toEqual([
          expect.objectContaining({ action: "user.deleted", data: { before: { deletedAt: null }, after: { deletedAt: expect.any(String) } } }),
        ]);
      }

      // The filter means what it means for the listing: without includeDeleted, deleted users do not match.
      expect((await bulk(admin, { action: "restore", filter: { q: tag } })).body).toEqual({ matched: 0, succeeded: 0, skipped: 0, failed: [] });
      // Selecting deleted users takes users:read-deleted, as listing them does.
      expect((await bulk(editor, { action: "restore", filter: { q: tag, includeDeleted: true } })).status).toBe(403);

      const restored = await bulk(admin, { action: "restore", filter: { q: tag, includeDeleted: true } });
      expect(restored.body).toEqual({ matched: 3, succeeded: 3, skipped: 0, failed: [] });
      for (const user of made) {
        expect(await read(user.id)).toMatchObject({ deletedAt: null, status: user.status, role: user.role, version: 3 });
        expect((await auditOf(user.id)).map((entry) => entry.action)).toEqual(["user.restored", "user.deleted"]);
      }
      expect((await bulk(admin, { action: "restore", filter: { q: tag, includeDeleted: true } })).body).toEqual({
        matched: 3,
        succeeded: 0,
        skipped: 3,
        failed: [],
      });
    });

    it(`crosses chunk boundaries (${BULK_CHUNK_SIZE} users each) with a failure in every chunk, changing everyone else exactly once, while its own changes take users out of the filter`, async () => {
      const { tag, make } = tagged();
      const count = 2 * BULK_CHUNK_SIZE + 5;
      // ADMINs (whom an EDITOR may not change) first in the first chunk, last in the second, last of all.
      const adminAt = new Set([0, 2 * BULK_CHUNK_SIZE - 1, count - 1]);
      const specs: Record<string, Spec> = {};
      for (let i = 0; i < count; i++) specs[`u${String(i).padStart(3, "0")}`] = { role: adminAt.has(i) ? "ADMIN" : "VIEWER" };
      const users = Object.values(await make(specs));
      const admins = users.filter((user) => user.role === "ADMIN");

      // status=ACTIVE: every user this call disables leaves the filter, which must not shift the next chunk.
      const { status, body } = await bulk(editor, { action: "disable", filter: { q: tag, status: ["ACTIVE"] } });
      expect(status).toBe(200);
      expect(body.matched).toBe(count);
      expect(body.succeeded).toBe(count - 3);
      expect(body.skipped).toBe(0);
      expect(body.failed.map((failure: { id: string; code: string }) => [failure.id, failure.code])).toEqual(
        admins.map((user) => [user.id, "FORBIDDEN"]),
      );
      const after = await api.unitOfWork.run(({ users: repo }) => Promise.all(users.map((user) => repo.getById(user.id))));
      after.forEach((user, i) => {
        // Version 2: changed once, neither skipped nor seen twice.
        expect([user?.status, user?.version], `user ${i}`).toEqual(adminAt.has(i) ? ["ACTIVE", 1] : ["DISABLED", 2]);
      });
      for (const i of [1, BULK_CHUNK_SIZE - 1, BULK_CHUNK_SIZE, 2 * BULK_CHUNK_SIZE, count - 2]) {
        expect(await auditOf(users[i]?.id ?? ""), `user ${i}`).toHaveLength(1);
      }
      // Repeated, only the refused remain to be matched.
      expect((await bulk(editor, { action: "disable", filter: { q: tag, status: ["ACTIVE"] } })).body).toMatchObject({
        matched: 3,
        succeeded: 0,
        failed: admins.map((user) => expect.objectContaining({ id: user.id, code: "FORBIDDEN" })),
      });
    });

    it("undoes a user's change that failed half-way (a write the database refused) and keeps the rest of the chunk", async () => {
      const { tag, make } = tagged();
      const { a, victim, c, d, e } = await make({ a: {}, victim: { password: true }, c: {}, d: {}, e: {} });
      if (!a || !victim || !c || !d || !e) throw new Error("unreachable");
      const victimCookie = await api.signIn(victim.email, PASSWORD);
      // The victim's audit entry gets an action longer than the column allows: the database refuses the INSERT
      // after the user was disabled and their sessions deleted, in the middle of a chunk of three.
      const refusing: UnitOfWork = {
        read: (work, options) => api.unitOfWork.read(work, options),
        run: (work, options) =>
          api.unitOfWork.run(
            (repos) =>
              work({
                ...repos,
                audit: {
                  append: (entry: NewAuditEntry) =>
                    repos.audit.append(entry.target.id === victim.id ? { ...entry, action: "x".repeat(65) } : entry),
                  list: (query) => repos.audit.list(query),
                  appendMany: (entries) => repos.audit.appendMany(entries),
                },
              }),
            options,
          ),
      };
      const { call, logged } = useCase({ unitOfWork: refusing, chunkSize: 3 });

      const result = await call({ action: "disable" }, { filter: { search: tag } });
      expect(result).toEqual({
        matched: 5,
        succeeded: 4,
        skipped: 0,
        failed: [{ id: victim.id, email: victim.email, code: "INTERNAL", message: "The change failed on our side; quote request id req-bulk-test" }],
      });
      expect(logged).toEqual([expect.objectContaining({ userId: victim.id, requestId: "req-bulk-test" })]);
      // Nothing of the victim's change is left: not the status, not the version, not the ended sessions.
      expect(await read(victim.id)).toEqual(victim);
      expect(await auditOf(victim.id)).toEqual([]);
      expect((await api.call("GET", "/api/v1/session", { cookie: victimCookie })).status).toBe(200);
      // Its neighbours in the chunk, and the next chunk, committed.
      for (const user of [a, c, d, e]) {
        expect(await read(user.id)).toMatchObject({ status: "DISABLED", version: 2 });
        expect(await auditOf(user.id)).toEqual([expect.objectContaining({ action: "user.updated" })]);
      }
    });

    it("refuses a filter matching more users than one call may change, before changing anyone (BULK_LIMIT_EXCEEDED)", async () => {
      const { tag, make } = tagged();
      const users = Object.values(await make({ a: {}, b: {}, c: {}, d: {} }));
      const { call } = useCase({ maxFilterUsers: 3 });
      await expect(call({ action: "disable" }, { filter: { search: tag } })).rejects.toMatchObject({
        code: "BULK_LIMIT_EXCEEDED",
        message: expect.stringContaining("one call may change at most 3"),
      });
      for (const user of users) expect(await read(user.id)).toEqual(user);
      // At the limit itself, the call goes through.
      await expect(call({ action: "disable" }, { filter: { search: tag, statuses: ["ACTIVE"] } })).rejects.toMatchObject({
        code: "BULK_LIMIT_EXCEEDED",
      });
      await api.unitOfWork.run(({ users: repo }) => repo.update(users[0]?.id ?? "", () => ({ status: "DISABLED" })));
      expect(await call({ action: "disable" }, { filter: { search: tag, statuses: ["ACTIVE"] } })).toMatchObject({ matched: 3, succeeded: 3 });
    });

    it("walks a filter no further than the limit, even when users joining it meanwhile would take it past", async () => {
      const { tag, make } = tagged();
      const users = Object.values(await make({ a: {}, b: {}, c: {} }));
      // Right after the count (the first unit), two more users start to match the filter, at its tail.
      let units = 0;
      const growing: UnitOfWork = {
        read: (work, options) => api.unitOfWork.read(work, options),
        run: async (work, options) => {
          const result = await api.unitOfWork.run(work, options);
          if (++units === 1) {
            await api.unitOfWork.run(async ({ users: repo }) => {
              for (const local of ["late1", "late2"]) await repo.create({ email: `${local}.${tag}@example.com`, name: local, role: "VIEWER", status: "ACTIVE" });
            });
          }
          return result;
        },
      };
      const { call } = useCase({ unitOfWork: growing, maxFilterUsers: 3, chunkSize: 2 });
      expect(await call({ action: "disable" }, { filter: { search: tag } })).toEqual({ matched: 3, succeeded: 3, skipped: 0, failed: [] });
      for (const user of users) expect(await read(user.id)).toMatchObject({ status: "DISABLED" });
      const late = await api.unitOfWork.run(({ users: repo }) =>
        repo.list({ search: tag, statuses: ["ACTIVE"], sort: { field: "createdAt", direction: "asc" }, limit: 10 }),
      );
      expect(late.items.map((user) => user.name).sort()).toEqual(["late1", "late2"]);
    });

    it("stops between chunks once the caller gives up; the chunks done stay done, and repeating the call finishes", async () => {
      const { make } = tagged();
      const users = Object.values(await make({ a: {}, b: {}, c: {}, d: {}, e: {} }));
      const ids = users.map((user) => user.id).sort();
      const controller = new AbortController();
      const reason = new Error("client went away");
      let units = 0;
      const abortingAfterFirst: UnitOfWork = {
        read: (work, options) => api.unitOfWork.read(work, options),
        run: async (work, options) => {
          const result = await api.unitOfWork.run(work, options);
          if (++units === 1) controller.abort(reason);
          return result;
        },
      };
      const first = useCase({ unitOfWork: abortingAfterFirst, chunkSize: 2 });
      await expect(first.call({ action: "disable" }, { ids }, controller.signal)).rejects.toBe(reason);
      expect(units).toBe(1);
      const states = await Promise.all(ids.map(async (id) => (await read(id))?.status));
      expect(states).toEqual(["DISABLED", "DISABLED", "ACTIVE", "ACTIVE", "ACTIVE"]);

      expect(await useCase({ chunkSize: 2 }).call({ action: "disable" }, { ids })).toEqual({ matched: 5, succeeded: 3, skipped: 2, failed: [] });
    });

    it("refuses a body that is none of the four shapes, saying what is wrong, and callers without users:write", async () => {
      const problems: [unknown, string][] = [
        [{ action: "disable" }, "Send ids (the users' ids) or filter"],
        [{ action: "disable", ids: [NO_SUCH_ID], filter: {} }, "Send ids or filter, not both"],
        [{ action: "archive", ids: [NO_SUCH_ID] }, "action must be one of disable, enable, delete, restore, set-role"],
        [{ action: "set-role", ids: [NO_SUCH_ID] }, "set-role needs role: one of ADMIN, EDITOR, VIEWER"],
        [{ action: "disable", role: "ADMIN", ids: [NO_SUCH_ID] }, "role goes with the action set-role only"],
        [{ action: "disable", ids: ["not-a-uuid"] }, "ids.0: Each id must be a user id (a UUID)"],
        [{ action: "disable", ids: [] }, "ids: Send at least one id"],
        [{ action: "disable", ids: Array.from({ length: 1001 }, () => NO_SUCH_ID) }, "ids: Send at most 1000 ids; select more with filter"],
        [{ action: "disable", filter: { q: 1 } }, "filter.q"],
        [{ action: "disable", filter: { sort: "name" } }, 'Unrecognized key: "sort"'],
        [[{ action: "disable" }], "Send an object"],
      ];
      for (const [body, message] of problems) {
        const response = await bulk(admin, body);
        expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(422);
        expect(response.body.code).toBe("VALIDATION_FAILED");
        expect(response.body.detail, JSON.stringify(body).slice(0, 80)).toContain(message);
      }
      const refused = await bulk(viewer, { action: "disable", ids: [NO_SUCH_ID] });
      expect(refused).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    });
  });
}
