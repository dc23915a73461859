import { describe, expect, it } from "vitest";

import { createPrometheusMetrics } from "./metrics";

describe("the dashboard's traffic, per minute over the last hour", () => {
  it("counts requests and 5xx per minute, leaves probes out, and forgets minutes older than an hour", () => {
    let now = new Date("2030-01-01T10:00:30.000Z");
    const metrics = createPrometheusMetrics({ processMetrics: false, now: () => now });
    const request = (route: string, status: number) =>
      metrics.observeRequest({ method: "GET", route, status, probe: ["/live", "/ready", "/metrics"].includes(route) }, 0.01);

    request("/api/v1/users", 200);
    request("/api/v1/users", 503);
    request("/ready", 200);
    request("/metrics", 200);
    request("/live", 503);
    now = new Date("2030-01-01T10:01:10.000Z");
    request("/users", 200);
    request("unmatched", 404);

    const traffic = metrics.recentTraffic(new Date("2030-01-01T10:01:15.000Z"));
    expect(traffic).toHaveLength(60);
    expect(traffic.at(-2)).toEqual({ start: new Date("2030-01-01T10:00:00.000Z"), seconds: 60, requests: 2, errors: 1 });
    // The current minute so far: its rate is over the 15 s elapsed.
    expect(traffic.at(-1)).toEqual({ start: new Date("2030-01-01T10:01:00.000Z"), seconds: 15, requests: 2, errors: 0 });
    expect(traffic[0]?.start).toEqual(new Date("2030-01-01T09:02:00.000Z"));
    expect(traffic.slice(0, -2).every((minute) => minute.requests === 0 && minute.errors === 0)).toBe(true);

    // An hour on, the slot of 10:00 is reused for 11:00 and starts from zero.
    now = new Date("2030-01-01T11:00:05.000Z");
    request("/api/v1/users", 200);
    const later = metrics.recentTraffic(new Date("2030-01-01T11:00:20.000Z"));
    expect(later.at(-1)).toEqual({ start: new Date("2030-01-01T11:00:00.000Z"), seconds: 20, requests: 1, errors: 0 });
    expect(later.find((minute) => minute.start.getTime() === new Date("2030-01-01T10:01:00.000Z").getTime())).toMatchObject({ requests: 2 });
    expect(later.reduce((sum, minute) => sum + minute.requests, 0)).toBe(3);
  });
});
