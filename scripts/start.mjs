// `npm start`: builds when no current build exists (inputs changed since the last one), then serves the
// production build through our server in this same process, so signals reach it directly (package.json runs
// this script with `exec`, or /bin/sh would stand in between and swallow SIGTERM).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { isBuildCurrent, STANDALONE } from "./support/build-stamp.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (!isBuildCurrent(root)) {
  console.log("start: no current production build; building first (under a minute on two cores)...");
  const status = await build();
  if (status !== 0) {
    console.error("start: the build failed (see above)");
    process.exit(status);
  }
}
await import(pathToFileURL(path.join(root, STANDALONE, "server/main.mjs")).href);

/** Runs `npm run build`'s script; a signal meanwhile stops the build too instead of leaving it running alone. */
function build() {
  const child = spawn(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  const signals = ["SIGINT", "SIGTERM"];
  const forward = (signal) => child.kill(signal);
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      for (const name of signals) process.off(name, forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}
