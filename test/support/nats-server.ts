/**
 * A throwaway NATS server with JetStream, from Debian's `nats-server` package (issue 20, item 4): file storage in
 * a temporary folder, a free loopback port. It can be stopped and started again on the same port and store, as a
 * broker outage looks to its clients.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { freePort } from "./free-port";

export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export interface NatsServer {
  /** `nats://127.0.0.1:<port>`: no authentication. */
  url: string;
  /** Stops the server (SIGTERM), keeping its store: clients see a broker outage. */
  halt(): Promise<void>;
  /** Starts a halted server again, on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  stop(): Promise<void>;
}

/** Starts `nats-server -js` on a free loopback port; resolves once it accepts clients. */
export async function startNatsServer(): Promise<NatsServer> {
  if (!existsSync(NATS_SERVER)) {
    throw new Error(`${NATS_SERVER} is missing: install Debian's NATS server (apt-get install -y nats-server) to run this test`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "user-console-nats-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    let output = "";
    // -a: loopback only; -js -sd: JetStream on file storage in our folder; no monitoring port.
    const process_ = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: ["ignore", "pipe", "pipe"] });
    child = process_;
    let exitCode: number | null | undefined;
    exited = new Promise((resolve) =>
      process_.once("exit", (code) => {
        exitCode = code;
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not become ready within 10 s:\n${output}`)), 10_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        // Printed once the client listener is up and JetStream has recovered its store.
        if (output.includes("Server is ready")) {
          clearTimeout(timer);
          resolve();
        }
      };
      process_.stdout?.on("data", read);
      process_.stderr?.on("data", read);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${exitCode}) at start:\n${output}`));
      });
    });
  }

  async function halt(): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    child = undefined;
  }

  try {
    await start();
  } catch (error) {
    await halt();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    halt,
    async restart() {
      if (child) throw new Error("nats-server is running: halt() it first");
      await start();
    },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
