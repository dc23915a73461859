import { Callout, Card, Flex, Heading, Link as RadixLink, Text } from "@radix-ui/themes";
import type { Metadata } from "next";
import Link from "next/link";

import { UserOverview } from "@/components/users/user-overview";
import { getApp } from "@/lib/app-registry";
import { requirePage } from "@/lib/http/page-auth";
import { userOverviewJson } from "@/lib/http/representations";

export const metadata: Metadata = { title: "User" };

/**
 * One user's overview (users:read; issue 7): profile, recent audit entries, live sessions and feature flags, the
 * parts the role may see. Rendered first here through the use case, as GET /api/v1/users/{id}/overview answers it;
 * the client component then keeps it current through that endpoint.
 */
export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requirePage("/users/[id]");
  const { id } = await params;
  let overview;
  try {
    overview = await getApp().getUserOverview(id, { principal, requestId: null, traceId: null });
  } catch (error) {
    // Matched by code, not class: the app was built by the server's copy of lib/ (decision 002).
    if (error instanceof Error && "code" in error && error.code === "USER_NOT_FOUND") return <NoSuchUser />;
    throw error;
  }
  // The API's own serializer: the first paint gets exactly what a refetch through the API gets (dates as ISO
  // strings), so the two cannot differ.
  return (
    <UserOverview
      id={id}
      initial={userOverviewJson(overview)}
      viewer={{ userId: principal.kind === "user" ? principal.userId : null, role: principal.role }}
    />
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
