import { Badge, Card, Link as RadixLink, Table, Text, VisuallyHidden } from "@radix-ui/themes";
import Link from "next/link";

import type { User } from "@/lib/domain/user";
import type { UserSort, UserSortField } from "@/lib/domain/user-list";

import { UserRowActions } from "./user-row-actions";
import { UserTableRoot } from "./user-table-root";

// UTC and a fixed locale: the server renders the date, and it must read the same for every viewer and test.
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
  /** users:write: disable, enable, delete. */
  write: boolean;
  /** users:assign-role: change roles. */
  assignRole: boolean;
  /** Whether rows of ADMINs get actions at all. */
  actOnAdmins: boolean;
}

/**
 * One page of users as a real table; the sorted column says so to assistive technology (aria-sort). The
 * actions column exists only for roles that may change users, and a row has actions only when this role may
 * change that user. Each name leads to the user's page; how dense the rows are is a flag (UserTableRoot).
 */
export function UserTable({
  users,
  sort,
  permissions,
}: {
  users: readonly User[];
  sort: UserSort;
  permissions: UserTablePermissions;
}) {
  if (users.length === 0) {
    return (
      <Card>
        <Text color="gray">No users on this page.</Text>
      </Card>
    );
  }
  return (
    <UserTableRoot>
      <Table.Header>
        <Table.Row>
          {COLUMNS.map(({ label, sortField }) => (
            <Table.ColumnHeaderCell
              key={label}
              scope="col"
              aria-sort={sortField === sort.field ? (sort.direction === "asc" ? "ascending" : "descending") : undefined}
            >
              {label}
            </Table.ColumnHeaderCell>
          ))}
          {permissions.write && (
            <Table.ColumnHeaderCell scope="col">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.ColumnHeaderCell>
          )}
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {users.map((user) => (
          <Table.Row key={user.id} align="center">
            <Table.Cell>
              <RadixLink asChild>
                <Link href={`/users/${encodeURIComponent(user.id)}`}>{user.name}</Link>
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
              <time dateTime={user.createdAt.toISOString()}>{dateFormat.format(user.createdAt)}</time>
            </Table.Cell>
            {permissions.write && (
              <Table.Cell justify="end">
                {(permissions.actOnAdmins || user.role !== "ADMIN") && (
                  <UserRowActions
                    user={{ id: user.id, name: user.name, email: user.email, role: user.role, status: user.status, version: user.version }}
                    mayAssignRole={permissions.assignRole}
                  />
                )}
              </Table.Cell>
            )}
          </Table.Row>
        ))}
      </Table.Body>
    </UserTableRoot>
  );
}

function capitalize(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
