import { BULK_DEADLINE_FACTOR, MAX_BULK_FILTER_USERS, MAX_BULK_IDS } from "../../domain/user-bulk";
import { json, route } from "../route";
import { bulkRequestOf, bulkUsersBody, bulkUsersResponse } from "../../api-contract";

/**
 * POST /api/v1/users/bulk: disable, enable, delete, restore or set the role of the users listed by id or matching
 * a filter; per user, the same rules and audit as one at a time. 200 with the counts and each user who failed.
 */
export const bulkUpdateUsers = route({
  method: "POST",
  path: "/api/v1/users/bulk",
  // Per user, the same rules as one at a time (user-rules.ts); set-role needs users:assign-role: use-cases/bulk-update-users.ts.
  access: "users:write",
  summary: "Change many users at once",
  description:
    "`action` (`disable`, `enable`, `delete`, `restore`, or `set-role` with `role`) for the users listed in `ids` " +
    `(1 to ${MAX_BULK_IDS}) or for every user matching \`filter\`: the filters of List users (\`q\`, \`role\`, ` +
    "`status`, `includeDeleted`), across all pages. Each user gets the same rules and audit entry as changing them " +
    "one at a time; one whose change is refused (`FORBIDDEN`: an EDITOR and an ADMIN; `LAST_ADMIN`; " +
    "`USER_NOT_FOUND`; `USER_VERSION_CONFLICT`: changed meanwhile) is left as they were and listed in `failed` " +
    "with the reason, and the others are changed. Users already as the action would leave them are counted in " +
    `\`skipped\`. A filter may match at most ${MAX_BULK_FILTER_USERS.toLocaleString("en-US")} users (else 422 ` +
    "`BULK_LIMIT_EXCEEDED`, and nothing is changed: narrow it). Users are changed in chunks, one transaction each, " +
    `so a call cut short by its deadline (${BULK_DEADLINE_FACTOR} request deadlines: ${BULK_DEADLINE_FACTOR * 5} s by default) or by the ` +
    "client keeps the chunks " +
    "already done: repeat it to finish. `set-role` needs users:assign-role; `includeDeleted` users:read-deleted. " +
    "An API token's `set-role` to ADMIN is refused whole (403), and its `enable` or `restore` of an ADMIN is " +
    "`FORBIDDEN` for that user.",
  tag: "Users",
  responses: { "200": { description: "What was done, and to whom it could not be", schema: bulkUsersResponse } },
  errors: ["BULK_LIMIT_EXCEEDED"],
  body: bulkUsersBody,
  deadline: (requestTimeoutMs) => requestTimeoutMs * BULK_DEADLINE_FACTOR,
  async handler({ app, body, caller }) {
    const { command, selection } = bulkRequestOf(body);
    return json(await app.bulkUpdateUsers(command, selection, caller()));
  },
});
