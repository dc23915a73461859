import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { Webhooks } from "@/components/webhooks/webhooks";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Webhooks" };

/** Webhook endpoints (ADMIN, issue 20): add, change, disable, rotate secrets, delivery logs. Fetched by the browser. */
export default async function WebhooksPage() {
  await requirePage("/webhooks");
  return (
    <Flex direction="column" gap="4">
      <Flex direction="column" gap="1">
        <Heading as="h1" size="6">
          Webhooks
        </Heading>
        <Text color="gray" size="2">
          Each change to users, tokens and flags is POSTed to these endpoints as JSON signed per the Standard Webhooks
          spec, in order, retried for up to a day; an endpoint whose retries run out is disabled until you enable it.
        </Text>
      </Flex>
      <Webhooks />
    </Flex>
  );
}
