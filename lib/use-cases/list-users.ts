import type { User } from "../domain/user";
import type { Page, UserListQuery } from "../domain/user-list";
import type { UnitOfWork } from "../ports/unit-of-work";

export type ListUsers = (query: UserListQuery, signal?: AbortSignal) => Promise<Page<User>>;

export function makeListUsers({ unitOfWork }: { unitOfWork: UnitOfWork }): ListUsers {
  return (query, signal) => unitOfWork.run(({ users }) => users.list(query), { signal });
}
