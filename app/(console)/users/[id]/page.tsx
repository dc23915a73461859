import { Badge, Callout, Card, DataList, Flex, Heading, Link as RadixLink, Text } from "@radix-ui/themes";
import type { Metadata } from "next";
import Link from "next/link";

import { UserFlags } from "@/components/user-flags";
import { getApp } from "@/lib/app-registry";
import { requirePage } from "@/lib/http/page-auth";

export const metadata: Metadata = { title: "User" };

// UTC and a fixed locale, as in the users table: rendered on the server, it must read the same for everyone.
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const STATUS_COLOR = { ACTIVE: "green", DISABLED: "red", INVITED: "amber" } as const;

/**
 * One user (users:read): who they are, and each feature flag's variation for them and why (issue 9). Minimal on
 * purpose: issue 7 grows it into the user's overview.
 */
export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage("/users/[id]");
  const { id } = await params;
  let user;
  try {
    user = await getApp().getUser(id);
  } catch (error) {
    // Matched by code, not class: the app was built by the server's copy of lib/ (decision 002).
    if (error instanceof Error && "code" in error && error.code === "USER_NOT_FOUND") return <NoSuchUser />;
    throw error;
  }
  return (
    <Flex direction="column" gap="5">
      <Text size="2">
        <RadixLink asChild>
          <Link href="/users">← All users</Link>
        </RadixLink>
      </Text>
      <Flex direction="column" gap="3">
        <Heading as="h1" size="6">
          {user.name}
        </Heading>
        <DataList.Root aria-label="User">
          <DataList.Item>
            <DataList.Label>Email</DataList.Label>
            <DataList.Value>{user.email}</DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Role</DataList.Label>
            <DataList.Value>{capitalize(user.role)}</DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Status</DataList.Label>
            <DataList.Value>
              <Badge color={STATUS_COLOR[user.status]} variant="soft">
                {capitalize(user.status)}
              </Badge>
            </DataList.Value>
          </DataList.Item>
          <DataList.Item>
            <DataList.Label>Created</DataList.Label>
            <DataList.Value>
              <time dateTime={user.createdAt.toISOString()}>{dateFormat.format(user.createdAt)}</time>
            </DataList.Value>
          </DataList.Item>
        </DataList.Root>
      </Flex>
      <UserFlags userId={user.id} />
    </Flex>
  );
}

/** An id that names no user (or a deleted one): said in place of the page, with the way back. */
function NoSuchUser() {
  return (
    <Card asChild size="3">
      <section aria-labelledby="no-such-user">
        <Flex direction="column" gap="3">
          <Heading as="h1" size="5" id="no-such-user">
            There is no such user
          </Heading>
          <Callout.Root color="amber">
            <Callout.Text>This user does not exist, or was deleted.</Callout.Text>
          </Callout.Root>
          <Text>
            <RadixLink asChild>
              <Link href="/users">Go to the users</Link>
            </RadixLink>
          </Text>
        </Flex>
      </section>
    </Card>
  );
}

function capitalize(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
