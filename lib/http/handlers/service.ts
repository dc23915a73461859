import { getApp } from "../../app-registry";
import { json, route } from "../route";

/**
 * GET /api/v1/service/traffic: this process's requests and server errors per minute over the last hour (the
 * dashboard's health chart), from its own metrics. Each replica answers for itself.
 */
export const getServiceTraffic = route({
  method: "GET",
  path: "/api/v1/service/traffic",
  async handler() {
    const minutes = getApp().metrics.recentTraffic();
    return json({
      scope: "this-process",
      items: minutes.map(({ start, seconds, requests, errors }) => ({
        start: start.toISOString(),
        seconds,
        requests,
        errors,
        requestsPerSecond: requests / seconds,
        errorRatio: requests === 0 ? null : errors / requests,
      })),
    });
  },
});
