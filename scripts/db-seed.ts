// `npm run db:seed`: creates the demo users (idempotent: existing emails are skipped) in the configured
// database, migrating it first the way `npm run db:migrate` does. Errors: one line, exit 1.
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/adapters/pino/logger";
import { openDatabase } from "../lib/adapters/prisma/open-database";
import { makeSeedDemoUsers } from "../lib/use-cases/seed-demo-users";
import { runScript } from "./support/run-script";

await runScript(async () => {
  const config = loadConfig();
  const db = await openDatabase(config, createLogger({ LOG_LEVEL: "warn" }), { migrations: "apply" });
  try {
    const created = await makeSeedDemoUsers({ unitOfWork: db.unitOfWork })({
      onProgress: (done, total) => process.stdout.write(`\rseeding ${db.description}: ${done}/${total}`),
    });
    process.stdout.write("\n");
    console.log(`${created} demo user${created === 1 ? "" : "s"} created (existing emails skipped)`);
  } finally {
    await db.lifecycle.close();
  }
});
