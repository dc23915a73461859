import { describe, expect, it } from "vitest";

import { ApiError, readRetryDelay, shouldRetryRead } from "./api";

const problem = (status: number, code: string, retryAfterSeconds?: number) =>
  new ApiError({ status, title: code, code, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) });

describe("the console's read retries (issue 17)", () => {
  it("keeps retrying through a database outage for about a minute, at the server's Retry-After", () => {
    const outage = problem(503, "DATABASE_UNAVAILABLE", 4);
    expect(shouldRetryRead(0, outage)).toBe(true);
    expect(shouldRetryRead(11, outage)).toBe(true);
    expect(shouldRetryRead(12, outage)).toBe(false);
    expect(readRetryDelay(3, outage)).toBe(4_000);
  });

  it("retries anything else once, with backoff, and a 4xx never", () => {
    expect(shouldRetryRead(0, new TypeError("Failed to fetch"))).toBe(true);
    expect(shouldRetryRead(1, new TypeError("Failed to fetch"))).toBe(false);
    expect(shouldRetryRead(0, problem(500, "INTERNAL"))).toBe(true);
    expect(shouldRetryRead(0, problem(404, "USER_NOT_FOUND"))).toBe(false);
    expect(shouldRetryRead(0, problem(429, "TOO_MANY_ATTEMPTS", 30))).toBe(false);
    expect(readRetryDelay(0, new TypeError("Failed to fetch"))).toBe(1_000);
    expect(readRetryDelay(10, problem(500, "INTERNAL"))).toBe(30_000);
  });
});
