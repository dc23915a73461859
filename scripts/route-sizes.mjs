// `npm run sizes`: first-load JavaScript per app route, gzip-compressed, from the last `npm run build`, with each
// route's budget and issue 23's goal. How it is counted: scripts/support/route-sizes.mjs.
//
// Usage: npm run build && npm run sizes        (--json prints the rows as JSON instead of a table)
import path from "node:path";
import { fileURLToPath } from "node:url";

import { budgetOf, routeSizes } from "./support/route-sizes.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

let sizes;
try {
  sizes = routeSizes(root);
} catch (error) {
  console.error(`sizes: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
const rows = sizes.routes.map((row) => ({ ...row, ...budgetOf(row.route) }));

if (process.argv.includes("--json")) {
  const { sharedGzipBytes, frameworkGzipBytes } = sizes;
  console.log(JSON.stringify({ routes: rows, sharedGzipBytes, frameworkGzipBytes }, null, 2));
  process.exit(0);
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const width = Math.max(...rows.map((row) => row.route.length), "Route".length);
console.log(
  `${"Route".padEnd(width)}  ${"First load (gzip)".padStart(17)}  ${"Uncompressed".padStart(12)}  Chunks  ${"Budget".padStart(8)}  ${"Goal".padStart(8)}`,
);
for (const row of rows) {
  const mark = row.gzipBytes > row.budget ? "  OVER BUDGET" : row.gzipBytes > row.goal ? "  over goal" : "";
  console.log(
    `${row.route.padEnd(width)}  ${kB(row.gzipBytes).padStart(17)}  ${kB(row.rawBytes).padStart(12)}  ${String(row.chunks).padStart(6)}  ${kB(row.budget).padStart(8)}  ${kB(row.goal).padStart(8)}${mark}`,
  );
}
console.log(
  `\nShared by every route: ${kB(sizes.sharedGzipBytes)} gzip in ${sizes.sharedChunks} chunks, of which Next and React (rootMainFiles) ${kB(sizes.frameworkGzipBytes)}.`,
);
console.log(`kB = 1000 bytes; build ${sizes.buildId}.`);
