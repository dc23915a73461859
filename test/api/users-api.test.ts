import { beforeAll } from "vitest";

import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeUsersApi } from "./users-api.suite";

let api: Awaited<ReturnType<typeof createApiHarness>>;
beforeAll(async () => {
  api = await createApiHarness({ hasher: fastTestHasher });
});

describeUsersApi("in memory", () => api);
