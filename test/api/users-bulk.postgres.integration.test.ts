import { openPostgresHarness } from "../support/database-harness";
import { describeUsersBulkApi } from "./users-bulk.suite";

// A database of its own on the run's throwaway PostgreSQL server per app the suite opens.
// A loaded machine must not turn a slow answer into a 504 (as in users-api.postgres.integration.test.ts).
describeUsersBulkApi("PostgreSQL", () => openPostgresHarness("users_bulk", { REQUEST_TIMEOUT_MS: "30000" }));
