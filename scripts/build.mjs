// `npm run build`: the production build that `npm start` and the container image run.
//   1. `next build` (standalone output: .next/standalone with the node_modules Next's own code needs);
//   2. our server (server/main.ts) and the migration command (scripts/db-migrate.ts, as server/migrate.mjs: the
//      image has neither tsx nor scripts/, and Kubernetes runs it before a release's pods serve, deploy/k8s)
//      bundled with esbuild, their remaining packages traced with @vercel/nft (the tracer Next uses) and copied
//      into the standalone folder, since Next's trace does not know our server;
//   3. static assets, public/ and the migrations copied in, and the inputs' hash stamped.
// Result: .next/standalone is self-contained: `node .next/standalone/server/main.mjs`.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { nodeFileTrace } from "@vercel/nft";
import { build } from "esbuild";

import { inputsHash, STAMP_FILE, STANDALONE } from "./support/build-stamp.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
const step = (message) => console.log(`build: ${message} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

step("next build");
const nextBuild = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
if (nextBuild.status !== 0) process.exit(nextBuild.status ?? 1);

step("bundling server/main.ts and scripts/db-migrate.ts");
const bundles = path.join(root, "dist/server");
rmSync(bundles, { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, "server/main.ts"), migrate: path.join(root, "scripts/db-migrate.ts") },
  outdir: bundles,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Packages stay packages (PGlite and Prisma load WASM relative to themselves); nft copies them below.
  packages: "external",
  // Its paths map `server-only` (which throws outside React's server condition) to a no-op, as for `npm run dev`.
  tsconfig: path.join(root, "server/tsconfig.json"),
  sourcemap: true,
  logLevel: "warning",
});

step("tracing the server's packages");
const { fileList } = await nodeFileTrace([path.join(bundles, "main.mjs"), path.join(bundles, "migrate.mjs")], {
  base: root,
  // Next traced itself into the standalone folder already; walking it again costs most of this step.
  ignore: (file) => /^node_modules\/(next|@next|react|react-dom|scheduler|styled-jsx|@swc)\//.test(file),
});
let copied = 0;
for (const file of fileList) {
  if (!file.startsWith("node_modules/")) continue;
  const target = path.join(root, STANDALONE, file);
  if (existsSync(target)) continue;
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(path.join(root, file), target, { dereference: true });
  copied++;
}

step(`copied ${copied} traced files; assembling the standalone folder`);
const standalone = path.join(root, STANDALONE);
cpSync(bundles, path.join(standalone, "server"), { recursive: true });
cpSync(path.join(root, ".next/static"), path.join(standalone, ".next/static"), { recursive: true });
if (existsSync(path.join(root, "public"))) {
  cpSync(path.join(root, "public"), path.join(standalone, "public"), { recursive: true });
}
rmSync(path.join(standalone, "prisma"), { recursive: true, force: true });
cpSync(path.join(root, "prisma/migrations"), path.join(standalone, "prisma/migrations"), { recursive: true });
writeFileSync(path.join(root, STAMP_FILE), `${inputsHash(root)}\n`);
step("done: node .next/standalone/server/main.mjs");
