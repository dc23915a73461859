import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";

import { ensureBuild, freePort, ROOT, startServer } from "../test/support/built-server";
import { firstSignIn } from "../test/support/http-accounts";

/*
 * No Docker engine runs on our build machines, so this test checks the image the next best way: it reads the
 * Dockerfile's runtime stage, rebuilds that stage's file layout in an empty folder from its COPY lines (using
 * the local build for the build stage's files), and starts it as CMD does, with WORKDIR and the ENV lines.
 * The folder is outside the project, so nothing resolves from the project's own node_modules.
 */
interface Stage {
  name: string;
  workdir: string;
  env: Record<string, string>;
  copies: { from: string | null; sources: string[]; destination: string }[];
  cmd: string[] | null;
  user: string | null;
}

function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [instruction = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    const stage = stages[stages.length - 1];
    switch (instruction.toUpperCase()) {
      case "FROM":
        stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length), workdir: "/", env: {}, copies: [], cmd: null, user: null });
        break;
      case "WORKDIR":
        if (stage) stage.workdir = path.posix.resolve(stage.workdir, args);
        break;
      case "ENV":
        for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
          if (stage && key && value) stage.env[key] = value.replace(/^"|"$/g, "");
        }
        break;
      case "COPY": {
        const words = args.split(/\s+/);
        const from = words.find((word) => word.startsWith("--from="))?.slice("--from=".length) ?? null;
        const paths = words.filter((word) => !word.startsWith("--"));
        const destination = paths.pop();
        if (stage && destination) stage.copies.push({ from, sources: paths, destination });
        break;
      }
      case "USER":
        if (stage) stage.user = args;
        break;
      case "CMD":
        // Exec form only: the shell form would put /bin/sh between the runtime and node, and SIGTERM with it.
        if (stage) stage.cmd = z.array(z.string()).min(1).parse(JSON.parse(args));
        break;
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
const runtime = stages[stages.length - 1];
const scratch = mkdtempSync(path.join(tmpdir(), "docker-layout-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the Dockerfile's runtime stage", () => {
  it("runs a supported Node LTS as a non-root user, with CMD in exec form", () => {
    const text = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    expect(text).toMatch(/ARG NODE_VERSION=(22|24)\b/);
    expect(runtime?.user).toBeTruthy();
    expect(runtime?.user).not.toMatch(/^(root|0)$/);
    expect(runtime?.cmd?.[0]).toBe("node");
  });

  it("copies everything the app needs: rebuilt from its COPY lines, it starts, is ready, and exits 0 on SIGTERM", async () => {
    if (!runtime?.cmd) throw new Error("the Dockerfile's last stage has no CMD");
    await ensureBuild();
    const appRoot = path.join(scratch, "rootfs");
    for (const copy of runtime.copies) {
      const fromStage = stages.find((stage) => stage.name === copy.from);
      if (!fromStage) throw new Error(`COPY from ${copy.from ?? "the build context"}: only COPY --from=<stage> is supported here`);
      for (const source of copy.sources) {
        // A path in the build stage's filesystem is the same path in the project after `npm run build`.
        const local = path.join(ROOT, path.posix.relative(fromStage.workdir, path.posix.resolve(fromStage.workdir, source)));
        cpSync(local, path.join(appRoot, path.posix.resolve(runtime.workdir, copy.destination)), { recursive: true });
      }
    }
    const workdir = path.join(appRoot, runtime.workdir);
    const [command, ...args] = runtime.cmd;
    const port = await freePort();
    const server = startServer({
      command: command === "node" ? process.execPath : command,
      args,
      cwd: workdir,
      port,
      // The image's ENV, with a free port instead of 3000 and a short drain so the test is quick.
      env: { ...runtime.env, PORT: String(port), SHUTDOWN_DELAY_MS: "300" },
    });
    try {
      await server.waitUntilReady();
      // The first start prints the admin's one-time password (README, "First sign-in"); it works, once changed.
      await server.waitForOutput(/with this one-time password: \S+/);
      const oneTimePassword = /with this one-time password: (\S+)/.exec(server.output())?.[1];
      expect(oneTimePassword).toBeDefined();
      // Printed once, for the person starting the server; never in a log record.
      expect(server.output().split(oneTimePassword ?? "").length - 1).toBe(1);
      const cookie = await firstSignIn(server.baseUrl, { oneTimePassword });
      const users = await fetch(`${server.baseUrl}/users`, { headers: { cookie } });
      expect(users.status).toBe(200);
      expect(await users.text()).toMatch(/<h1[^>]*>Users<\/h1>/);

      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill("SIGKILL");
    }
  });
});
