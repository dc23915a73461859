import type { User } from "@/lib/domain/user";

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export function UserTable({ users }: { users: readonly User[] }) {
  if (users.length === 0) {
    return <p className="muted" style={{ padding: "1rem" }}>No users on this page.</p>;
  }
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Email</th>
          <th scope="col">Role</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr key={user.id}>
            <td>{user.name}</td>
            <td>{user.email}</td>
            <td>{user.role.toLowerCase()}</td>
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
