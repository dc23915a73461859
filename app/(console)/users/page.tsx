import { Callout, Card, Flex, Heading, Link as RadixLink, Text } from "@radix-ui/themes";
import type { Metadata } from "next";
import Link from "next/link";

import { CreateUserDialog } from "@/components/users/create-user-dialog";
import { InviteUserDialog } from "@/components/users/invite-user-dialog";
import { UsersView } from "@/components/users/users-view";
import { getApp } from "@/lib/app-registry";
import { roleHas } from "@/lib/domain/permissions";
import { mayActOnRole } from "@/lib/domain/user-rules";
import { parseListUsersParams } from "@/lib/api-contract/list-users-params";
import { requirePage } from "@/lib/http/page-auth";
import { userJson } from "@/lib/http/representations";

export const metadata: Metadata = { title: "Users" };

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * The users table (issue 7). The first page is rendered on the server through the use case (page -> use case ->
 * port -> Prisma -> database) and handed to the client view, which takes over from there with React Query on
 * GET /api/v1/users (components/users/users-view.tsx). Awaiting searchParams makes the page dynamic: it is rendered
 * per request, never prerendered at build time (when no database is open). Inviting and the actions appear
 * only for roles that may use them; the API checks again.
 */
export default async function UsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const principal = await requirePage("/users");
  const params = parseListUsersParams(await searchParams);
  if (!params.ok) {
    return <Problem title="This page address is not valid" detail={params.problems.join("; ")} />;
  }
  const { query } = params;
  let page;
  try {
    page = await getApp().listUsers(query, { principal, requestId: null, traceId: null });
  } catch (error) {
    // Matched by code, not class: the app was built by the server's copy of lib/ (decision 002).
    if (error instanceof Error && "code" in error && error.code === "INVALID_CURSOR") {
      return <Problem title="This page link has expired or is not valid" detail={error.message} />;
    }
    if (error instanceof Error && "code" in error && error.code === "FORBIDDEN") {
      return <Problem title="This view is not open to your role" detail={error.message} />;
    }
    throw error;
  }
  return (
    <Flex direction="column" gap="4">
      <Flex align="center" justify="between" gap="3" wrap="wrap">
        <Heading as="h1" size="6">
          Users
        </Heading>
        <Flex gap="3" wrap="wrap">
          {roleHas(principal.role, "users:write") && <CreateUserDialog mayAssignRole={roleHas(principal.role, "users:assign-role")} />}
          {roleHas(principal.role, "invitations:create") && <InviteUserDialog />}
        </Flex>
      </Flex>
      <UsersView
        initial={{
          query,
          page: {
            // As the API answers them (dates as ISO strings), since React Query goes on from this page.
            items: page.items.map(userJson),
            nextCursor: page.nextCursor,
            prevCursor: page.prevCursor,
            total: page.total,
          },
        }}
        permissions={{
          write: roleHas(principal.role, "users:write"),
          assignRole: roleHas(principal.role, "users:assign-role"),
          // Only an ADMIN may change, disable or delete an ADMIN (lib/domain/user-rules.ts).
          actOnAdmins: mayActOnRole(principal, "ADMIN"),
        }}
      />
    </Flex>
  );
}

/** What went wrong with the address, shown in place of the table (the page is the answer, not a crash). */
function Problem({ title, detail }: { title: string; detail: string }) {
  return (
    <Card asChild size="3">
      <section aria-labelledby="problem-title">
        <Flex direction="column" gap="3">
          <Heading as="h1" size="5" id="problem-title">
            {title}
          </Heading>
          <Callout.Root color="amber">
            <Callout.Text>{detail}</Callout.Text>
          </Callout.Root>
          <Text>
            <RadixLink asChild>
              <Link href="/users">Go to the first page of users</Link>
            </RadixLink>
          </Text>
        </Flex>
      </section>
    </Card>
  );
}
