import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, afterEach, describe, expect, it } from "vitest";

import { ensureBuild, freePort, ROOT, startServer, type RunningServer } from "../test/support/built-server";
import { numericUser, parseDockerfile, type Stage } from "../test/support/dockerfile";
import { BOOTSTRAP_PASSWORD, firstSignIn } from "../test/support/http-accounts";
import { renderKustomization } from "../test/support/kustomize";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres";

/*
 * No Docker engine runs on our build machines, so this test checks the image the next best way: it reads the
 * Dockerfile's runtime stage, rebuilds that stage's file layout in an empty folder from its COPY lines (using
 * the local build for the build stage's files), and starts it as ENTRYPOINT + CMD do, with WORKDIR and the ENV
 * lines, as the image's unprivileged USER (setpriv when the test runs as root, as CI does: root ignores file
 * permissions). The layout is read-only to that user except the paths the Kubernetes manifests (deploy/k8s) mount
 * as volumes, as a pod with readOnlyRootFilesystem sees it: the app starting, serving and draining proves it
 * writes nowhere else. The folder is outside the project, so nothing resolves from the project's own node_modules.
 */

/**
 * The runtime base's own size, uncompressed, as `docker images` lists gcr.io/distroless/nodejs22-debian12 (about
 * 141 MB: Node.js itself is most of it; node:22-bookworm-slim is about 220 MB). Stated, not measured: no image
 * can be pulled here. The layers our COPY lines add are measured below.
 */
const BASE_IMAGE_MB = 141;
/** The whole image's budget (docs/operations.md, "Container"): base plus our layers. */
const IMAGE_BUDGET_MB = 230;

const stages = parseDockerfile();
const runtime = stages.at(-1);
const user = runtime ? numericUser(runtime) : undefined;
const scratch = mkdtempSync(path.join(tmpdir(), "docker-layout-"));
afterAll(() => {
  spawnSync("chmod", ["-R", "u+w", scratch]);
  rmSync(scratch, { recursive: true, force: true });
});

let server: RunningServer | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  server?.child.kill("SIGKILL");
  server = undefined;
  await database?.drop();
  database = undefined;
});

describe("the Dockerfile's runtime stage", () => {
  it("runs a supported Node LTS on distroless as a numeric non-root user, node as the exec-form entrypoint", () => {
    expect(stages[0]?.from).toMatch(/^node:(22|24)-/);
    expect(runtime?.from).toMatch(/^gcr\.io\/distroless\/nodejs(22|24)-debian\d+(:nonroot)?$/);
    expect(user?.uid).toBeGreaterThan(0);
    expect(user?.gid).toBeGreaterThan(0);
    expect(path.posix.basename(runtime?.entrypoint?.[0] ?? "")).toBe("node");
    expect(runtime?.cmd).toEqual(["server/main.mjs"]);
    // Kubernetes sets HOSTNAME to the pod's name: the image must listen through a variable nothing else sets.
    expect(runtime?.env.LISTEN_HOST).toBe("0.0.0.0");
    expect(runtime?.env.HOSTNAME).toBeUndefined();
  });

  it("fits its size budget: the stated base plus the layout its COPY lines make, measured", async () => {
    if (!runtime) throw new Error("no runtime stage");
    await ensureBuild();
    const layout = rebuildLayout(runtime, "size", []);
    const ourMb = bytesUnder(layout.root) / 1e6;
    const totalMb = BASE_IMAGE_MB + ourMb;
    console.log(`image estimate: ${BASE_IMAGE_MB} MB base + ${ourMb.toFixed(1)} MB of ours = ${totalMb.toFixed(0)} MB`);
    expect(totalMb).toBeLessThanOrEqual(IMAGE_BUDGET_MB);
  });

  it("starts as the demo pod does (embedded database on its volume), serves, and exits 0 on SIGTERM, writing only its volumes", async () => {
    if (!runtime) throw new Error("no runtime stage");
    await ensureBuild();
    const mounts = await mountPaths("demo");
    // What the image itself makes writable (COPY --chown) is one of the demo's volumes, so both agree.
    const chowned = runtime.copies.filter((copy) => copy.chown).map((copy) => path.posix.resolve(runtime.workdir, copy.destination));
    expect(chowned.every((destination) => mounts.includes(destination)), `${chowned.join(", ")} within ${mounts.join(", ")}`).toBe(true);
    const layout = rebuildLayout(runtime, "demo", mounts);
    const started = new Date();

    server = await start(layout, { SHUTDOWN_DELAY_MS: "300" });
    await server.waitUntilReady();
    // The first start prints the admin's one-time password (docs/security.md, "First sign-in"); it works, once
    // changed.
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
    expect(server.output()).not.toMatch(/EACCES|EROFS|EPERM|read-only file system/i);
    expect(readdirSync(path.join(layout.root, "app/data"))).toContain("PG_VERSION");
    expect(writtenOutside(layout, mounts, started)).toEqual([]);
  });

  it("migrates with server/migrate.mjs as the production init container does, then serves PostgreSQL with only /tmp writable", async () => {
    if (!runtime) throw new Error("no runtime stage");
    await ensureBuild();
    const mounts = await mountPaths("production");
    const layout = rebuildLayout(runtime, "production", mounts);
    database = await createTestDatabase("docker_layout", { migrate: false });
    const started = new Date();

    // The init container: the same image, `args: ["server/migrate.mjs"]`.
    const migrate = await start(layout, { DATABASE_URL: database.url }, ["server/migrate.mjs"]);
    expect(await migrate.exited, migrate.output()).toBe(0);
    expect(migrate.output()).toMatch(/PostgreSQL at .+: applied \d+ migrations?: /);

    // An empty PostgreSQL needs the first admin's password from the operator (issue 18, item 10).
    server = await start(layout, { DATABASE_URL: database.url, BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_PASSWORD, MIGRATE_ON_START: "false", SHUTDOWN_DELAY_MS: "300" });
    await server.waitUntilReady();
    expect((await fetch(`${server.baseUrl}/sign-in`)).status).toBe(200);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/EACCES|EROFS|EPERM|read-only file system/i);
    expect(writtenOutside(layout, mounts, started)).toEqual([]);
  });
});

interface Layout {
  /** The image's filesystem root. */
  root: string;
  workdir: string;
}

/** The app container's volume mounts in an overlay of deploy/k8s. */
async function mountPaths(overlay: string): Promise<string[]> {
  const objects = await renderKustomization(path.join(ROOT, "deploy/k8s/overlays", overlay));
  const deployment = objects.find((object) => object.kind === "Deployment");
  const mounts = JSON.stringify(deployment ?? {}).matchAll(/"mountPath":"([^"]+)"/g);
  return [...new Set(Array.from(mounts, (match) => match[1] ?? ""))].filter(Boolean).sort();
}

/**
 * The runtime stage's files, from its COPY lines (a path in the build stage is the same path in the project after
 * `npm run build`; a folder the build stage makes with `mkdir -p` is an empty folder, whatever the project has
 * there), read-only for the image's
 * user but for `writable` (paths in the image), which are that user's, as a volume with fsGroup is.
 */
function rebuildLayout(stage: Stage, name: string, writable: string[]): Layout {
  const root = path.join(scratch, name);
  for (const copy of stage.copies) {
    const fromStage = stages.find((s) => s.name === copy.from);
    if (!fromStage) throw new Error(`COPY from ${copy.from ?? "the build context"}: only COPY --from=<stage> is supported here`);
    for (const source of copy.sources) {
      const inStage = path.posix.resolve(fromStage.workdir, source);
      const local = path.join(ROOT, path.posix.relative(fromStage.workdir, inStage));
      const target = path.join(root, path.posix.resolve(stage.workdir, copy.destination));
      // A folder the stage makes (`mkdir -p /app/data`) is the empty one the image gets: the build context leaves
      // out the project's own (.dockerignore), which after `npm start` holds a developer's embedded database.
      if (fromStage.made.includes(inStage)) mkdirSync(target, { recursive: true });
      // Links as they are, as COPY keeps them: Next's standalone output links its hashed external packages
      // (.next/node_modules/@opentelemetry/api-<hash> -> ../../../node_modules/...). cpSync's default rewrites
      // relative links into absolute ones back into the source tree, which the image's user cannot reach from a
      // clone in a private folder (fresh-clone's mktemp -d): pages then failed to load @opentelemetry/api.
      else if (existsSync(local)) cpSync(local, target, { recursive: true, verbatimSymlinks: true });
      else throw new Error(`COPY ${source}: neither ${local} nor a folder the ${fromStage.name} stage makes`);
    }
  }
  // Everything read-only: as root owns it and the image's user does not (and for a test run as that owner, no w bit).
  spawnSync("chmod", ["-R", "a-w", root]);
  chmodSync(scratch, 0o755);
  for (const mount of writable) {
    const inLayout = path.join(root, mount);
    if (!inLayout.startsWith(path.join(root, stage.workdir))) continue; // /tmp: the host's is writable already
    mkdirSync(inLayout, { recursive: true });
    chmodSync(inLayout, 0o755);
    if (user && process.getuid?.() === 0) chownSync(inLayout, user.uid, user.gid);
  }
  return { root, workdir: path.join(root, stage.workdir) };
}

/** Starts ENTRYPOINT + CMD (or `args` instead of CMD) in the layout, as the image's user, with the image's ENV. */
async function start(layout: Layout, env: Record<string, string>, args?: string[]): Promise<RunningServer> {
  if (!runtime?.entrypoint || !runtime.cmd || !user) throw new Error("the runtime stage needs ENTRYPOINT, CMD and a numeric USER");
  const [, ...entrypointArgs] = runtime.entrypoint; // its node is this machine's
  const command = [process.execPath, ...entrypointArgs, ...(args ?? runtime.cmd)];
  const asUser = process.getuid?.() === 0 ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--"] : [];
  const [program, ...rest] = [...asUser, ...command];
  const port = await freePort();
  // The image's ENV, with a free port instead of 3000. Not the host's HOME: the image's user has none. An
  // absolute path into the image (DATA_DIR=/app/data) points into the layout, as it would inside the container.
  const inImage = Object.entries({ ...runtime.env, PORT: String(port), HOME: "/nonexistent", ...env }).map(
    ([key, value]) => [key, value.startsWith(`${runtime.workdir}/`) ? path.join(layout.root, value) : value],
  );
  return startServer({ command: program, args: rest, cwd: layout.workdir, port, env: Object.fromEntries(inImage) });
}

/** Files the image's user created or changed since `since` in the layout or the host's scratch folders, outside `mounts`. */
function writtenOutside(layout: Layout, mounts: string[], since: Date): string[] {
  const uid = process.getuid?.() === 0 ? user?.uid : process.getuid?.();
  const allowed = mounts.map((mount) => (mount.startsWith("/tmp") ? mount : path.join(layout.root, mount)));
  const found: string[] = [];
  const visit = (file: string) => {
    const stats = lstatSync(file, { throwIfNoEntry: false });
    if (!stats || allowed.some((a) => file === a || file.startsWith(`${a}/`))) return;
    if (stats.uid === uid && stats.mtime >= since) found.push(file);
    if (stats.isDirectory()) {
      try {
        for (const entry of readdirSync(file)) visit(path.join(file, entry));
      } catch {
        // another user's private folder: ours cannot have written there either
      }
    }
  };
  for (const place of [layout.root, "/var/tmp", "/dev/shm"]) visit(place);
  return found;
}

function bytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).reduce((sum, entry) => {
    const stats = statSync(path.join(dir, entry));
    return stats.isFile() ? sum + stats.size : sum;
  }, 0);
}
