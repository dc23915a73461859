/**
 * Issue 18, item 8: the last active ADMIN survives concurrent demotions on PostgreSQL, including the race that
 * `If-Match: *` left open. A change was checked against the user as first read in its transaction, then written
 * to the row as read again later: a user who became an ADMIN in between (promoted by another request, which then
 * let a third demote the other admin) was demoted, disabled or deleted by a change whose rules saw an EDITOR.
 *
 * The interleaving is made certain rather than hoped for: the change under test runs through the production use
 * case, adapters and database, on a unit of work that waits before the write until the other two requests have
 * committed. Nothing else is stood in for.
 */
import { randomBytes } from "node:crypto";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Principal } from "../../lib/domain/auth";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";
import type { UserRepository } from "../../lib/ports/user-repository";
import { makeBulkUpdateUsers } from "../../lib/use-cases/bulk-update-users";
import type { CallContext } from "../../lib/use-cases/call-context";
import { makeDeleteUser } from "../../lib/use-cases/delete-user";
import { makeUpdateUser } from "../../lib/use-cases/update-user";
import { openPostgresHarness, type PostgresHarness } from "../support/database-harness";

const PASSWORD = "correct horse battery";
let api: PostgresHarness;
let sql: pg.Pool;

beforeAll(async () => {
  api = await openPostgresHarness("last_admin_race", { REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000", DB_POOL_WAIT_MS: "30000" });
  sql = new pg.Pool({ connectionString: api.databaseUrl, max: 2 });
});
afterAll(async () => {
  await sql?.end();
  await api?.close();
});

/** Admins someone can sign in as (lockActiveAdmins' definition), counted by SQL of its own. */
async function activeAdmins(): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`
    SELECT count(*)::int AS n FROM users
    WHERE role = 'ADMIN' AND status = 'ACTIVE' AND deleted_at IS NULL
      AND EXISTS (SELECT 1 FROM credentials WHERE credentials.user_id = users.id)`);
  return rows[0]?.n ?? -1;
}

/** Leaves no active admin behind from an earlier test: each test starts from the admins it makes. */
async function retireEveryAdmin(): Promise<void> {
  await sql.query(`UPDATE users SET role = 'VIEWER', version = version + 1 WHERE role = 'ADMIN'`);
}

/** An ADMIN operator who is not in the table, so the only active admins are the ones a test makes. */
function operator(): CallContext {
  const principal: Principal = {
    kind: "user",
    userId: "00000000-0000-4000-8000-00000000ad01",
    email: "operator@staff.example",
    name: "Operator",
    role: "ADMIN",
    sessionId: "test",
    mustChangePassword: false,
  };
  return { principal, requestId: null, traceId: null };
}

/**
 * `inner`, whose units wait at their first users.update or users.softDelete until `release()`: the moment
 * between the rules' check and the write. `paused` resolves when a unit is waiting there.
 */
function pausedBeforeWrite(inner: UnitOfWork) {
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const gate = async () => {
    reached();
    await released;
  };
  const waiting = (users: UserRepository): UserRepository =>
    new Proxy(users, {
      get(target, property, receiver) {
        if (property === "update") {
          const update: UserRepository["update"] = async (...args) => (await gate(), target.update(...args));
          return update;
        }
        if (property === "softDelete") {
          const softDelete: UserRepository["softDelete"] = async (...args) => (await gate(), target.softDelete(...args));
          return softDelete;
        }
        return Reflect.get(target, property, receiver);
      },
    });
  const unitOfWork: UnitOfWork = {
    read: (work, options) => inner.read(work, options),
    run: (work, options) => inner.run((repos: Repositories) => work({ ...repos, users: waiting(repos.users) }), options),
  };
  return { unitOfWork, paused, release };
}

function codeOf(error: unknown): string {
  return error instanceof Error && "code" in error ? String(error.code) : String(error);
}

type Attempt = (unitOfWork: UnitOfWork, targetId: string) => Promise<unknown>;

const ATTEMPTS: [string, Attempt][] = [
  ["PATCH role VIEWER, If-Match: *", (unitOfWork, id) => makeUpdateUser({ unitOfWork })(id, { role: "VIEWER" }, {}, operator())],
  ["PATCH status DISABLED, If-Match: *", (unitOfWork, id) => makeUpdateUser({ unitOfWork })(id, { status: "DISABLED" }, {}, operator())],
  ["DELETE, If-Match: *", (unitOfWork, id) => makeDeleteUser({ unitOfWork })(id, {}, operator())],
  // Bulk actions already wrote the version read in their chunk before the fix: kept so that they go on doing so.
  [
    "bulk set-role VIEWER",
    (unitOfWork, id) =>
      makeBulkUpdateUsers({ unitOfWork, log: api.app.log })({ action: "set-role", role: "VIEWER" }, { ids: [id] }, operator()),
  ],
];

describe("the last active ADMIN on PostgreSQL (issue 18)", () => {
  it.each(ATTEMPTS)(
    "%s checked while the target was an EDITOR cannot land once they are the last ADMIN",
    async (_, attempt) => {
      await retireEveryAdmin();
      const run = randomBytes(4).toString("hex");
      const target = await api.createUser({ email: `target-${run}@staff.example`, role: "EDITOR", password: PASSWORD });
      const other = await api.createUser({ email: `other-${run}@staff.example`, role: "ADMIN", password: PASSWORD });
      expect(await activeAdmins()).toBe(1);

      // 1. The change is checked against the target as an EDITOR (no admin ends: no lock), then waits to write.
      const slow = pausedBeforeWrite(api.unitOfWork);
      const outcome = attempt(slow.unitOfWork, target.id).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      await slow.paused;
      // 2. Meanwhile the target is promoted, and 3. the other admin, no longer the last, is demoted.
      await api.app.updateUser(target.id, { role: "ADMIN" }, {}, operator());
      await api.app.updateUser(other.id, { role: "VIEWER" }, {}, operator());
      expect(await activeAdmins()).toBe(1);
      // 4. The change checked in 1 now meets the last admin.
      slow.release();
      const result = await outcome;

      expect(await activeAdmins()).toBe(1);
      if ("value" in result && result.value && typeof result.value === "object" && "failed" in result.value) {
        // A bulk action reports the user it could not change, and commits nothing for them.
        expect(result.value).toMatchObject({ succeeded: 0, failed: [{ id: target.id, code: "USER_VERSION_CONFLICT" }] });
      } else {
        expect(result).toMatchObject({ ok: false, error: { code: "USER_VERSION_CONFLICT" } });
      }
      expect(await api.unitOfWork.run(({ users }) => users.getById(target.id))).toMatchObject({ role: "ADMIN", status: "ACTIVE" });
    },
  );

  // Passed before the fix too (lockActiveAdmins serialises demotions of admins): the plain case, kept beside the race.
  it("never leaves zero: 6 admins, each demoted, disabled and deleted at once with If-Match: *, over 5 rounds", async () => {
    // Through the app's use cases rather than HTTP: a session would belong to one of the admins, whose own
    // demotion would end it halfway.
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      await retireEveryAdmin();
      const admins = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          api.createUser({ email: `admin-${round}-${i}-${randomBytes(3).toString("hex")}@staff.example`, role: "ADMIN", password: PASSWORD }),
        ),
      );
      const changes = admins.flatMap(({ id }) => [
        api.app.updateUser(id, { role: "VIEWER" }, {}, operator()),
        api.app.updateUser(id, { status: "DISABLED" }, {}, operator()),
        api.app.deleteUser(id, {}, operator()),
      ]);
      for (const settled of await Promise.allSettled(changes)) {
        const outcome = settled.status === "fulfilled" ? "done" : codeOf(settled.reason);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      expect(await activeAdmins(), `round ${round}: ${JSON.stringify([...outcomes])}`).toBe(1);
    }
    // Every refusal is one a client can act on: no deadlock, no internal error.
    expect([...outcomes.keys()].sort(), JSON.stringify([...outcomes])).toEqual(
      expect.arrayContaining(["LAST_ADMIN", "done"]),
    );
    expect([...outcomes.keys()].every((key) => ["done", "LAST_ADMIN", "USER_VERSION_CONFLICT", "USER_NOT_FOUND"].includes(key)), JSON.stringify([...outcomes])).toBe(true);
  });
});
