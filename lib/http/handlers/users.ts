import { getApp } from "../../app-registry";
import { listUsersParams } from "../../api-contract/list-users-params";
import { etagOf, expectedVersionOf, noneMatchHits, userJson } from "../representations";
import { json, noContent, route } from "../route";
import { createUserBody, idempotencyKey, idParams, patchUserBody } from "../../api-contract";
import { parseInput } from "../read-body";

/** GET /api/v1/users: a page of users by opaque cursor, filtered, searched and sorted, with the listing's total. */
export const listUsers = route({
  method: "GET",
  path: "/api/v1/users",
  query: listUsersParams,
  async handler({ query, caller }) {
    const page = await getApp().listUsers(query, caller());
    return json({ items: page.items.map(userJson), nextCursor: page.nextCursor, prevCursor: page.prevCursor, total: page.total });
  },
});

/** POST /api/v1/users: creates a user; with Idempotency-Key, a retry replays the first answer. */
export const createUser = route({
  method: "POST",
  path: "/api/v1/users",
  body: createUserBody,
  async handler({ request, body, caller }) {
    const header = request.headers.get("idempotency-key");
    const key = header === null ? undefined : parseInput(idempotencyKey, header, "Idempotency-Key header");
    const { user, replayed } = await getApp().createUser(body, { idempotencyKey: key }, caller());
    return json(userJson(user), {
      status: 201,
      headers: {
        location: `/api/v1/users/${user.id}`,
        etag: etagOf(user),
        ...(replayed && { "idempotent-replayed": "true" }),
      },
    });
  },
});

/** GET /api/v1/users/{id}: with If-None-Match naming the current ETag, 304 and no body. */
export const getUser = route({
  method: "GET",
  path: "/api/v1/users/[id]",
  params: idParams,
  async handler({ request, params, caller }) {
    const user = await getApp().getUser(params.id, caller().signal);
    const etag = etagOf(user);
    if (noneMatchHits(request, etag)) return new Response(null, { status: 304, headers: { etag } });
    return json(userJson(user), { headers: { etag } });
  },
});

/** PATCH /api/v1/users/{id}: a JSON merge patch of name, role, status; If-Match required. */
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

/**
 * DELETE /api/v1/users/{id}/sign-in-failures: an ADMIN lifts the sign-in delay strangers' failed attempts put on
 * the account (issue 18), so its owner can sign in from any browser at once.
 */
export const clearSignInFailures = route({
  method: "DELETE",
  path: "/api/v1/users/[id]/sign-in-failures",
  params: idParams,
  async handler({ params, caller }) {
    return json(await getApp().clearSignInFailures(params.id, caller()));
  },
});

/** GET /api/v1/users/stats: the dashboard's charts: signups per day (90 days), users by status and by role. */
export const getUserStats = route({
  method: "GET",
  path: "/api/v1/users/stats",
  async handler({ caller }) {
    return json(await getApp().getUserStats({ signal: caller().signal }));
  },
});
