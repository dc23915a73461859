"use client";

import { ArrowDownIcon, ArrowUpIcon } from "@radix-ui/react-icons";
import { Badge, Checkbox, Link as RadixLink, Table, VisuallyHidden } from "@radix-ui/themes";
import Link from "next/link";
import { useRef } from "react";
import { useHotkeys } from "react-hotkeys-hook";

import { capitalize } from "@/components/ui/format";
import type { useUserMutations } from "./user-mutations";
import { UserRowActions } from "./user-row-actions";
import { UserTableRoot } from "./user-table-root";
import type { UserJson } from "@/lib/api-contract/users";
import type { UserSort, UserSortField } from "@/lib/domain/user-list";

// UTC and a fixed locale: the first paint is rendered on the server, and it must read the same for every viewer.
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

const COLUMNS: { label: string; sortField?: UserSortField }[] = [
  { label: "Name", sortField: "name" },
  { label: "Email", sortField: "email" },
  { label: "Role" },
  { label: "Status" },
  { label: "Created", sortField: "createdAt" },
];

const STATUS_COLOR = { ACTIVE: "green", DISABLED: "red", INVITED: "amber" } as const;

export interface UserTablePermissions {
  /** users:write: disable, enable, delete, and bulk actions (so selection). */
  write: boolean;
  /** users:assign-role: change roles. */
  assignRole: boolean;
  /** Whether rows of ADMINs get actions at all. */
  actOnAdmins: boolean;
}

export interface RowSelection {
  isSelected: (id: string) => boolean;
  toggle: (id: string) => void;
  /** Selects (true) or clears (false) every row on this page. */
  setPage: (selected: boolean) => void;
}

/**
 * One page of users as a real table. Sortable columns are buttons in their headers, and the sorted one says so
 * to assistive technology (aria-sort). With users:write, each row has a checkbox (for the bulk actions) and a
 * menu of actions, the menu only where this role may change that user. `j`/`k` move the focus to the next or
 * previous user's name, so Enter opens them (the shortcut list, `?`, names these).
 */
export function UserTable({
  users,
  sort,
  onSort,
  permissions,
  selection,
  mutations,
  busy,
}: {
  users: readonly UserJson[];
  sort: UserSort;
  onSort: (sort: UserSort) => void;
  permissions: UserTablePermissions;
  selection: RowSelection;
  mutations: ReturnType<typeof useUserMutations>;
  /** A new page is on its way: the rows shown are the previous page's. */
  busy: boolean;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  const moveFocus = (step: 1 | -1) => {
    const links = [...(body.current?.querySelectorAll<HTMLAnchorElement>("a[data-row-link]") ?? [])];
    if (links.length === 0) return;
    const current = links.findIndex((link) => link === document.activeElement);
    const next = current === -1 ? (step === 1 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, current + step));
    links[next]?.focus();
  };
  useHotkeys("j", () => moveFocus(1));
  useHotkeys("k", () => moveFocus(-1));

  const selectedOnPage = users.filter((user) => selection.isSelected(user.id)).length;
  return (
    <UserTableRoot busy={busy}>
      <Table.Header>
        <Table.Row>
          {permissions.write && (
            <Table.ColumnHeaderCell width="1">
              <Checkbox
                aria-label="Select every user on this page"
                checked={selectedOnPage === 0 ? false : selectedOnPage === users.length ? true : "indeterminate"}
                onCheckedChange={(checked) => selection.setPage(checked === true)}
              />
            </Table.ColumnHeaderCell>
          )}
          {COLUMNS.map(({ label, sortField }) => {
            const sorted = sortField === sort.field;
            return (
              <Table.ColumnHeaderCell
                key={label}
                scope="col"
                aria-sort={sorted ? (sort.direction === "asc" ? "ascending" : "descending") : undefined}
              >
                {sortField ? (
                  <button
                    type="button"
                    className="sort-button"
                    onClick={() => onSort(nextSort(sort, sortField))}
                    title={`Sort by ${label.toLowerCase()}`}
                  >
                    {label}
                    {sorted && (sort.direction === "asc" ? <ArrowUpIcon aria-hidden /> : <ArrowDownIcon aria-hidden />)}
                  </button>
                ) : (
                  label
                )}
              </Table.ColumnHeaderCell>
            );
          })}
          {permissions.write && (
            <Table.ColumnHeaderCell scope="col">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.ColumnHeaderCell>
          )}
        </Table.Row>
      </Table.Header>
      <Table.Body ref={body}>
        {users.map((user) => {
          const selected = selection.isSelected(user.id);
          return (
            <Table.Row key={user.id} align="center" data-selected={selected || undefined}>
              {permissions.write && (
                <Table.Cell>
                  <Checkbox aria-label={`Select ${user.name}`} checked={selected} onCheckedChange={() => selection.toggle(user.id)} />
                </Table.Cell>
              )}
              <Table.Cell>
                <RadixLink asChild>
                  {/* Not prefetched: that would be one server render (and database read) per row for every page shown. */}
                  <Link href={`/users/${encodeURIComponent(user.id)}`} prefetch={false} data-row-link="">
                    {user.name}
                  </Link>
                </RadixLink>
              </Table.Cell>
              <Table.Cell>{user.email}</Table.Cell>
              <Table.Cell>{capitalize(user.role)}</Table.Cell>
              <Table.Cell>
                <Badge color={STATUS_COLOR[user.status]} variant="soft">
                  {capitalize(user.status)}
                </Badge>
              </Table.Cell>
              <Table.Cell>
                <time dateTime={user.createdAt}>{dateFormat.format(new Date(user.createdAt))}</time>
              </Table.Cell>
              {permissions.write && (
                <Table.Cell justify="end">
                  {(permissions.actOnAdmins || user.role !== "ADMIN") && (
                    <UserRowActions user={user} mayAssignRole={permissions.assignRole} mutations={mutations} />
                  )}
                </Table.Cell>
              )}
            </Table.Row>
          );
        })}
      </Table.Body>
    </UserTableRoot>
  );
}

/** A click on the sorted column turns it round; on another, sorts by it: dates newest first, text A to Z. */
function nextSort(current: UserSort, field: UserSortField): UserSort {
  if (current.field === field) return { field, direction: current.direction === "asc" ? "desc" : "asc" };
  return { field, direction: field === "createdAt" ? "desc" : "asc" };
}
