import { Flex, Heading } from "@radix-ui/themes";
import type { Metadata } from "next";

import { FlagList } from "@/components/flags/flag-list";
import { roleHas } from "@/lib/domain/permissions";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "Flags" };

/**
 * The feature flags (issue 9): every role sees them; ADMINs (flags:write) switch them on and off here and change
 * their targeting on each flag's page. The API decides again on every change.
 */
export default async function FlagsPage() {
  const principal = await requirePage("/flags");
  const canWrite = roleHas(principal.role, "flags:write");
  return (
    <Flex direction="column" gap="4">
      <Heading as="h1" size="6">
        Feature flags
      </Heading>
      <FlagList canWrite={canWrite} />
    </Flex>
  );
}
