/**
 * A real health-checking load balancer for process tests: Debian's HAProxy in the foreground, its config in a
 * temporary folder, its state read from its admin socket (issue 17, rolling restarts).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { freePort } from "./free-port";

export const HAPROXY = process.env.HAPROXY_BIN ?? "/usr/sbin/haproxy";

export interface Haproxy {
  /** `http://127.0.0.1:<port>`: the frontend every test request goes through. */
  url: string;
  /** Each backend server's state as the health checks left it: `UP`, `DOWN`, `MAINT`, ... */
  states(): Promise<Record<string, string>>;
  /** Resolves once `server`'s state is `state`; rejects after `timeoutMs` or if HAProxy exits. */
  waitForState(server: string, state: "UP" | "DOWN", timeoutMs?: number): Promise<void>;
  /** What HAProxy printed (alerts and warnings: it logs nothing else here). */
  output(): string;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  /** Backend servers by name, each a port on 127.0.0.1. */
  servers: Record<string, number>;
  /** Health check path, answered 200 by a server that should get traffic. */
  checkPath: string;
  /** Milliseconds between health checks of one server. */
  checkIntervalMs: number;
  /** A check not answered within this many milliseconds fails (HAProxy's `timeout check`). */
  checkTimeoutMs: number;
}

/**
 * Starts HAProxy in front of `servers`: round robin, `checkPath` polled every `checkIntervalMs`, one failed
 * check (not 200, or no answer within `checkTimeoutMs`) takes a server out and one passed check puts it back
 * (`fall 1 rise 1`). A server therefore leaves rotation at most `checkIntervalMs + checkTimeoutMs` after its
 * check starts failing. `retries 0` and no `option
 * redispatch`: a request whose server fails it is answered 502/503 to the client, never tried again elsewhere,
 * so a test through it counts every request the servers lost. Connections to the servers are kept alive and
 * reused (HAProxy's default, `http-reuse safe`), as in production. Each response says which server answered
 * it in `x-served-by`.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  if (!existsSync(HAPROXY)) {
    throw new Error(`${HAPROXY} is missing: install Debian's HAProxy (apt-get install -y haproxy) to run this test`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "user-console-haproxy-"));
  const socket = path.join(dir, "admin.sock");
  const port = await freePort();
  const config = [
    "global",
    `  stats socket ${socket} mode 600 level admin`,
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 30s",
    "  timeout server 30s",
    // Unset, a check must answer within `inter`: on a busy machine a healthy server under load can miss that.
    `  timeout check ${options.checkTimeoutMs}ms`,
    "  retries 0",
    "frontend web",
    `  bind 127.0.0.1:${port}`,
    "  default_backend app",
    "backend app",
    "  balance roundrobin",
    `  option httpchk GET ${options.checkPath}`,
    "  http-check expect status 200",
    "  http-response set-header x-served-by %[srv_name]",
    `  default-server check inter ${options.checkIntervalMs}ms fall 1 rise 1`,
    ...Object.entries(options.servers).map(([name, serverPort]) => `  server ${name} 127.0.0.1:${serverPort}`),
    "",
  ].join("\n");
  const configFile = path.join(dir, "haproxy.cfg");
  await writeFile(configFile, config);

  // -db: foreground, no daemon; ended by the signal stop() sends.
  const child = spawn(HAPROXY, ["-db", "-f", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve();
    }),
  );

  const states = async (): Promise<Record<string, string>> => {
    const csv = await adminCommand(socket, "show stat");
    const [header, ...rows] = csv.trim().split("\n");
    const columns = (header ?? "").replace(/^# /, "").split(",");
    const [proxy, name, status] = ["pxname", "svname", "status"].map((column) => columns.indexOf(column));
    const result: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(",");
      if (cells[proxy ?? -1] !== "app" || ["FRONTEND", "BACKEND"].includes(cells[name ?? -1] ?? "")) continue;
      result[cells[name ?? -1] ?? ""] = (cells[status ?? -1] ?? "").split(" ")[0] ?? "";
    }
    return result;
  };

  const haproxy: Haproxy = {
    url: `http://127.0.0.1:${port}`,
    states,
    async waitForState(server, state, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: string | undefined;
      for (;;) {
        if (exitCode !== undefined) throw new Error(`HAProxy exited (${exitCode}):\n${output}`);
        last = await states().then((all) => all[server], (error: unknown) => `unreadable (${String(error)})`);
        if (last === state) return;
        if (Date.now() > deadline) throw new Error(`HAProxy's server ${server} is ${last}, not ${state}, after ${timeoutMs} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    output: () => output,
    async stop() {
      if (exitCode === undefined) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };

  // Ready once its admin socket answers (it is bound after the config is parsed and the frontend listens).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exitCode !== undefined) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`HAProxy exited (${exitCode}) at start:\n${output}\n${config}`);
    }
    if (await states().then(() => true, () => false)) return haproxy;
    if (Date.now() > deadline) {
      await haproxy.stop();
      throw new Error(`HAProxy's admin socket did not answer within 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One command on HAProxy's admin socket (non-interactive: it answers, then closes). */
function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = connect(socket);
    let answer = "";
    connection.on("data", (chunk: Buffer) => (answer += chunk.toString("utf8")));
    connection.once("error", reject);
    connection.once("end", () => resolve(answer));
    connection.once("connect", () => connection.write(`${command}\n`));
  });
}
