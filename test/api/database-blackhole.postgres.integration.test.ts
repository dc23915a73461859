import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDatabaseTestApp } from "../../lib/composition-root";
import { loadConfig } from "../../lib/config";
import { createTestDatabase, type TestDatabase } from "../support/postgres";
import { startTcpRelay, type TcpRelay } from "../support/tcp-relay";

/*
 * A database whose host drops packets (issue 17): new connections are accepted by the relay in front of
 * PostgreSQL and never answered, so every connect hangs until the pool's timeout. That must count towards the
 * circuit breaker like a refused connection, for writes (Prisma's transactions) as for reads, while a pool that is
 * merely full stays DATABASE_BUSY and counts for nothing.
 */

const ID = "00000000-0000-7000-8000-000000000000";
let database: TestDatabase;
let relay: TcpRelay;
let opened: Awaited<ReturnType<typeof createDatabaseTestApp>>;

beforeAll(async () => {
  database = await createTestDatabase("blackhole");
  const url = new URL(database.url);
  relay = await startTcpRelay(Number(url.port));
  url.port = String(relay.port);
  opened = await createDatabaseTestApp(
    loadConfig({
      DATABASE_URL: url.href,
      DB_POOL_SIZE: "2",
      DB_POOL_WAIT_MS: "300",
      DB_BREAKER_FAILURES: "3",
      DB_BREAKER_HALF_OPEN_MS: "200",
    }),
  );
});
afterAll(async () => {
  await opened?.app.database.close();
  relay?.close();
  await database?.drop();
});

const failure = (unit: Promise<unknown>) => unit.then(() => null, (error: unknown) => error);

describe("a database that does not answer (black-holed connects)", () => {
  it("a full pool is DATABASE_BUSY, and does not open the breaker however often", async () => {
    const { unitOfWork, app } = opened;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = [0, 1].map(() => unitOfWork.run(() => held));
    try {
      for (let i = 0; i < 4; i++) {
        expect(await failure(unitOfWork.run(({ users }) => users.getById(ID)))).toMatchObject({ code: "DATABASE_BUSY" });
        expect(await failure(unitOfWork.read(({ users }) => users.getById(ID)))).toMatchObject({ code: "DATABASE_BUSY" });
      }
      expect(app.databaseBreaker.state()).toBe("closed");
    } finally {
      release();
      await Promise.all(holders);
    }
  });

  it("a connect the server never answers is DATABASE_UNAVAILABLE for writes and reads, and opens the breaker", async () => {
    const { unitOfWork, app } = opened;
    relay.blackHole();
    try {
      // A write first: Prisma's own start timeout must not call the hung connect merely busy.
      expect(await failure(unitOfWork.run(({ users }) => users.getById(ID)))).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
      expect(await failure(unitOfWork.run(({ users }) => users.getById(ID)))).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
      expect(await failure(unitOfWork.read(({ users }) => users.getById(ID)))).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
      expect(app.databaseBreaker.state()).toBe("open");
    } finally {
      relay.forward();
    }
    await expect.poll(() => app.databaseBreaker.state(), { timeout: 10_000 }).toBe("closed");
    await expect(unitOfWork.run(({ users }) => users.getById(ID))).resolves.toBeNull();
  });
});
