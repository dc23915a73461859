import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { Imports } from "@/components/imports/imports";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Imports" };

/** CSV imports (ADMIN and EDITOR): upload, follow live, download the rows that failed; past imports. */
export default async function ImportsPage() {
  await requirePage("/imports");
  return (
    <Flex direction="column" gap="4">
      <Flex direction="column" gap="1">
        <Heading as="h1" size="6">
          Imports
        </Heading>
        <Text color="gray" size="2">
          Create many users at once from a CSV file. The import runs on the server: you may leave this page and come back.
        </Text>
      </Flex>
      <Imports />
    </Flex>
  );
}
