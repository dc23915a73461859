import { json, route } from "../route";
import { serviceTrafficResponse } from "../../api-contract";

/**
 * GET /api/v1/service/traffic: this process's requests and server errors per minute over the last hour (the
 * dashboard's health chart), from its own metrics. Each replica answers for itself.
 */
export const getServiceTraffic = route({
  method: "GET",
  path: "/api/v1/service/traffic",
  access: "service:read",
  summary: "This process's traffic over the last hour",
  description: "Requests and server errors (5xx) per minute for the last 60 minutes, from the process's own metrics.",
  tag: "Service",
  responses: { "200": { description: "Per-minute counts, oldest first", schema: serviceTrafficResponse } },
  async handler({ app }) {
    const minutes = app.metrics.recentTraffic();
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
