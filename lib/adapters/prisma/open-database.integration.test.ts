import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadConfig } from "../../config";
import { createTestDatabase, MIGRATIONS_DIR } from "../../../test/support/postgres";
import { createLogger } from "../pino/logger";
import { openDatabase, type OpenedDatabase } from "./open-database";

const run = promisify(execFile);
const log = createLogger({ LOG_LEVEL: "silent" });
const root = path.resolve(import.meta.dirname, "../../..");

/** Runs `npm run db:migrate`'s script the way an operator would, with `env` on top of a clean environment. */
async function dbMigrate(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Names and sizes of everything under `dir`, to prove a failed start wrote nothing. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(
    entries.sort().map(async (entry) => `${entry}:${(await stat(path.join(dir, entry))).mtimeMs}`),
  );
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "open-database-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("a database that cannot be opened stops start-up with one line naming problem and fix", () => {
  it("malformed DATABASE_URL: names the variable, writes nothing", async () => {
    const dataDir = path.join(scratch, "malformed");
    const result = await dbMigrate({ DATABASE_URL: "postgres://app@db.internal:port/users", DATA_DIR: dataDir });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/DATABASE_URL must be a URL of the form postgres:\/\//);
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
  });

  it("unreachable server: names host and port and says to start it", async () => {
    const port = await freePort();
    const result = await dbMigrate({ DATABASE_URL: `postgres://app:secret@127.0.0.1:${port}/users` });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`Cannot reach PostgreSQL at 127.0.0.1:${port}/users (ECONNREFUSED)`);
    expect(result.stderr).toContain("start the server");
    expect(result.stderr).not.toContain("secret");
  });

  it("embedded folder held by another process: says so, leaves the folder untouched", async () => {
    const dataDir = path.join(scratch, "held");
    const holder = await openDatabase(loadConfig({ DATA_DIR: dataDir }), log);
    try {
      const before = await snapshot(dataDir);
      const result = await dbMigrate({ DATA_DIR: dataDir });

      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`The embedded database in ${dataDir} is in use by another process`);
      expect(await snapshot(dataDir)).toEqual(before);
    } finally {
      await holder.lifecycle.close();
    }
  });

  it("PostgreSQL with pending migrations: refuses, naming npm run db:migrate; MIGRATE_ON_START migrates", async () => {
    const database = await createTestDatabase("pending", { migrate: false });
    let opened: OpenedDatabase | undefined;
    try {
      await expect(openDatabase(loadConfig({ DATABASE_URL: database.url }), log)).rejects.toThrow(
        /has 1 pending migration \(20261125032212_init\): run `npm run db:migrate`, or set MIGRATE_ON_START=true/,
      );

      opened = await openDatabase(loadConfig({ DATABASE_URL: database.url, MIGRATE_ON_START: "true" }), log);
      expect(opened.appliedMigrations).toEqual(["20261125032212_init"]);
      await opened.lifecycle.ping();
    } finally {
      await opened?.lifecycle.close();
      await database.drop();
    }
  });
});

describe("the embedded database", () => {
  it("is created, migrated and reported fresh on first open; reopened as it was", async () => {
    const config = loadConfig({ DATA_DIR: path.join(scratch, "embedded") });
    const first = await openDatabase(config, log, { migrationsDir: MIGRATIONS_DIR });
    expect(first).toMatchObject({ kind: "embedded", fresh: true, appliedMigrations: ["20261125032212_init"] });
    await first.unitOfWork.run(({ users }) =>
      users.create({ email: "kept@example.com", name: "Kept", role: "VIEWER", status: "ACTIVE" }),
    );
    await first.lifecycle.close();

    const second = await openDatabase(config, log, { migrationsDir: MIGRATIONS_DIR });
    try {
      expect(second).toMatchObject({ fresh: false, appliedMigrations: [] });
      const kept = await second.unitOfWork.run(({ users }) => users.getByEmail("kept@example.com"));
      expect(kept?.name).toBe("Kept");
    } finally {
      await second.lifecycle.close();
    }
  });
});
