// `npm run stats:rebuild`: recounts the users' read model (the dashboard's counts, docs/decisions/018) from the
// users table of the configured database, e.g. after restoring a backup taken without the triggers or after rows
// were edited with the triggers off. User writes wait while it runs; reads go on. Errors: one line, exit 1.
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/adapters/pino/logger";
import { openDatabase } from "../lib/adapters/prisma/open-database";
import { runScript } from "./support/run-script";

await runScript(async () => {
  const config = loadConfig();
  // A repair, not a deployment: a database with pending migrations is refused (npm run db:migrate first).
  const db = await openDatabase(config, createLogger({ LOG_LEVEL: "warn" }), { migrations: "check" });
  try {
    process.stdout.write(`recounting users in ${db.description} ...`);
    const keys = await db.unitOfWork.run(({ users }) => users.rebuildStats());
    console.log(` done: ${keys} counts written`);
  } finally {
    await db.lifecycle.close();
  }
});
