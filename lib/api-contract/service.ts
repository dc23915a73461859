/** The service's own health as the dashboard shows it: GET /api/v1/service/traffic. */
import { z } from "zod";

import { timestamp } from "./common";

export const serviceTrafficResponse = z
  .strictObject({
    scope: z.literal("this-process").meta({
      description: "Counted by the process that answered: behind a load balancer, one replica's share (Prometheus sees them all)",
    }),
    items: z.array(
      z.strictObject({
        start: timestamp.meta({ description: "Start of the minute" }),
        seconds: z.number().min(0).max(60).meta({ description: "60, or the seconds elapsed of the current minute (the last item)" }),
        requests: z.int().min(0).meta({ description: "Requests answered, probes and scrapes left out" }),
        errors: z.int().min(0).meta({ description: "Of those, answered with a 5xx status" }),
        requestsPerSecond: z.number().min(0),
        errorRatio: z.number().min(0).max(1).nullable().meta({ description: "errors / requests; null for a minute without requests" }),
      }),
    ).meta({ description: "The last 60 minutes, oldest first" }),
  })
  .meta({ id: "ServiceTraffic" });
