/**
 * A throwaway PostgreSQL 15 server from Debian's binaries, for the integration tests (issue 2 item 6).
 *
 * `initdb` and `postgres` refuse to run as root and CI runs as root, so as root the data directory is handed
 * to the `postgres` OS user and every server binary runs through `runuser -u postgres --`. The socket lives in
 * the temporary directory (`-k`) and the server listens on a free loopback port, so several runs (and a
 * developer's own server) never collide. `--no-locale` gives the C collation: text orders by code point, the
 * same order the in-memory adapter uses.
 */
import { execFile } from "node:child_process";
import { access, chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const POSTGRES_BIN_DIR = process.env.POSTGRES_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: superuser, trust auth, no password. */
  url: string;
  /** The cluster's data directory (postmaster.pid names the server's process). */
  dataDir: string;
  /** The server's log (pg_ctl -l): what log_statement and friends write. Removed by stop(). */
  logFile: string;
  /**
   * Stops the server the way a crash or a pulled cable looks to its clients (`pg_ctl stop -m immediate`: every
   * backend killed at once, no shutdown handshake), keeping its data; {@link restart} brings it back on the same port.
   */
  halt(): Promise<void>;
  /** Starts a halted server again on its port (crash recovery replays the WAL). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /**
   * Keep every acknowledged commit through a crash of the server (`halt()`): synchronous_commit stays on. The
   * default trades that away for speed (a commit is acknowledged before its WAL is written), fine for a server
   * that is only ever stopped cleanly. fsync stays off either way: halt() kills PostgreSQL, not the machine.
   */
  durable?: boolean;
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  await assertBinaries();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(tmpdir(), "user-console-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  // As root, run the server binaries as `postgres`; otherwise as ourselves.
  const asServerUser = (binary: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", path.join(POSTGRES_BIN_DIR, binary), ...args])
      : run(path.join(POSTGRES_BIN_DIR, binary), args);
  try {
    if (asRoot) {
      await run("chown", ["postgres:", dir]);
      await chmod(dir, 0o700);
    }
    await asServerUser("initdb", [
      "-D",
      dataDir,
      "--no-locale",
      "-E",
      "UTF8",
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
    ]);
    const durable = options.durable ?? false;
    const port = await startOnFreePort(asServerUser, dir, dataDir, logFile, durable);
    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir,
      logFile,
      async halt() {
        await asServerUser("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      },
      async restart() {
        await asServerUser("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", serverOptions(port, dir, durable), "-w", "-t", "60", "start"]);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await asServerUser("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    const log = await readFile(logFile, "utf8").catch(() => "");
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `Could not start the throwaway PostgreSQL server: ${describe(error)}${log ? `\n${log}` : ""}`,
      {
        cause: error,
      },
    );
  }
}

async function assertBinaries(): Promise<void> {
  for (const binary of ["initdb", "pg_ctl", "postgres"]) {
    try {
      await access(path.join(POSTGRES_BIN_DIR, binary));
    } catch {
      throw new Error(
        `PostgreSQL 15 server binaries not found (${path.join(POSTGRES_BIN_DIR, binary)} is missing). ` +
          "The integration tests start their own throwaway server: install it with " +
          "`apt-get install -y postgresql-15` (or set POSTGRES_BIN_DIR to a PostgreSQL 15 bin directory).",
      );
    }
  }
}

/** A port free now may be taken by the time the server binds it; try again with another in that case. */
async function startOnFreePort(
  asServerUser: (binary: string, args: string[]) => Promise<unknown>,
  socketDir: string,
  dataDir: string,
  logFile: string,
  durable: boolean,
): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      await asServerUser("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", serverOptions(port, socketDir, durable), "-w", "-t", "60", "start"]);
      return port;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function serverOptions(port: number, socketDir: string, durable: boolean): string {
  return [
    `-p ${port}`,
    "-h 127.0.0.1",
    `-k ${socketDir}`,
    // Durability against a machine crash is worthless for a server that is deleted after the run.
    "-c fsync=off",
    durable ? "" : "-c synchronous_commit=off",
    "-c full_page_writes=off",
  ]
    .filter(Boolean)
    .join(" ");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("could not determine a free port"));
      });
    });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const stderr = "stderr" in error && typeof error.stderr === "string" ? error.stderr.trim() : "";
    return stderr ? `${error.message}\n${stderr}` : error.message;
  }
  return String(error);
}
