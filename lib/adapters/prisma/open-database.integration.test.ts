import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

import { loadConfig } from "../../config";
import { freePort } from "../../../test/support/free-port";
import { createTestDatabase, MIGRATIONS_DIR } from "../../../test/support/postgres";
import { createLogger } from "../pino/logger";
import { readMigrations } from "./migrator";
import { openDatabase, type OpenedDatabase } from "./open-database";

/** Every committed migration, in the order they apply. */
const ALL_MIGRATIONS = (await readMigrations(MIGRATIONS_DIR)).map((migration) => migration.name);

const run = promisify(execFile);
const log = createLogger({ LOG_LEVEL: "silent" });
const root = path.resolve(import.meta.dirname, "../../..");

/** What execFile rejects with when the program ran and exited non-zero (a failure to spawn it has no such code). */
const exitedNonZero = z.object({ code: z.number().int(), stdout: z.string(), stderr: z.string() });

/** Runs `npm run db:migrate`'s script the way an operator would, with `env` on top of a clean environment. */
async function dbMigrate(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = exitedNonZero.safeParse(error);
    if (!failed.success) throw error;
    const { code, stdout, stderr } = failed.data;
    return { code, stdout, stderr };
  }
}

/** Another process holding the embedded database in `dataDir` open; resolves once it is open. */
async function startHolder(dataDir: string): Promise<ChildProcess> {
  const program = `
    const [{ loadConfig }, { createLogger }, { openDatabase }] = await Promise.all([
      import("./lib/config.ts"), import("./lib/adapters/pino/logger.ts"), import("./lib/adapters/prisma/open-database.ts"),
    ]);
    await openDatabase(loadConfig(), createLogger({ LOG_LEVEL: "silent" }));
    console.log("open");
    setInterval(() => {}, 60_000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", program], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await Promise.race([
    once(child.stdout, "data"),
    once(child, "exit").then(([code]) => Promise.reject(new Error(`holder exited with ${code}`))),
  ]);
  expect(String(line).trim()).toBe("open");
  return child;
}

/**
 * Names and modification times of everything under `dir`, to prove a failed start wrote nothing. The lock's
 * own time is left out: its holder refreshes it every few seconds.
 */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(
    entries
      .sort()
      .map(async (entry) =>
        entry === "user-console.lock" ? entry : `${entry}:${(await stat(path.join(dir, entry))).mtimeMs}`,
      ),
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
    // Nothing in DATA_DIR: a bad URL must not fall back to the embedded database...
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
    // ...which the same command without the URL does create there, so the check above looks in the right place.
    const embedded = await dbMigrate({ DATA_DIR: dataDir });
    expect(embedded.code).toBe(0);
    expect(await readdir(dataDir)).toContain("PG_VERSION");
  });

  it("DATABASE_URL naming a certificate file that does not exist: says the URL cannot be used", async () => {
    const url = `postgres://app@127.0.0.1:5432/users?sslmode=verify-full&sslrootcert=${scratch}/missing.pem`;
    await expect(openDatabase(loadConfig({ DATABASE_URL: url }), log)).rejects.toThrow(
      /^DATABASE_URL for PostgreSQL at 127\.0\.0\.1:5432\/users cannot be used \(.*ENOENT.*\): fix DATABASE_URL$/,
    );
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

  it("embedded folder held by another process: names its pid, then that it crashed; leaves the folder untouched", async () => {
    const dataDir = path.join(scratch, "held");
    const holder = await startHolder(dataDir);
    try {
      const before = await snapshot(dataDir);
      const held = await dbMigrate({ DATA_DIR: dataDir });

      expect(held.code).toBe(1);
      expect(held.stderr.trim().split("\n")).toHaveLength(1);
      expect(held.stderr.trim()).toBe(
        `The embedded database in ${dataDir} is in use by another process (pid ${holder.pid} on ${hostname()}): ` +
          "stop that process, or set DATA_DIR to another folder",
      );
      expect(await snapshot(dataDir)).toEqual(before);

      // A holder that dies without closing leaves its lock behind until it goes stale.
      holder.kill("SIGKILL");
      await once(holder, "exit");
      const orphaned = await dbMigrate({ DATA_DIR: dataDir });

      expect(orphaned.code).toBe(1);
      expect(orphaned.stderr.trim()).toBe(
        `The embedded database in ${dataDir} is still locked by pid ${holder.pid}, which is no longer running: ` +
          "its lock expires within 30 s, start again then",
      );
      expect(await snapshot(dataDir)).toEqual(before);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("PostgreSQL with pending migrations: refuses, naming npm run db:migrate; MIGRATE_ON_START migrates", async () => {
    const database = await createTestDatabase("pending", { migrate: false });
    let opened: OpenedDatabase | undefined;
    try {
      await expect(openDatabase(loadConfig({ DATABASE_URL: database.url }), log)).rejects.toThrow(
        new RegExp(
          `has ${ALL_MIGRATIONS.length} pending migrations? \\(${ALL_MIGRATIONS.join(", ")}\\): run \`npm run db:migrate\`, or set MIGRATE_ON_START=true`,
        ),
      );

      opened = await openDatabase(loadConfig({ DATABASE_URL: database.url, MIGRATE_ON_START: "true" }), log);
      expect(opened.appliedMigrations).toEqual(ALL_MIGRATIONS);
      await opened.lifecycle.ping();
    } finally {
      await opened?.lifecycle.close();
      await database.drop();
    }
  });
});

describe("the embedded database", () => {
  it("refuses a folder that holds something else, leaving it untouched", async () => {
    const dataDir = path.join(scratch, "someone-elses");
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, "notes.txt"), "mine");
    const before = await snapshot(dataDir);

    await expect(openDatabase(loadConfig({ DATA_DIR: dataDir }), log)).rejects.toThrow(
      `DATA_DIR ${dataDir} is neither an embedded database nor empty: point DATA_DIR at an empty or new folder`,
    );
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it("that fails to initialise leaves no folder behind, so the next start begins clean", async () => {
    const migrationsDir = path.join(scratch, "broken-migrations");
    await mkdir(path.join(migrationsDir, "20260101000000_broken"), { recursive: true });
    await writeFile(path.join(migrationsDir, "20260101000000_broken", "migration.sql"), "CREATE TABLE (;");
    const parent = path.join(scratch, "never-created");

    await expect(
      openDatabase(loadConfig({ DATA_DIR: path.join(parent, "data") }), log, { migrationsDir }),
    ).rejects.toThrow(/Migration 20260101000000_broken failed/);
    await expect(stat(parent)).rejects.toThrow(/ENOENT/);
  });

  it("is created, migrated and reported fresh on first open, refuses a second open, reopens as it was", async () => {
    const config = loadConfig({ DATA_DIR: path.join(scratch, "embedded") });
    const first = await openDatabase(config, log, { migrationsDir: MIGRATIONS_DIR });
    expect(first).toMatchObject({ kind: "embedded", fresh: true, appliedMigrations: ALL_MIGRATIONS });
    await expect(openDatabase(config, log, { migrationsDir: MIGRATIONS_DIR })).rejects.toThrow(
      `The embedded database in ${config.DATA_DIR} is already open in this process: close it before opening it again`,
    );
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
