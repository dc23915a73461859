import { describe, expect, it } from "vitest";
import { z } from "zod";

import { ApiError, parseAnswer, readRetryDelay, shouldRetryRead } from "./api";

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

describe("answers checked against the contract", () => {
  const page = z.strictObject({ items: z.array(z.strictObject({ id: z.string(), name: z.string() })), total: z.int() });

  it("drops the fields a newer server added (a rolling update), at any depth, and keeps the rest", () => {
    const parsed = parseAnswer(page, { items: [{ id: "a", name: "Ada", team: "x" }], total: 1, nextCursor: null });
    expect(parsed.success && parsed.data).toEqual({ items: [{ id: "a", name: "Ada" }], total: 1 });
  });

  it("still refuses an answer that lacks a field or has one of the wrong type", () => {
    expect(parseAnswer(page, { items: [{ id: "a" }], total: 1, extra: true }).success).toBe(false);
    expect(parseAnswer(page, { items: [], total: "1" }).success).toBe(false);
  });
});
