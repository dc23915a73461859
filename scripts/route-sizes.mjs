// `npm run sizes`: first-load JavaScript per app route, gzip-compressed, from the last `npm run build`.
//
// Next 16 no longer prints the "First Load JS" table after `next build`. It still writes the list behind it:
// `.next/diagnostics/route-bundle-stats.json` (node_modules/next/dist/build/route-bundle-stats.js), one row per
// route with `firstLoadChunkPaths`: the union of the `entryJSFiles` of every segment of the route (root
// layout, console layout, page; from `.next/server/app/<route>/page_client-reference-manifest.js`) plus the
// `rootMainFiles` of `.next/build-manifest.json` (React, Next's router, Turbopack's runtime). Next only sums
// their sizes on disk; this script gzips each chunk as the server sends it (our server answers through Next's
// request handler, whose `compress` default gzips with zlib's default level, which is what gzipSync uses here)
// and prints both. The polyfill chunk (`polyfillFiles`) is left out, as Next did: it is a `nomodule` script that
// current browsers never fetch.
//
// Not yet checked against a browser's transfer sizes (issue 7 asks for it: load one route in Chromium and sum
// the encoded body sizes of its script responses); until then, treat these as Next's own list, gzipped here.
//
// Usage: npm run build && npm run sizes        (--json prints the rows as JSON instead of a table)
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const statsFile = path.join(root, ".next/diagnostics/route-bundle-stats.json");
const buildManifestFile = path.join(root, ".next/build-manifest.json");

if (!existsSync(statsFile) || !existsSync(buildManifestFile)) {
  console.error(`sizes: ${path.relative(root, statsFile)} not found: run \`npm run build\` first.`);
  process.exit(1);
}

/** @type {{ route: string; firstLoadUncompressedJsBytes: number; firstLoadChunkPaths: string[] }[]} */
const stats = JSON.parse(readFileSync(statsFile, "utf8"));
/** @type {{ rootMainFiles: string[] }} */
const buildManifest = JSON.parse(readFileSync(buildManifestFile, "utf8"));

/** Each chunk's raw and gzip size, read and compressed once however many routes load it. */
const sizes = new Map();
function sizeOf(chunk) {
  let size = sizes.get(chunk);
  if (!size) {
    const bytes = readFileSync(path.join(root, chunk));
    size = { raw: bytes.length, gzip: gzipSync(bytes).length };
    sizes.set(chunk, size);
  }
  return size;
}
const sum = (chunks, key) => chunks.reduce((total, chunk) => total + sizeOf(chunk)[key], 0);

// Error pages are not routes anyone navigates to; "/" only redirects.
const rows = stats
  .filter(({ route }) => !route.startsWith("/_"))
  .map(({ route, firstLoadChunkPaths }) => ({
    route,
    chunks: firstLoadChunkPaths.length,
    rawBytes: sum(firstLoadChunkPaths, "raw"),
    gzipBytes: sum(firstLoadChunkPaths, "gzip"),
  }))
  .sort((a, b) => b.gzipBytes - a.gzipBytes);

// Loaded by every route: the framework (rootMainFiles) and whatever chunks every route's segments share.
const everyRoute = stats
  .filter(({ route }) => !route.startsWith("/_"))
  .map(({ firstLoadChunkPaths }) => new Set(firstLoadChunkPaths));
const shared = [...(everyRoute[0] ?? [])].filter((chunk) => everyRoute.every((set) => set.has(chunk)));
const framework = buildManifest.rootMainFiles.map((file) => path.join(".next", file));

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ routes: rows, sharedGzipBytes: sum(shared, "gzip"), frameworkGzipBytes: sum(framework, "gzip") }, null, 2));
  process.exit(0);
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const width = Math.max(...rows.map((row) => row.route.length), "Route".length);
console.log(`${"Route".padEnd(width)}  ${"First load (gzip)".padStart(17)}  ${"Uncompressed".padStart(12)}  Chunks`);
for (const row of rows) {
  console.log(`${row.route.padEnd(width)}  ${kB(row.gzipBytes).padStart(17)}  ${kB(row.rawBytes).padStart(12)}  ${String(row.chunks).padStart(6)}`);
}
console.log(`\nShared by every route: ${kB(sum(shared, "gzip"))} gzip in ${shared.length} chunks, of which Next and React (rootMainFiles) ${kB(sum(framework, "gzip"))}.`);
console.log(`kB = 1000 bytes; build ${readFileSync(path.join(root, ".next/BUILD_ID"), "utf8").trim()}.`);
