// `npm start`: builds when no current build exists (inputs changed since the last one), then serves the
// production build through our server in this same process, so signals reach it directly.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { isBuildCurrent, STANDALONE } from "./support/build-stamp.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (!isBuildCurrent(root)) {
  console.log("start: no current production build; building first (about a minute on two cores)...");
  const built = spawnSync(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) {
    console.error("start: the build failed (see above)");
    process.exit(built.status ?? 1);
  }
}
await import(pathToFileURL(path.join(root, STANDALONE, "server/main.mjs")).href);
