import { getApp } from "../../app-registry";
import { listUsersParams } from "../list-users-params";
import { DEFAULT_USER_SORT } from "../../domain/user-list";
import { etagOf, expectedVersionOf, userJson } from "../representations";
import { json, noContent, route } from "../route";
import { idParams, patchUserBody } from "../schemas";

/** GET /api/v1/users: one page of users, newest first, by opaque cursor. (Filters and sorts: issue 5.) */
export const listUsers = route({
  method: "GET",
  path: "/api/v1/users",
  query: listUsersParams,
  async handler({ query, caller }) {
    const page = await getApp().listUsers({ sort: DEFAULT_USER_SORT, limit: query.limit, cursor: query.cursor }, caller().signal);
    return json({ items: page.items.map(userJson), nextCursor: page.nextCursor, prevCursor: page.prevCursor });
  },
});

/** GET /api/v1/users/{id} */
export const getUser = route({
  method: "GET",
  path: "/api/v1/users/[id]",
  params: idParams,
  async handler({ params, caller }) {
    const user = await getApp().getUser(params.id, caller().signal);
    return json(userJson(user), { headers: { etag: etagOf(user) } });
  },
});

/** PATCH /api/v1/users/{id}: name, role, status; If-Match required. */
export const patchUser = route({
  method: "PATCH",
  path: "/api/v1/users/[id]",
  params: idParams,
  body: patchUserBody,
  async handler({ params, body, request, caller }) {
    const expectedVersion = expectedVersionOf(request);
    const user = await getApp().updateUser(params.id, body, { expectedVersion }, caller());
    return json(userJson(user), { headers: { etag: etagOf(user) } });
  },
});

/** DELETE /api/v1/users/{id}: soft delete; If-Match required. */
export const deleteUser = route({
  method: "DELETE",
  path: "/api/v1/users/[id]",
  params: idParams,
  async handler({ params, request, caller }) {
    const expectedVersion = expectedVersionOf(request);
    await getApp().deleteUser(params.id, { expectedVersion }, caller());
    return noContent();
  },
});

/** POST /api/v1/users/{id}/restore */
export const restoreUser = route({
  method: "POST",
  path: "/api/v1/users/[id]/restore",
  params: idParams,
  async handler({ params, caller }) {
    const user = await getApp().restoreUser(params.id, caller());
    return json(userJson(user), { headers: { etag: etagOf(user) } });
  },
});
