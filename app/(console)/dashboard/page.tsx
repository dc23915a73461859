import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { ServiceTraffic } from "@/components/service-traffic";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Dashboard" };

/**
 * The dashboard (ADMIN): the service's own health over the last hour. The users' charts (signups, status,
 * roles) join it with the admin UI's issue; until then only roles that may see the service's health have it.
 */
export default async function DashboardPage() {
  await requirePage("/dashboard");
  return (
    <Flex direction="column" gap="5">
      <Flex direction="column" gap="1">
        <Heading as="h1" size="6">
          Dashboard
        </Heading>
        <Text color="gray" size="2">
          How the service is doing, from its own metrics.
        </Text>
      </Flex>
      <ServiceTraffic />
    </Flex>
  );
}
