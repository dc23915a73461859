// `npm run db:migrate`: applies pending migrations (prisma/migrations) to the configured database, the
// embedded one or DATABASE_URL's, writing the history `prisma migrate deploy` writes. Errors: one line, exit 1.
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/adapters/pino/logger";
import { openDatabase } from "../lib/adapters/prisma/open-database";
import { runScript } from "./support/run-script";

await runScript(async () => {
  const config = loadConfig();
  const db = await openDatabase(config, createLogger({ LOG_LEVEL: "warn" }), { migrations: "apply" });
  await db.lifecycle.close();
  const applied = db.appliedMigrations;
  console.log(
    applied.length === 0
      ? `${db.description}: no pending migrations`
      : `${db.description}: applied ${applied.length} migration${applied.length === 1 ? "" : "s"}: ${applied.join(", ")}`,
  );
});
