import { listUsersParams } from "../../api-contract/list-users-params";
import { etagOf, expectedVersionOf, noneMatchHits, userJson } from "../representations";
import { json, noContent, route } from "../route";
import {
  clearedSignInFailuresResponse,
  createUserBody,
  idempotencyKey,
  idParams,
  patchUserBody,
  userPageResponse,
  userResponse,
  userStatsResponse,
} from "../../api-contract";
import { parseInput } from "../read-body";
import { IF_MATCH_NOTE, NO_ADMIN_BY_TOKEN } from "../api-docs";

/** GET /api/v1/users: a page of users by opaque cursor, filtered, searched and sorted, with the listing's total. */
export const listUsers = route({
  method: "GET",
  path: "/api/v1/users",
  access: "users:read",
  summary: "List users",
  description:
    "One page of users, filtered (`q`, repeatable `role` and `status`), sorted (`sort`, `-` for descending) and " +
    "paged by opaque cursor, with the total of the whole listing. `includeDeleted` needs the users:read-deleted " +
    "permission.",
  tag: "Users",
  responses: { "200": { description: "A page of users", schema: userPageResponse } },
  errors: ["INVALID_CURSOR"],
  query: listUsersParams,
  async handler({ app, query, caller }) {
    const page = await app.listUsers(query, caller());
    return json({ items: page.items.map(userJson), nextCursor: page.nextCursor, prevCursor: page.prevCursor, total: page.total });
  },
});

/** POST /api/v1/users: creates a user; with Idempotency-Key, a retry replays the first answer. */
export const createUser = route({
  method: "POST",
  path: "/api/v1/users",
  access: "users:write",
  summary: "Create a user",
  description:
    "With an `Idempotency-Key`, a retry of the same request answers the first result again (with " +
    "`Idempotent-Replayed: true`) instead of creating a second user; the same key with a different body is 422. " +
    NO_ADMIN_BY_TOKEN,
  tag: "Users",
  responses: {
    "201": { description: "Created", schema: userResponse, headers: ["Location", "ETag", "Idempotent-Replayed"] },
  },
  errors: ["USER_EMAIL_TAKEN", "IDEMPOTENCY_KEY_REUSED"],
  requestHeaders: ["Idempotency-Key"],
  body: createUserBody,
  async handler({ app, request, body, caller }) {
    const header = request.headers.get("idempotency-key");
    const key = header === null ? undefined : parseInput(idempotencyKey, header, "Idempotency-Key header");
    const { user, replayed } = await app.createUser(body, { idempotencyKey: key }, caller());
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
  access: "users:read",
  summary: "Get a user",
  description: "With `If-None-Match` naming the current ETag, 304 without a body.",
  tag: "Users",
  responses: {
    "200": { description: "The user", schema: userResponse, headers: ["ETag"] },
    "304": { description: "Not modified since the ETag sent", headers: ["ETag"] },
  },
  errors: ["USER_NOT_FOUND"],
  requestHeaders: ["If-None-Match"],
  params: idParams,
  async handler({ app, request, params, caller }) {
    const user = await app.getUser(params.id, caller());
    const etag = etagOf(user);
    if (noneMatchHits(request, etag)) return new Response(null, { status: 304, headers: { etag } });
    return json(userJson(user), { headers: { etag } });
  },
});

/** PATCH /api/v1/users/{id}: a JSON merge patch of name, role, status; If-Match required. */
export const patchUser = route({
  method: "PATCH",
  path: "/api/v1/users/[id]",
  access: "users:write",
  summary: "Update a user",
  description: `A JSON merge patch (RFC 7396) of name, role and status. ${NO_ADMIN_BY_TOKEN} ${IF_MATCH_NOTE}`,
  tag: "Users",
  responses: { "200": { description: "The updated user", schema: userResponse, headers: ["ETag"] } },
  errors: ["USER_NOT_FOUND", "USER_VERSION_CONFLICT", "PRECONDITION_REQUIRED", "LAST_ADMIN"],
  requestHeaders: ["If-Match"],
  bodyTypes: ["application/merge-patch+json", "application/json"],
  params: idParams,
  body: patchUserBody,
  async handler({ app, params, body, request, caller }) {
    const expectedVersion = expectedVersionOf(request);
    const user = await app.updateUser(params.id, body, { expectedVersion }, caller());
    return json(userJson(user), { headers: { etag: etagOf(user) } });
  },
});

/** DELETE /api/v1/users/{id}: soft delete; If-Match required. */
export const deleteUser = route({
  method: "DELETE",
  path: "/api/v1/users/[id]",
  access: "users:write",
  summary: "Delete a user",
  description: `A soft delete: the user can be restored, and their sessions end. ${IF_MATCH_NOTE}`,
  tag: "Users",
  responses: { "204": { description: "Deleted" } },
  errors: ["USER_NOT_FOUND", "USER_VERSION_CONFLICT", "PRECONDITION_REQUIRED", "LAST_ADMIN"],
  requestHeaders: ["If-Match"],
  params: idParams,
  async handler({ app, params, request, caller }) {
    const expectedVersion = expectedVersionOf(request);
    await app.deleteUser(params.id, { expectedVersion }, caller());
    return noContent();
  },
});

/** POST /api/v1/users/{id}/restore */
export const restoreUser = route({
  method: "POST",
  path: "/api/v1/users/[id]/restore",
  access: "users:write",
  summary: "Restore a deleted user",
  description: NO_ADMIN_BY_TOKEN,
  tag: "Users",
  responses: { "200": { description: "The user, as before the delete", schema: userResponse, headers: ["ETag"] } },
  errors: ["USER_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    const user = await app.restoreUser(params.id, caller());
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
  // From a browser session only: a leaked token must not lift the throttle on an account it is guessing at.
  access: "users:clear-sign-in-failures",
  tokens: false,
  summary: "Clear an account's failed sign-ins",
  description:
    "Deletes the account's recorded sign-in failures, lifting the delay that strangers' failed attempts put on " +
    "signing in to it from a new browser. Client addresses keep their own limits. Audited as " +
    "`user.sign_in_failures_cleared`. Browser sessions only: an API token may not call it.",
  tag: "Users",
  responses: { "200": { description: "How many failures were cleared", schema: clearedSignInFailuresResponse } },
  errors: ["USER_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    return json(await app.clearSignInFailures(params.id, caller()));
  },
});

/** GET /api/v1/users/stats: the dashboard's charts: signups per day (90 days), users by status and by role. */
export const getUserStats = route({
  method: "GET",
  path: "/api/v1/users/stats",
  // Counts, not people: what the listing's totals already tell anyone who may list users.
  access: "users:read",
  summary: "Users in numbers",
  description:
    "What the dashboard charts: signups per day over the last 90 days (UTC), and users (not deleted) by status " +
    "and by role, exact at any size: a read model the database keeps with each change (decision 018).",
  tag: "Users",
  responses: { "200": { description: "The numbers", schema: userStatsResponse } },
  async handler({ app, caller }) {
    return json(await app.getUserStats(caller()));
  },
});
