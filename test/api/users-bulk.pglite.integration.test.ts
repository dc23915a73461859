import { openPgliteHarness } from "../support/database-harness";
import { describeUsersBulkApi } from "./users-bulk.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own per app the suite opens.
describeUsersBulkApi("PGlite", () => openPgliteHarness("users-bulk-pglite-"));
