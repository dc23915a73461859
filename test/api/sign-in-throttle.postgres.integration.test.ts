import { openPostgresHarness } from "../support/database-harness";
import { describeSignInThrottle } from "./sign-in-throttle.suite";

// A database of its own on the run's throwaway PostgreSQL server.
// A loaded machine must not turn a slow answer into a 504, nor a wait for a pooled connection during the floods
// into a 503 (as in users-api.postgres.integration.test.ts): these tests are about throttling.
describeSignInThrottle("PostgreSQL", (clock) =>
  openPostgresHarness("sign_in_throttle", { REQUEST_TIMEOUT_MS: "30000", DB_TIMEOUT_MS: "30000", DB_POOL_WAIT_MS: "30000" }, { clock }),
);
