import type { Metadata } from "next";
import Link from "next/link";

import { Pager } from "@/components/pager";
import { UserTable } from "@/components/user-table";
import { getApp } from "@/lib/app-registry";
import type { UserSort } from "@/lib/domain/user-list";
import { DEFAULT_PAGE_SIZE, parseListUsersParams } from "@/lib/http/list-users-params";

export const metadata: Metadata = { title: "Users" };

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * The first page of users, rendered on the server through the use case (page -> use case -> port -> Prisma
 * -> database), with cursor links to the next and previous pages. Awaiting searchParams makes the page
 * dynamic: it is rendered per request, never prerendered at build time (when no database is open).
 */
export default async function UsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = parseListUsersParams(await searchParams);
  if (!params.ok) {
    return <Problem title="This page address is not valid" detail={params.problems.join("; ")} />;
  }
  const { query } = params;
  let page;
  try {
    page = await getApp().listUsers(query);
  } catch (error) {
    // Matched by code, not class: the app was built by the server's copy of lib/ (decision 002).
    if (error instanceof Error && "code" in error && error.code === "INVALID_CURSOR") {
      return <Problem title="This page link has expired or is not valid" detail={error.message} />;
    }
    throw error;
  }
  // A page size other than the default travels with the cursor, so paging keeps it.
  const href = (cursor: string | null) =>
    cursor === null
      ? null
      : `/users?${new URLSearchParams({ cursor, ...(query.limit === DEFAULT_PAGE_SIZE ? {} : { limit: String(query.limit) }) })}`;

  return (
    <>
      <div className="page-title">
        <h1>Users</h1>
        <p className="muted">
          {describeSort(query.sort)} · {query.limit} per page
        </p>
      </div>
      <div className="panel">
        <UserTable users={page.items} sort={query.sort} />
      </div>
      <Pager previous={href(page.prevCursor)} next={href(page.nextCursor)} />
    </>
  );
}

function describeSort({ field, direction }: UserSort): string {
  if (field === "createdAt") return direction === "desc" ? "Newest first" : "Oldest first";
  return `By ${field}, ${direction === "asc" ? "A to Z" : "Z to A"}`;
}

/** What went wrong with the address, shown in place of the table (the page is the answer, not a crash). */
function Problem({ title, detail }: { title: string; detail: string }) {
  return (
    <section className="notice" aria-labelledby="problem-title">
      <h1 id="problem-title">{title}</h1>
      <p className="muted">{detail}</p>
      <Link href="/users">Go to the first page of users</Link>
    </section>
  );
}
