import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { ServiceTraffic } from "@/components/dashboard/service-traffic";
import { UserCharts } from "@/components/dashboard/user-charts";
import { roleHas } from "@/lib/domain/permissions";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Dashboard" };

/**
 * The dashboard: the users in numbers (signups per day, by status, by role) for everyone who may list users, and
 * the service's own health over the last hour for those who may see it (service:read, ADMIN).
 */
export default async function DashboardPage() {
  const principal = await requirePage("/dashboard");
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
      <UserCharts />
      {roleHas(principal.role, "service:read") && <ServiceTraffic />}
    </Flex>
  );
}
