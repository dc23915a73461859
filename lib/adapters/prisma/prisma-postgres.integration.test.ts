import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { userRepositoryContract } from "../../../test/contract/user-repository.contract";
import { resetDatabase } from "../../../test/support/reset-database";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres";
import { PrismaClient } from "./generated/client.ts";
import { claimAttempt } from "../../use-cases/attempts";
import type { UnitOfWork } from "../../ports/unit-of-work";
import { createPgReads } from "../pg/pg-reads";
import { createPrismaLifecycle, createPrismaUnitOfWork } from "./prisma-unit-of-work";

// A database of its own on the run's throwaway PostgreSQL server, emptied before each test.
let database: TestDatabase;
let prisma: PrismaClient;
// The query side's connections (open-database.ts builds the same pair in production).
let pool: pg.Pool;
let cancelPool: pg.Pool;
let read: UnitOfWork["read"];
beforeAll(async () => {
  database = await createTestDatabase("prisma_contract");
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  cancelPool = new pg.Pool({ connectionString: database.url, max: 1 });
  read = createPgReads(pool, cancelPool);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await Promise.all([pool?.end(), cancelPool?.end()]);
  await database?.drop();
});

describe("lifecycle on PostgreSQL", () => {
  it("answers a ping while open; close is idempotent and later pings fail", async () => {
    let underlyingClosed = 0;
    const own = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    const lifecycle = createPrismaLifecycle(own, {
      closeUnderlying: async () => {
        underlyingClosed++;
      },
    });
    await expect(lifecycle.ping()).resolves.toBeUndefined();
    await Promise.all([lifecycle.close(), lifecycle.close()]);
    await lifecycle.close();
    expect(underlyingClosed).toBe(1);
    await expect(lifecycle.ping()).rejects.toThrow(/closed/);
  });

  it("rejects a ping with the signal's reason when the signal aborts before the database answers", async () => {
    const lifecycle = createPrismaLifecycle(prisma);
    const controller = new AbortController();
    const ping = lifecycle.ping(controller.signal);
    controller.abort(new Error("probe timed out"));
    await expect(ping).rejects.toThrow("probe timed out");
  });
});

userRepositoryContract("prisma-postgres", async () => {
  const unitOfWork = createPrismaUnitOfWork(prisma, { read });
  return {
    async fresh() {
      await resetDatabase((sql) => prisma.$executeRawUnsafe(sql));
      return unitOfWork;
    },
  };
});

describe("the audit log on PostgreSQL", () => {
  it("is append-only: UPDATE, DELETE and TRUNCATE are refused while the trigger is on (its owner could switch it off)", async () => {
    await resetDatabase((sql) => prisma.$executeRawUnsafe(sql));
    await createPrismaUnitOfWork(prisma, { read }).run(({ audit }) =>
      audit.append({ action: "user.created", actor: { type: "system", id: null, label: "system" }, target: { type: "user", id: null } }),
    );
    for (const statement of [
      `UPDATE "audit_entries" SET "action" = 'rewritten'`,
      `DELETE FROM "audit_entries"`,
      `TRUNCATE "audit_entries"`,
    ]) {
      await expect(prisma.$executeRawUnsafe(statement), statement).rejects.toThrow(/append-only/);
    }
    const rows = await prisma.$queryRawUnsafe<{ action: string }[]>(`SELECT "action" FROM "audit_entries"`);
    expect(rows).toEqual([{ action: "user.created" }]);
  });
});

describe("sign-in attempts on PostgreSQL", () => {
  it("serialise on their keys: of 12 parallel attempts on one account, exactly its 5 free ones are admitted", async () => {
    await resetDatabase((sql) => prisma.$executeRawUnsafe(sql));
    const unitOfWork = createPrismaUnitOfWork(prisma, { transactionTimeoutMs: 30_000, read });
    const clock = { now: () => new Date() };
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        unitOfWork.run(({ signInFailures }) =>
          claimAttempt(
            signInFailures,
            [
              { key: "account:ada@example.com", rule: "growing-delay" },
              { key: `ip:10.0.0.${i}`, rule: "window" },
            ],
            clock,
          ),
        ),
      ),
    );
    // The account's five free failures, then a delay after the latest: the other seven wait.
    expect(claims.filter((claim) => claim.admitted)).toHaveLength(5);
    for (const claim of claims) {
      if (!claim.admitted) expect(claim).toMatchObject({ key: "account:ada@example.com" });
    }
  });
});

describe("creating users in bulk on PostgreSQL", () => {
  it("cannot deadlock: two units inserting the same emails in opposite orders both finish, each email created once", async () => {
    await resetDatabase((sql) => prisma.$executeRawUnsafe(sql));
    const unitOfWork = createPrismaUnitOfWork(prisma, { transactionTimeoutMs: 30_000, read });
    const sql = new pg.Pool({ connectionString: database.url, max: 2 });
    const blocker = await sql.connect();
    const user = (email: string) => ({ email, name: email, role: "VIEWER" as const, status: "ACTIVE" as const });
    const waiting = async () =>
      Number((await sql.query("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).rows[0].n);
    try {
      // b held by a third transaction, so both units are inside their INSERT when it goes: in the order given,
      // the first would hold a and wait for c, the second hold c and wait for a.
      await blocker.query("BEGIN");
      await blocker.query("INSERT INTO users (id, email, name, updated_at) VALUES (gen_random_uuid(), 'b@example.com', 'b', now())");
      const first = unitOfWork.run(({ users }) => users.createMany(["a", "b", "c"].map((x) => user(`${x}@example.com`))));
      await expect.poll(waiting).toBe(1);
      const second = unitOfWork.run(({ users }) => users.createMany(["c", "b", "a"].map((x) => user(`${x}@example.com`))));
      await expect.poll(waiting).toBe(2);
      await blocker.query("ROLLBACK");
      const [one, two] = await Promise.all([first, second]);
      expect([...one.created, ...two.created].map((created) => created.email).sort()).toEqual(
        ["a@example.com", "b@example.com", "c@example.com"],
      );
      expect(one.taken.length + two.taken.length).toBe(3);
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      blocker.release();
      await sql.end();
    }
  });
});

describe("a unit PostgreSQL rolls back as a deadlock's victim", () => {
  it("is DATABASE_BUSY (503, retry) rather than an internal error, and the other unit commits", async () => {
    await resetDatabase((sql) => prisma.$executeRawUnsafe(sql));
    const unitOfWork = createPrismaUnitOfWork(prisma, { transactionTimeoutMs: 30_000, read });
    const user = (email: string) => ({ email, name: email, role: "VIEWER" as const, status: "ACTIVE" as const });
    const [x, y] = await unitOfWork.run(async ({ users }) => [await users.create(user("x@example.com")), await users.create(user("y@example.com"))]);
    // Each unit writes one user, then waits until the other has written its own, then writes the other's: each
    // holds the row the other needs, and PostgreSQL ends one of them (after deadlock_timeout, 1 s by default).
    let bothHold: () => void = () => undefined;
    let holding = 0;
    const held = new Promise<void>((resolve) => (bothHold = resolve));
    const crossing = (first: string, second: string) =>
      unitOfWork.run(async ({ users }) => {
        await users.update(first, () => ({ name: `first ${first}` }));
        if (++holding === 2) bothHold();
        await held;
        return users.update(second, () => ({ name: `second ${second}` }));
      });
    const outcomes = await Promise.allSettled([crossing(x!.id, y!.id), crossing(y!.id, x!.id)]);
    const refused = outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => (outcome as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: "DATABASE_BUSY" });
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
  });
});

describe("the event outbox on PostgreSQL", () => {
  it("numbers a subject's events in commit order: a second unit waits for the first, and takes its number if it rolls back", async () => {
    await resetDatabase((sql) => prisma.$executeRawUnsafe(sql));
    const unitOfWork = createPrismaUnitOfWork(prisma, { transactionTimeoutMs: 30_000, read });
    const sql = new pg.Pool({ connectionString: database.url, max: 1 });
    const waiting = async () =>
      Number((await sql.query("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).rows[0].n);
    const subject = { type: "user" as const, id: "0190a000-0000-7000-8000-00000000000a" };
    const event = (type: "user.updated" | "user.deleted") => ({
      type,
      subject,
      actor: { type: "system" as const, id: null, label: "system" },
      requestId: null,
      traceId: null,
      payload: {},
    });
    let rollBackFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (rollBackFirst = resolve));
    let firstAppended!: () => void;
    const appendedByFirst = new Promise<void>((resolve) => (firstAppended = resolve));
    try {
      const first = unitOfWork.run(async ({ events }) => {
        await events.append([event("user.updated")]);
        firstAppended();
        await firstMayEnd;
        throw new Error("the first unit rolls back");
      });
      await appendedByFirst;
      const second = unitOfWork.run(({ events }) => events.append([event("user.deleted")]));
      // The second unit is inside its append, waiting on the subject's row the first one holds.
      await expect.poll(waiting).toBe(1);
      rollBackFirst();
      await expect(first).rejects.toThrow("the first unit rolls back");
      const [deleted] = await second;
      expect(deleted?.sequence).toBe(1);
      const pending = await unitOfWork.run(({ events }) => events.pending(10));
      expect(pending.map((e) => [e.type, e.sequence])).toEqual([["user.deleted", 1]]);
    } finally {
      rollBackFirst();
      await sql.end();
    }
  });
});
