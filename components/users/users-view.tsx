"use client";

import { Button, Callout, Card, Flex, Text } from "@radix-ui/themes";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { api } from "@/components/data/api";
import { USER_LISTS_KEY } from "@/components/data/query-keys";
import { LoadError } from "@/components/ui/load-error";
import { Pager } from "@/components/ui/pager";
import { UserBulkActions, type Selection } from "./user-bulk-actions";
import { useUserMutations } from "./user-mutations";
import { UserTable, type UserTablePermissions } from "./user-table";
import { filterKey, isFiltered, listingQueryString, useUsersListing } from "./users-listing";
import { UsersToolbar } from "./users-toolbar";
import { userPageResponse, type UserPageJson } from "@/lib/api-contract/users";
import type { UserListQuery } from "@/lib/domain/user-list";

const NOTHING: Selection = { all: false, ids: new Set() };

/**
 * The users table with everything around it (issue 7): toolbar, selection and bulk actions, pager. The view is
 * the address (components/users/users-listing.ts); each view's page comes from GET /api/v1/users through React Query,
 * the first one from the server's render (`initial`), so the first paint needs no request from the browser.
 * While the next page loads, the last one stays on screen, marked busy.
 */
export function UsersView({
  initial,
  permissions,
}: {
  initial: { query: UserListQuery; page: UserPageJson };
  permissions: UserTablePermissions;
}) {
  const { query, problems, navigate, toPage, pageHref } = useUsersListing(initial.query);
  const queryString = listingQueryString(query);
  const users = useQuery({
    queryKey: [...USER_LISTS_KEY, queryString],
    queryFn: ({ signal }) => api(queryString ? `/api/v1/users?${queryString}` : "/api/v1/users", userPageResponse, { signal }),
    initialData: queryString === listingQueryString(initial.query) ? initial.page : undefined,
    placeholderData: keepPreviousData,
  });
  const mutations = useUserMutations();

  // The selection belongs to one set of filters: another search or filter starts a new one (paging keeps it).
  const [selection, setSelection] = useState<Selection>(NOTHING);
  const [selectionFilter, setSelectionFilter] = useState(filterKey(query));
  if (filterKey(query) !== selectionFilter) {
    setSelectionFilter(filterKey(query));
    setSelection(NOTHING);
  }

  const page = users.data;
  const items = page?.items ?? [];
  const pageIds = items.map((user) => user.id);
  const selectedCount = selection.all ? (page?.total.count ?? 0) : selection.ids.size;
  const wholePageSelected = !selection.all && pageIds.length > 0 && pageIds.every((id) => selection.ids.has(id));

  const rowSelection = {
    isSelected: (id: string) => selection.all || selection.ids.has(id),
    toggle: (id: string) =>
      setSelection((current) => {
        // Unticking one of "all matching" keeps the rest of this page: the only "all but" the API takes is ids.
        const ids = new Set(current.all ? pageIds : current.ids);
        if (ids.has(id)) ids.delete(id);
        else ids.add(id);
        return { all: false, ids };
      }),
    setPage: (selected: boolean) =>
      setSelection((current) => {
        if (!selected && current.all) return NOTHING;
        const ids = new Set(current.all ? [] : current.ids);
        for (const id of pageIds) {
          if (selected) ids.add(id);
          else ids.delete(id);
        }
        return { all: false, ids };
      }),
  };

  return (
    <Flex direction="column" gap="3">
      <UsersToolbar query={query} onChange={navigate} />
      <Flex align="center" gap="3" wrap="wrap" minHeight="32px">
        <Text size="2" color="gray" role="status">
          {page ? describeTotal(page.total) : "Loading users…"}
        </Text>
        {permissions.write && selectedCount > 0 && page && (
          <Flex align="center" gap="3" wrap="wrap" className="selection-bar">
            <Text size="2" weight="medium">
              {selection.all
                ? `All ${describeTotal(page.total)} matching are selected.`
                : `${selection.ids.size.toLocaleString("en")} selected.`}
            </Text>
            {wholePageSelected && page.total.count > selection.ids.size && (
              <Button size="1" variant="ghost" onClick={() => setSelection({ all: true })}>
                Select all {describeTotal(page.total)} matching
              </Button>
            )}
            <Button size="1" variant="ghost" color="gray" onClick={() => setSelection(NOTHING)}>
              Clear selection
            </Button>
            <UserBulkActions
              selection={selection}
              count={selectedCount}
              countIsExact={!selection.all || page.total.exact}
              query={query}
              mayAssignRole={permissions.assignRole}
              onDone={() => setSelection(NOTHING)}
            />
          </Flex>
        )}
      </Flex>
      {problems && (
        <Callout.Root color="amber" role="alert">
          <Callout.Text>
            This address is not a valid view ({problems.join("; ")}); showing the last one that was.
          </Callout.Text>
        </Callout.Root>
      )}
      {users.isError && <LoadError error={users.error} what="Users" />}
      {page && items.length === 0 ? (
        <Card>
          <Flex direction="column" gap="2" align="start">
            <Text>{isFiltered(query) ? "No users match this search and these filters." : "There are no users yet: invite someone, or import a CSV."}</Text>
            {isFiltered(query) && (
              <Button variant="soft" onClick={() => navigate({ search: undefined, roles: undefined, statuses: undefined })}>
                Clear search and filters
              </Button>
            )}
          </Flex>
        </Card>
      ) : (
        page && (
          <UserTable
            users={items}
            sort={query.sort}
            onSort={(sort) => navigate({ sort })}
            permissions={permissions}
            selection={rowSelection}
            mutations={mutations}
            busy={users.isPlaceholderData}
          />
        )
      )}
      {page && (
        <Pager
          previous={page.prevCursor ? { href: pageHref(page.prevCursor), cursor: page.prevCursor } : null}
          next={page.nextCursor ? { href: pageHref(page.nextCursor), cursor: page.nextCursor } : null}
          onPage={(cursor) => {
            toPage(cursor);
            document.getElementById("main")?.scrollIntoView({ block: "start" });
          }}
        />
      )}
    </Flex>
  );
}

function describeTotal(total: UserPageJson["total"]): string {
  const count = total.count.toLocaleString("en");
  return `${total.exact ? "" : "about "}${count} ${total.count === 1 ? "user" : "users"}`;
}
