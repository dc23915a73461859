/**
 * The embedded database's folder (DATA_DIR, when DATABASE_URL is unset): PGlite may have it open in one process
 * only, so opening it takes a lock inside it first (proper-lockfile), with the holder's pid and host beside the
 * lock so that a refused second process can say which process to stop. open-database.ts opens PGlite in the
 * folder once it is held.
 *
 * Every refusal is a {@link DatabaseOpenError} naming the problem and the fix, and leaves nothing behind: a folder
 * created for this open is removed again, once empty.
 */
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

import lockfile from "proper-lockfile";

import type { Logger } from "../../ports/logger";
import { DatabaseOpenError, errorCode, hasCode, oneLine } from "./database-open-error";

/** A PGlite folder may be open in one process only; proper-lockfile refreshes this lock while we hold it. */
const LOCK_STALE_MS = 30_000;
const LOCK_FILE = "user-console.lock";
/** The holder's pid and host, next to the lock, so a refused second process can say which process to stop. */
const PID_FILE = "user-console.pid";
/** Folders this process holds, to tell a second open here from a crashed earlier run with our pid. */
const heldHere = new Set<string>();

/** The folder, locked to this process until {@link release} or {@link abandon}. */
export interface HeldDataFolder {
  /** The folder's absolute path. */
  dataDir: string;
  /** After the database has closed: removes the pid file and releases the lock. */
  release(): Promise<void>;
  /**
   * After opening the database failed (it is closed, or never opened): a database that failed to initialise
   * would fail every later start too, so what this open wrote into a folder that held none is removed while the
   * lock is held; then the lock goes, then the folders this open created, once empty.
   */
  abandon(): Promise<void>;
}

/**
 * Locks DATA_DIR (`name`, as configured) for this process, creating it when it does not exist, and refuses a
 * folder that holds someone else's files: PGlite would run initdb inside any folder it is given, mixing a
 * database into them. `description` names the database in messages ("embedded database in ./data").
 */
export async function holdDataFolder(name: string, description: string, log: Logger): Promise<HeldDataFolder> {
  const dataDir = path.resolve(name);
  const contents = await folderContents(dataDir, name);
  if (contents !== undefined && !contents.includes("PG_VERSION") && contents.some(isForeignEntry)) {
    throw new DatabaseOpenError(
      `DATA_DIR ${name} is neither an embedded database nor empty: point DATA_DIR at an empty or new folder`,
    );
  }
  // The lock file lives inside the folder, so a new folder is created first: harmless, since nobody can hold
  // a folder that does not exist yet. If opening then fails, the folder is removed again (see abandon).
  const created = contents === undefined ? await createFolder(dataDir, name) : undefined;
  const existing = new Set(contents);
  const initialising = !existing.has("PG_VERSION");
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, LOCK_FILE),
      realpath: false,
      stale: LOCK_STALE_MS,
      onCompromised: (error) =>
        log.error({ err: error }, `lost the lock on ${description}: another process may be using it`),
    });
  } catch (error) {
    // Only empty folders go: a process that beat us to the lock of the folder we created keeps it.
    if (created !== undefined) await removeEmptyFolders(dataDir, created);
    throw await lockRefused(error, dataDir, description);
  }

  heldHere.add(dataDir);
  const unlock = async () => {
    heldHere.delete(dataDir);
    await release();
  };
  const held: HeldDataFolder = {
    dataDir,
    async release() {
      await rm(path.join(dataDir, PID_FILE), { force: true });
      await unlock();
    },
    async abandon() {
      await rm(path.join(dataDir, PID_FILE), { force: true });
      // Files go while we hold the lock; the folders we created, once empty, after.
      if (initialising) await removeAllBut(dataDir, new Set([...existing, LOCK_FILE]));
      await unlock();
      if (created !== undefined) await removeEmptyFolders(dataDir, created);
    },
  };
  try {
    await writeFile(path.join(dataDir, PID_FILE), `${process.pid} ${hostname()}\n`);
  } catch (error) {
    await held.abandon();
    throw error;
  }
  return held;
}

/** Why the lock was refused, as one line saying what to do. */
async function lockRefused(error: unknown, dataDir: string, description: string): Promise<DatabaseOpenError> {
  if (hasCode(error, "ELOCKED") && heldHere.has(dataDir)) {
    return new DatabaseOpenError(
      `The ${description} is already open in this process: close it before opening it again`,
      { cause: error },
    );
  }
  if (hasCode(error, "ELOCKED")) {
    const holder = await readHolder(dataDir);
    if (holder !== undefined && holder.host === hostname() && !isRunning(holder.pid)) {
      // A holder that crashed cannot release its lock; it goes stale once nobody refreshes it.
      return new DatabaseOpenError(
        `The ${description} is still locked by pid ${holder.pid}, which is no longer running: ` +
          `its lock expires within ${LOCK_STALE_MS / 1000} s, start again then`,
        { cause: error },
      );
    }
    return new DatabaseOpenError(
      `The ${description} is in use by another process` +
        `${holder === undefined ? "" : ` (pid ${holder.pid} on ${holder.host})`}: ` +
        "stop that process, or set DATA_DIR to another folder",
      { cause: error },
    );
  }
  return new DatabaseOpenError(
    `Cannot lock the ${description} (${errorCode(error) ?? oneLine(String(error))}): ` +
      "make the folder writable for this user, or set DATA_DIR to another folder",
    { cause: error },
  );
}

/** The folder's entries, or undefined when it does not exist. */
async function folderContents(dir: string, name: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    if (hasCode(error, "ENOTDIR")) {
      throw new DatabaseOpenError(`DATA_DIR ${name} is a file, not a folder: point DATA_DIR at a folder`);
    }
    throw new DatabaseOpenError(
      `Cannot read DATA_DIR ${name} (${errorCode(error) ?? oneLine(String(error))}): ` +
        "make it readable for this user, or set DATA_DIR to another folder",
      { cause: error },
    );
  }
}

/** Our own bookkeeping and hidden files (.gitkeep, .DS_Store) do not make a folder someone else's. */
function isForeignEntry(entry: string): boolean {
  return entry !== LOCK_FILE && entry !== PID_FILE && !entry.startsWith(".");
}

/** Creates `dir` and any missing parents; returns the topmost folder it created, if any. */
async function createFolder(dir: string, name: string): Promise<string | undefined> {
  try {
    return await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new DatabaseOpenError(
      `Cannot create DATA_DIR ${name} (${errorCode(error) ?? oneLine(String(error))}): ` +
        "make its parent folder writable for this user, or set DATA_DIR to another folder",
      { cause: error },
    );
  }
}

async function readHolder(dataDir: string): Promise<{ pid: number; host: string } | undefined> {
  const text = await readFile(path.join(dataDir, PID_FILE), "utf8").catch(() => "");
  const [pidText = "", host = ""] = text.trim().split(" ");
  const pid = Number.parseInt(pidText, 10);
  return Number.isSafeInteger(pid) && pid > 0 && host !== "" ? { pid, host } : undefined;
}

/** Our own pid counts as not running: in a restarted container the crashed holder had the same pid. */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !hasCode(error, "ESRCH");
  }
}

async function removeAllBut(dir: string, keep: Set<string>): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [])) {
    if (!keep.has(entry)) await rm(path.join(dir, entry), { recursive: true, force: true });
  }
}

/**
 * Removes `dir` and its parents up to `top`, each only while empty: a process that opened the folder since we
 * released it has put its lock there, and keeps it.
 */
async function removeEmptyFolders(dir: string, top: string): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    if (current === top || path.dirname(current) === current) return;
  }
}
