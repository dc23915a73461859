// First-load JavaScript per app route, gzip-compressed, from the last `npm run build`: what `npm run sizes`
// prints (scripts/route-sizes.mjs) and the budget test checks (test/build/route-budgets.process.test.ts).
//
// Next 16 no longer prints the "First Load JS" table after `next build`. It still writes the list behind it:
// `.next/diagnostics/route-bundle-stats.json` (node_modules/next/dist/build/route-bundle-stats.js), one row per
// route with `firstLoadChunkPaths`: the union of the `entryJSFiles` of every segment of the route (root
// layout, console layout, page; from `.next/server/app/<route>/page_client-reference-manifest.js`) plus the
// `rootMainFiles` of `.next/build-manifest.json` (React, Next's router, Turbopack's runtime). Next only sums
// their sizes on disk; this module gzips each chunk as the server sends it (our server answers through Next's
// request handler, whose `compress` default gzips with zlib's default level, which is what gzipSync uses here).
// The polyfill chunk (`polyfillFiles`) is left out, as Next did: it is a `nomodule` script that current
// browsers never fetch. Chunks loaded later through `next/dynamic` or `import()` (the dashboard's charts, the
// API reference) are not first-load JS and are not counted.
//
// Not yet checked against a browser's transfer sizes (issue 7 asks for it: load one route in Chromium and sum
// the encoded body sizes of its script responses); until then, treat these as Next's own list, gzipped here.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The most first-load JS (gzip bytes) each route may load; a route not named here gets `*`'s. These are what the
 * build holds today, so a change that makes a page heavier fails the budget test. Lower a budget whenever a
 * change lowers its route; never raise one without saying why in the commit.
 */
export const BUDGETS = {
  "/users": 291_500,
  "/users/[id]": 284_000,
  "/flags/[key]": 290_500,
  "/dashboard": 276_000,
  "/imports": 279_000,
  "/settings": 277_500,
  "/tokens": 278_500,
  "/webhooks": 281_500,
  "/flags": 282_000,
  "/audit": 275_000,
  "/invitations/[token]": 240_000,
  "/sign-in": 235_000,
  "/docs": 205_000,
  "*": 200_000,
};

/** Issue 23's goal, where the budgets are to come down to: 180 kB on /users, 200 kB on every other page. */
export const GOALS = { "/users": 180_000, "*": 200_000 };

/** The budget and goal of `route` (see {@link BUDGETS}, {@link GOALS}). */
export function budgetOf(route) {
  return { budget: BUDGETS[route] ?? BUDGETS["*"], goal: GOALS[route] ?? GOALS["*"] };
}

/**
 * Every route's first-load JS from the build in `root`, heaviest first, and the part every route shares. Throws
 * when there is no build to read.
 */
export function routeSizes(root) {
  const statsFile = path.join(root, ".next/diagnostics/route-bundle-stats.json");
  const buildManifestFile = path.join(root, ".next/build-manifest.json");
  if (!existsSync(statsFile) || !existsSync(buildManifestFile)) {
    throw new Error(`${path.relative(root, statsFile)} not found: run \`npm run build\` first.`);
  }
  /** @type {{ route: string; firstLoadChunkPaths: string[] }[]} */
  const stats = JSON.parse(readFileSync(statsFile, "utf8"));
  /** @type {{ rootMainFiles: string[] }} */
  const buildManifest = JSON.parse(readFileSync(buildManifestFile, "utf8"));

  /** Each chunk's raw and gzip size, read and compressed once however many routes load it. */
  const sizes = new Map();
  const sizeOf = (chunk) => {
    let size = sizes.get(chunk);
    if (!size) {
      const bytes = readFileSync(path.join(root, chunk));
      size = { raw: bytes.length, gzip: gzipSync(bytes).length };
      sizes.set(chunk, size);
    }
    return size;
  };
  const sum = (chunks, key) => chunks.reduce((total, chunk) => total + sizeOf(chunk)[key], 0);

  // Error pages are not routes anyone navigates to.
  const pages = stats.filter(({ route }) => !route.startsWith("/_"));
  const routes = pages
    .map(({ route, firstLoadChunkPaths }) => ({
      route,
      chunks: firstLoadChunkPaths.length,
      rawBytes: sum(firstLoadChunkPaths, "raw"),
      gzipBytes: sum(firstLoadChunkPaths, "gzip"),
    }))
    .sort((a, b) => b.gzipBytes - a.gzipBytes);

  // Loaded by every route: the framework (rootMainFiles) and whatever chunks every route's segments share.
  const everyRoute = pages.map(({ firstLoadChunkPaths }) => new Set(firstLoadChunkPaths));
  const shared = [...(everyRoute[0] ?? [])].filter((chunk) => everyRoute.every((set) => set.has(chunk)));
  const framework = buildManifest.rootMainFiles.map((file) => path.join(".next", file));
  return {
    routes,
    sharedChunks: shared.length,
    sharedGzipBytes: sum(shared, "gzip"),
    frameworkGzipBytes: sum(framework, "gzip"),
    buildId: readFileSync(path.join(root, ".next/BUILD_ID"), "utf8").trim(),
  };
}
