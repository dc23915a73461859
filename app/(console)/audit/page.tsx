import { Flex, Heading, Text } from "@radix-ui/themes";
import type { Metadata } from "next";

import { AuditLog } from "@/components/audit/audit-log";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Audit log" };

/** Every change and sign-in attempt, newest first (ADMIN). Filtered and paged in the browser. */
export default async function AuditPage() {
  await requirePage("/audit");
  return (
    <Flex direction="column" gap="4">
      <Flex direction="column" gap="1">
        <Heading as="h1" size="6">
          Audit log
        </Heading>
        <Text color="gray" size="2">
          Who changed what, and when: written in the same transaction as each change, and never edited.
        </Text>
      </Flex>
      <AuditLog />
    </Flex>
  );
}
