import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { ServiceTraffic } from "@/components/dashboard/service-traffic";
import { UserCharts } from "@/components/dashboard/user-charts";
import { getApp } from "@/lib/app-registry";
import { roleHas } from "@/lib/domain/permissions";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Dashboard" };

/**
 * The dashboard: the users in numbers (signups per day, by status, by role) for everyone who may list users, and
 * the service's own health over the last hour for those who may see it (service:read, ADMIN).
 */
export default async function DashboardPage() {
  const principal = await requirePage("/dashboard");
  // Read here, through the use case, so the charts are in the first paint (the users page does the same with its
  // first page). Should the read fail, the charts fetch the numbers themselves and show why they could not.
  const stats = await getApp()
    .getUserStats({ principal, requestId: null, traceId: null })
    .catch(() => undefined);
  return (
    <Flex direction="column" gap="5">
      <Flex direction="column" gap="1">
        <Heading as="h1" size="6">
          Dashboard
        </Heading>
        <Text color="gray" size="2">
          The users in numbers{roleHas(principal.role, "service:read") ? ", and how the service is doing from its own metrics" : ""}.
        </Text>
      </Flex>
      <UserCharts initial={stats} />
      {roleHas(principal.role, "service:read") && <ServiceTraffic />}
    </Flex>
  );
}
