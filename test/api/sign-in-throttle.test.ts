import { createApiHarness, fastTestHasher } from "../support/api-harness";
import { describeSignInThrottle } from "./sign-in-throttle.suite";

describeSignInThrottle("in memory", (clock) => createApiHarness({ hasher: fastTestHasher, clock }));
