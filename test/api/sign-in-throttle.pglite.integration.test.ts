import { openPgliteHarness } from "../support/database-harness";
import { describeSignInThrottle } from "./sign-in-throttle.suite";

// The embedded database, as `npm start` runs it: PGlite in a data directory of its own.
// PGlite runs one statement at a time: a flood's last admitted attempts queue behind the others, so generous
// deadlines keep a slow machine's answers 429 rather than 504 (these tests are about throttling).
describeSignInThrottle("PGlite", (clock) =>
  openPgliteHarness("sign-in-throttle-pglite-", { REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000" }, { clock }),
);
