import { getApp } from "../../app-registry";
import { BULK_DEADLINE_FACTOR } from "../../domain/user-bulk";
import { json, route } from "../route";
import { bulkRequestOf, bulkUsersBody } from "../../api-contract";

/**
 * POST /api/v1/users/bulk: disable, enable, delete, restore or set the role of the users listed by id or matching
 * a filter; per user, the same rules and audit as one at a time. 200 with the counts and each user who failed.
 */
export const bulkUpdateUsers = route({
  method: "POST",
  path: "/api/v1/users/bulk",
  body: bulkUsersBody,
  deadline: (requestTimeoutMs) => requestTimeoutMs * BULK_DEADLINE_FACTOR,
  async handler({ body, caller }) {
    const { command, selection } = bulkRequestOf(body);
    return json(await getApp().bulkUpdateUsers(command, selection, caller()));
  },
});
