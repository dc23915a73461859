/** The service's own health as the dashboard shows it: GET /api/v1/service/traffic. */
import * as z from "../domain/zod";

import { timestamp } from "./common";

export const serviceTrafficResponse = z
  .strictObject({
    scope: z.literal("this-process").check(
      z.meta({
        description: "Counted by the process that answered: behind a load balancer, one replica's share (Prometheus sees them all)",
      }),
    ),
    items: z
      .array(
        z.strictObject({
          start: timestamp.check(z.meta({ description: "Start of the minute" })),
          seconds: z.number().check(z.minimum(0), z.maximum(60), z.meta({ description: "60, or the seconds elapsed of the current minute (the last item)" })),
          requests: z.int().check(z.minimum(0), z.meta({ description: "Requests answered, probes and scrapes left out" })),
          errors: z.int().check(z.minimum(0), z.meta({ description: "Of those, answered with a 5xx status" })),
          requestsPerSecond: z.number().check(z.minimum(0)),
          errorRatio: z
            .nullable(z.number().check(z.minimum(0), z.maximum(1)))
            .check(z.meta({ description: "errors / requests; null for a minute without requests" })),
        }),
      )
      .check(z.meta({ description: "The last 60 minutes, oldest first" })),
  })
  .check(z.meta({ id: "ServiceTraffic" }));
