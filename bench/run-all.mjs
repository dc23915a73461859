// `npm run bench`: every benchmark in bench/, one after another, each in a process of its own (so one's heap and
// database do not colour the next), each printing its own ratios against a baseline measured in the same run.
//   npm run bench                     all of them, with their default sizes
//   npm run bench -- users-total      only those whose file name contains one of the words given
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(dir, "..");
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((name) => name.endsWith(".ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (benches.length === 0) {
  console.error(`No benchmark in bench/ matches ${filters.join(", ")}`);
  process.exit(2);
}
const tsx = path.join(root, "node_modules/.bin/tsx");
let failed = 0;
for (const name of benches) {
  console.log(`\n━━ bench/${name} ━━`);
  const started = Date.now();
  const { status } = spawnSync(tsx, ["--conditions", "react-server", path.join(dir, name)], { cwd: root, stdio: "inherit" });
  console.log(`(${name}: ${status === 0 ? "done" : `exit ${status}`} in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
