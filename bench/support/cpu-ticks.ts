/** CPU time from /proc, for the benchmarks' "CPU per request" figures (Linux only). */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/**
 * CPU ticks used by `root` and its descendants so far: utime + stime of each live one, plus cutime + cstime
 * (children already waited for), so a PostgreSQL backend that ended during a run still counts through the
 * postmaster.
 */
export function treeTicks(root: number): number {
  const processes = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // Fields after the command name (in parentheses, may hold spaces): ppid is 4, utime..cstime 14..17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
    processes.set(Number(entry), { ppid: Number(fields[1]), ticks });
  }
  let total = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    total += processes.get(pid)?.ticks ?? 0;
    for (const [child, { ppid }] of processes) if (ppid === pid) pending.push(child);
  }
  return total;
}

export const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;

/** The process id of the PostgreSQL server whose data directory is `dataDir` (the first line of postmaster.pid). */
export const postmasterPid = (dataDir: string) => Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
