"use client";

import { Card, Flex, Heading, Skeleton, Text } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import type * as z from "zod/mini";

import { serviceTrafficResponse } from "@/lib/api-contract/service";

import { api } from "@/components/data/api";
import { LoadError } from "@/components/ui/load-error";
import { ChartCard as Chart, ErrorsChart, RequestsChart } from "./chart-card";

/** Refetched this often while the page is open: the newest minute fills up as it goes. */
const REFRESH_MS = 15_000;

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/**
 * Requests per second and the share answered with a server error (5xx), per minute over the last hour, as this
 * process counted them (GET /api/v1/service/traffic). Each chart has a one-line summary in text, which is also
 * what a screen reader gets.
 */
export function ServiceTraffic() {
  const traffic = useQuery({
    queryKey: ["service-traffic"],
    queryFn: ({ signal }) => api("/api/v1/service/traffic", serviceTrafficResponse, { signal }),
    refetchInterval: REFRESH_MS,
  });

  return (
    <Flex direction="column" gap="3" asChild>
      <section aria-labelledby="service-traffic-heading">
        <Flex direction="column" gap="1">
          <Heading as="h2" size="4" id="service-traffic-heading">
            Service health, last hour
          </Heading>
          <Text color="gray" size="2">
            Counted by the server process that answered this page; behind a load balancer, each replica shows its own
            share (Prometheus and the Grafana dashboard in deploy/observability see them all). Health probes and
            metric scrapes are left out.
          </Text>
        </Flex>
        {traffic.isPending ? (
          <Skeleton height="17rem" />
        ) : traffic.isError ? (
          <LoadError error={traffic.error} what="The service's traffic" />
        ) : (
          <TrafficCharts items={traffic.data.items} />
        )}
      </section>
    </Flex>
  );
}

/** The two charts of a loaded hour, or what to do when it has no requests yet. */
function TrafficCharts({ items }: { items: z.infer<typeof serviceTrafficResponse>["items"] }) {
  const points = items.map((minute) => ({
    label: time.format(new Date(minute.start)),
    requestsPerSecond: minute.requestsPerSecond,
    errorPercent: minute.errorRatio === null ? null : minute.errorRatio * 100,
  }));
  const requests = items.reduce((sum, minute) => sum + minute.requests, 0);
  const errors = items.reduce((sum, minute) => sum + minute.errors, 0);
  const peak = Math.max(...items.map((minute) => minute.requestsPerSecond));

  return requests === 0 ? (
    <Card>
      <Text color="gray">No requests in the last hour yet. Use the console or call the API, and the charts fill in minute by minute.</Text>
    </Card>
  ) : (
    <Flex gap="4" direction={{ initial: "column", lg: "row" }}>
      <Chart
        title="Requests per second"
        summary={`${requests.toLocaleString()} requests in the last hour; at most ${rate.format(peak)} per second in a minute.`}
      >
        <RequestsChart points={points} />
      </Chart>
      <Chart
        title="Server errors (5xx), share of requests"
        summary={`${errors.toLocaleString()} of them answered with a server error (${percent.format(errors / requests)}).`}
      >
        <ErrorsChart points={points} />
      </Chart>
    </Flex>
  );
}
