import type { Metadata } from "next";
import Link from "next/link";

import { Pager } from "@/components/pager";
import { UserTable } from "@/components/user-table";
import { getApp } from "@/lib/app-registry";
import { parseListUsersParams } from "@/lib/http/list-users-params";

export const metadata: Metadata = { title: "Users" };

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * The first page of users, rendered on the server through the use case (page -> use case -> port -> Prisma
 * -> database), with cursor links to the next and previous pages. Reading searchParams makes it dynamic.
 */
export default async function UsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = parseListUsersParams(await searchParams);
  if (!params.ok) {
    return <Problem title="This page address is not valid" detail={params.problems.join("; ")} />;
  }
  let page;
  try {
    page = await getApp().listUsers(params.query);
  } catch (error) {
    // Matched by code, not class: the app was built by the server's copy of lib/ (decision 002).
    if (error instanceof Error && "code" in error && error.code === "INVALID_CURSOR") {
      return <Problem title="This page link has expired or is not valid" detail={error.message} />;
    }
    throw error;
  }
  const limit = params.query.limit;
  const href = (cursor: string | null) =>
    cursor === null ? null : `/users?${new URLSearchParams({ cursor, ...(limit === 20 ? {} : { limit: String(limit) }) })}`;

  return (
    <>
      <h1>Users</h1>
      <div className="panel">
        <UserTable users={page.items} />
      </div>
      <Pager previous={href(page.prevCursor)} next={href(page.nextCursor)} />
    </>
  );
}

function Problem({ title, detail }: { title: string; detail: string }) {
  return (
    <div className="notice" role="alert">
      <h1>{title}</h1>
      <p className="muted">{detail}</p>
      <Link href="/users">Go to the first page of users</Link>
    </div>
  );
}
