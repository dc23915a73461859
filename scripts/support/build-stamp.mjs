// The build is current when this hash of its inputs matches the one the last build wrote: `npm start` then
// serves it as it is, otherwise it builds first.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const INPUTS = [
  "app",
  "components",
  "lib",
  "server",
  "prisma",
  "public",
  "next.config.js",
  // Next compiles it into the build (tracing starts there: lib/adapters/otel/start-tracing.ts).
  "instrumentation.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  // The build's own recipe: a change to how the server is bundled or the folder assembled is a new build.
  "scripts/build.mjs",
  // Bundled as server/migrate.mjs, the image's migration command.
  "scripts/db-migrate.ts",
  "scripts/support/run-script.ts",
];
export const STANDALONE = ".next/standalone";
export const STAMP_FILE = path.join(STANDALONE, "build-inputs.sha256");
// tsc's incremental state (server/tsconfig.tsbuildinfo) changes on every type check, not with the sources.
const SKIP = /(^|\/)(node_modules|__fixtures__)(\/|$)|\.test\.tsx?$|\.tsbuildinfo$/;

export function inputsHash(root) {
  const hash = createHash("sha256");
  const visit = (relative) => {
    const absolute = path.join(root, relative);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      return; // an optional input (public/) that does not exist
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(absolute).sort()) visit(path.join(relative, entry));
    } else if (!SKIP.test(relative)) {
      hash.update(relative).update("\0").update(readFileSync(absolute)).update("\0");
    }
  };
  INPUTS.forEach(visit);
  return hash.digest("hex");
}

export function isBuildCurrent(root) {
  try {
    return readFileSync(path.join(root, STAMP_FILE), "utf8").trim() === inputsHash(root);
  } catch {
    return false;
  }
}
