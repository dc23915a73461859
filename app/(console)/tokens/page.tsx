import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { ApiTokens } from "@/components/tokens/api-tokens";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "API tokens" };

/** API tokens for services (ADMIN): create, list with last use, revoke. The list is fetched by the browser. */
export default async function TokensPage() {
  await requirePage("/tokens");
  return (
    <Flex direction="column" gap="4">
      <Flex direction="column" gap="1">
        <Heading as="h1" size="6">
          API tokens
        </Heading>
        <Text color="gray" size="2">
          Services send a token as <code>Authorization: Bearer …</code> to <code>/api/v1/*</code> and act with its
          role. A revoked or expired token is refused at its next request.
        </Text>
      </Flex>
      <ApiTokens />
    </Flex>
  );
}
