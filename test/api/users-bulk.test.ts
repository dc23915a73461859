import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeUsersBulkApi } from "./users-bulk.suite";

describeUsersBulkApi("in memory", () => createApiHarness({ hasher: fastTestHasher }));
