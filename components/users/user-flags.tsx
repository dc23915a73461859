"use client";

import { Code, Flex, Heading, Link as RadixLink, Table, Text } from "@radix-ui/themes";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { describeReason, valueLabel } from "@/components/flags/flag-text";
import { userFlagsQuery } from "@/components/flags/my-flags";
import { QueryTable } from "@/components/ui/query-table";
import type { UserFlagJson } from "@/lib/api-contract/flag-evaluations";

/**
 * Each flag's variation for one user and why (GET /api/v1/users/{id}/flags), on the user's page. `initial`: the
 * variations the page was rendered with (the user's overview), so the first paint has them; a flag change
 * elsewhere invalidates this query (USER_FLAGS_KEY) and it reads them again through the API.
 */
export function UserFlags({ userId, initial }: { userId: string; initial?: UserFlagJson[] }) {
  const flags = useQuery({ ...userFlagsQuery(userId), ...(initial && { initialData: { items: initial } }) });
  return (
    <Flex direction="column" gap="3" asChild>
      <section aria-labelledby="user-flags-heading">
        <Heading as="h2" size="4" id="user-flags-heading">
          Feature flags
        </Heading>
        <QueryTable
          query={flags}
          what="The user's flags"
          columns={["Flag", "Variation", "Why"]}
          caption="Feature flags"
        >
          {(flag) => (
            <Table.Row key={flag.key}>
              <Table.RowHeaderCell>
                <RadixLink asChild>
                  <Link href={`/flags/${encodeURIComponent(flag.key)}`}>{flag.key}</Link>
                </RadixLink>
              </Table.RowHeaderCell>
              <Table.Cell>
                <Code variant="ghost">{valueLabel(flag.value)}</Code>
              </Table.Cell>
              <Table.Cell>
                <Text size="2">{describeReason(flag.reason, flag.errorCode)}</Text>
              </Table.Cell>
            </Table.Row>
          )}
        </QueryTable>
      </section>
    </Flex>
  );
}
