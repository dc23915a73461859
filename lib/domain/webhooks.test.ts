import { describe, expect, it } from "vitest";

import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, MAX_WEBHOOK_RETRY_SPAN_MS, parseRetrySchedule, retryDelayMs, retrySpanMs, webhookUrlProblem } from "./webhooks";

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

describe("the webhook retry schedule", () => {
  it("defaults to Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h after the first attempt, under a day even at the most jitter", () => {
    const schedule = parseRetrySchedule(DEFAULT_WEBHOOK_RETRY_SCHEDULE);
    expect(schedule).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H]);
    expect(retrySpanMs(schedule)).toBeLessThanOrEqual(MAX_WEBHOOK_RETRY_SPAN_MS);
  });

  it.each([
    ["20, 40ms,1s", [20, 40, 1_000]],
    ["5m", [5 * M]],
    ["1h,1h,1h", [H, H, H]],
  ])("parses %j", (text, waits) => {
    expect(parseRetrySchedule(text)).toEqual(waits);
  });

  it.each([
    ["", /not a duration/],
    ["5s,,5m", /not a duration/],
    ["5 d", /not a duration/],
    ["-5s", /not a duration/],
    ["10h,11h", /at most 24 h/],
  ])("refuses %j", (text, message) => {
    expect(() => parseRetrySchedule(text)).toThrow(message);
  });

  it("waits the scheduled time times a factor in [0.8, 1.2] after each failure, and gives up when the schedule runs out", () => {
    const schedule = [5 * S, 5 * M, 30 * M];
    expect(retryDelayMs(1, schedule, () => 0)).toBe(4 * S);
    expect(retryDelayMs(1, schedule, () => 0.5)).toBe(5 * S);
    expect(retryDelayMs(1, schedule, () => 0.999999)).toBe(6 * S);
    expect(retryDelayMs(2, schedule, () => 0.5)).toBe(5 * M);
    expect(retryDelayMs(3, schedule, () => 0)).toBe(24 * M);
    expect(retryDelayMs(4, schedule, () => 0.5)).toBeNull();
    expect(retryDelayMs(0, schedule, () => 0.5)).toBeNull();
  });
});

describe("a webhook URL on its face", () => {
  it.each([
    ["https://example.com/hooks", null],
    ["http://example.com:8080/in?x=1", null],
    ["ftp://example.com/hooks", /https:\/\/ or http:\/\//],
    ["https://user:secret@example.com/hooks", /credentials/],
    ["https://example.com/hooks#part", /fragment/],
    ["example.com/hooks", /absolute URL/],
    [`https://example.com/${"a".repeat(2_000)}`, /longer than/],
  ])("%#: %s", (url, problem) => {
    const found = webhookUrlProblem(url);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });
});
