/** Bulk changes of users (issue 6): POST /api/v1/users/bulk. */
import * as z from "../domain/zod";

import { ROLES, USER_STATUSES } from "../domain/user";
import { BULK_ACTIONS, MAX_BULK_IDS, type BulkAction, type BulkCommand, type BulkSelection } from "../domain/user-bulk";
import { requestedRole } from "./common";
import { PROBLEM_CODES } from "./problem";

const bulkIds = z
  .array(z.uuid("Each id must be a user id (a UUID)"))
  .check(
    z.minLength(1, "Send at least one id"),
    z.maxLength(MAX_BULK_IDS, `Send at most ${MAX_BULK_IDS} ids; select more with filter`),
    z.meta({ description: `The users' ids, 1 to ${MAX_BULK_IDS}` }),
  );

/** The filters of GET /api/v1/users (./list-users-params.ts), as JSON: arrays and a boolean. */
const bulkFilter = z
  .strictObject({
    q: z.optional(z.string().check(z.maxLength(200, "q must be at most 200 characters"))),
    role: z.optional(z.array(requestedRole).check(z.maxLength(10))),
    status: z.optional(z.array(z.enum(USER_STATUSES)).check(z.maxLength(10))),
    includeDeleted: z.optional(z.boolean()).check(z.meta({ description: "Needs users:read-deleted, as for the listing" })),
  })
  .check(z.meta({ description: "Every user GET /api/v1/users would list with these filters, across all pages" }));

const plainBulkAction = z.enum(["disable", "enable", "delete", "restore"] as const satisfies readonly Exclude<BulkAction, "set-role">[]);
const ROLE_ONLY_FOR_SET_ROLE = "role goes with the action set-role only";
/** A stray `role` leaves only this alternative in the running, so zod reports its own issue: make it say why. */
const plainBulkBody = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" && issue.keys.includes("role") ? ROLE_ONLY_FOR_SET_ROLE : undefined),
  });

/**
 * POST /api/v1/users/bulk: an action and either `ids` or `filter`; `role` with set-role only. Four exact
 * alternatives, so the OpenAPI document (and anything generated from it) says precisely what is accepted; a
 * body matching none is answered with what is wrong with it in the alternative it was closest to.
 */
export const bulkUsersBody = z.union(
  [
    plainBulkBody({ action: plainBulkAction, ids: bulkIds }),
    plainBulkBody({ action: plainBulkAction, filter: bulkFilter }),
    z.strictObject({ action: z.literal("set-role"), role: requestedRole, ids: bulkIds }),
    z.strictObject({ action: z.literal("set-role"), role: requestedRole, filter: bulkFilter }),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? bulkBodyProblem(issue.input, issue.errors) : undefined) },
);

/**
 * A bulk body as the use case takes it. Not a `.transform` of the schema: the OpenAPI document names request
 * bodies as components, which zod-openapi cannot render from a transform.
 */
export function bulkRequestOf(body: z.infer<typeof bulkUsersBody>): { command: BulkCommand; selection: BulkSelection } {
  return {
    command: body.action === "set-role" ? { action: body.action, role: body.role } : { action: body.action },
    selection:
      "ids" in body
        ? { ids: body.ids }
        : {
            filter: {
              search: body.filter.q,
              roles: body.filter.role,
              statuses: body.filter.status,
              includeDeleted: body.filter.includeDeleted,
            },
          },
  };
}

/** What is wrong with a bulk body that fits none of the alternatives (zod's own message would be "Invalid input"). */
function bulkBodyProblem(input: unknown, alternatives: readonly (readonly z.core.$ZodIssue[])[]): string {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return 'Send an object: {"action": ..., "ids": [...]} or {"action": ..., "filter": {...}}';
  }
  const action = "action" in input ? input.action : undefined;
  if (!BULK_ACTIONS.some((known) => known === action)) return `action must be one of ${BULK_ACTIONS.join(", ")}`;
  const byIds = "ids" in input;
  if (byIds === ("filter" in input)) {
    return byIds
      ? "Send ids or filter, not both"
      : "Send ids (the users' ids) or filter (the filters of GET /api/v1/users: q, role, status, includeDeleted)";
  }
  if (action === "set-role" && !("role" in input)) return `set-role needs role: one of ${ROLES.join(", ")}`;
  if (action !== "set-role" && "role" in input) return ROLE_ONLY_FOR_SET_ROLE;
  const closest = alternatives[(action === "set-role" ? 2 : 0) + (byIds ? 0 : 1)] ?? [];
  const problems = closest.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message));
  return problems.length > 0 ? problems.join("; ") : "Invalid body";
}

/** POST /users/bulk (lib/domain/user-bulk.ts BulkResult). */
export const bulkUsersResponse = z
  .strictObject({
    matched: z.int().check(z.minimum(0), z.meta({ description: "Users the ids named (each once) or the filter matched" })),
    succeeded: z.int().check(z.minimum(0), z.meta({ description: "Changed, each with an audit entry of its own" })),
    skipped: z.int().check(
      z.minimum(0),
      z.meta({
        description: "Already as the action would leave them: nothing written or audited (so a repeated call is harmless)",
      }),
    ),
    failed: z
      .array(
        z.strictObject({
          id: z.string(),
          email: z
            .optional(z.string())
            .check(z.meta({ description: "Absent for an unknown id, and for a deleted user unless you may list those" })),
          code: z.enum(PROBLEM_CODES).check(
            z.meta({
              description: "Why this user was left as they were: FORBIDDEN, LAST_ADMIN, USER_NOT_FOUND, USER_VERSION_CONFLICT, ...",
            }),
          ),
          message: z.string(),
        }),
      )
      .check(z.meta({ description: "The users whose change failed and was undone; everyone else's committed" })),
  })
  .check(z.meta({ id: "BulkResult" }));

export type BulkResultJson = z.output<typeof bulkUsersResponse>;
