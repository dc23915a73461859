import type { User } from "@/lib/domain/user";
import type { UserSort, UserSortField } from "@/lib/domain/user-list";

// UTC and a fixed locale: the server renders the date, and it must read the same for every viewer and test.
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

const COLUMNS: { label: string; sortField?: UserSortField }[] = [
  { label: "Name", sortField: "name" },
  { label: "Email", sortField: "email" },
  { label: "Role" },
  { label: "Status" },
  { label: "Created", sortField: "createdAt" },
];

/** One page of users as a real table; the sorted column says so to assistive technology (aria-sort). */
export function UserTable({ users, sort }: { users: readonly User[]; sort: UserSort }) {
  if (users.length === 0) {
    return <p className="empty muted">No users on this page.</p>;
  }
  return (
    <table>
      <thead>
        <tr>
          {COLUMNS.map(({ label, sortField }) => (
            <th
              key={label}
              scope="col"
              aria-sort={sortField === sort.field ? (sort.direction === "asc" ? "ascending" : "descending") : undefined}
            >
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr key={user.id}>
            <td>{user.name}</td>
            <td>{user.email}</td>
            <td className="role">{user.role.toLowerCase()}</td>
            <td>
              <span className={`badge badge-${user.status}`}>{user.status.toLowerCase()}</span>
            </td>
            <td>
              <time dateTime={user.createdAt.toISOString()}>{dateFormat.format(user.createdAt)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
