/**
 * Users: /api/v1/users and below (the listing's query string is ./list-users-params.ts). Request bodies are
 * strict: an unknown field is an error, not silently dropped.
 */
import { z } from "zod";

import { ROLES, USER_STATUSES } from "../domain/user";
import { BULK_ACTIONS, MAX_BULK_IDS, type BulkAction, type BulkCommand, type BulkSelection } from "../domain/user-bulk";
import { auditEventPageResponse } from "./audit";
import { requestedRole, role, timestamp } from "./common";
import { userFlagsResponse } from "./flags";
import { PROBLEM_CODES } from "./problem";

export const userEmail = z.email("Enter an email address").max(320);
export const userName = z.string().trim().min(1, "Enter a name").max(200);

export const createUserBody = z
  .strictObject({
    email: userEmail,
    name: userName,
    role: requestedRole.default("VIEWER"),
    // INVITED is where invitations put people, not a status anyone sets.
    status: z.enum(["ACTIVE", "DISABLED"]).default("ACTIVE"),
  })
  .meta({ example: { email: "grace@example.com", name: "Grace Hopper", role: "VIEWER" } });

/** A JSON merge patch (RFC 7396) of a user. `null` would remove a field, and every field is required: 422. */
export const patchUserBody = z
  // INVITED is where invitations put people, not a status anyone sets.
  .strictObject({ name: userName, role: requestedRole, status: z.enum(["ACTIVE", "DISABLED"]) })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one of name, role, status")
  .meta({ example: { status: "DISABLED" } });

const bulkIds = z
  .array(z.uuid("Each id must be a user id (a UUID)"))
  .min(1, "Send at least one id")
  .max(MAX_BULK_IDS, `Send at most ${MAX_BULK_IDS} ids; select more with filter`)
  .meta({ description: `The users' ids, 1 to ${MAX_BULK_IDS}` });

/** The filters of GET /api/v1/users (./list-users-params.ts), as JSON: arrays and a boolean. */
const bulkFilter = z
  .strictObject({
    q: z.string().max(200, "q must be at most 200 characters").optional(),
    role: z.array(requestedRole).max(10).optional(),
    status: z.array(z.enum(USER_STATUSES)).max(10).optional(),
    includeDeleted: z.boolean().optional().meta({ description: "Needs users:read-deleted, as for the listing" }),
  })
  .meta({ description: "Every user GET /api/v1/users would list with these filters, across all pages" });

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
export const bulkUsersBody = z
  .union(
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


export const userResponse = z
  .strictObject({
    id: z.string(),
    email: z.string().meta({ description: "Always lower-case" }),
    name: z.string(),
    role,
    status: z.enum(USER_STATUSES),
    version: z.int().min(1).meta({ description: "Grows by one with every change; the ETag is this number in quotes" }),
    createdAt: timestamp,
    updatedAt: timestamp,
    deletedAt: timestamp.nullable().meta({ description: "Set while the user is soft-deleted" }),
  })
  .meta({ id: "User" });

const userCount = z.strictObject({
  count: z.int().min(0),
  exact: z.boolean().meta({ description: "False past 10,000: then the database's estimate" }),
});

export const userStatsResponse = z
  .strictObject({
    signupsPerDay: z
      .array(z.strictObject({ day: z.iso.date(), count: z.int().min(0) }))
      .meta({ description: "Users created per UTC day, the last 90 days oldest first (today last, so far), deleted ones included" }),
    byStatus: z
      .strictObject({ ACTIVE: userCount, DISABLED: userCount, INVITED: userCount })
      .meta({ description: "Users not deleted; exact at any size (a read model)" }),
    byRole: z
      .strictObject({ ADMIN: userCount, EDITOR: userCount, VIEWER: userCount })
      .meta({ description: "Users not deleted; exact at any size (a read model)" }),
  })
  .meta({ id: "UserStats" });

export const userPageResponse = z
  .strictObject({
    items: z.array(userResponse),
    nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page" }),
    prevCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the previous page; null on the first page" }),
    total: z
      .strictObject({
        count: z.int().min(0),
        exact: z.boolean().meta({ description: "False when the count is the database's estimate (large listings)" }),
      })
      .meta({ description: "How many users the whole listing (all pages) holds" }),
  })
  .meta({ id: "UserPage" });

export const clearedSignInFailuresResponse = z
  .strictObject({ cleared: z.number().int().min(0).meta({ description: "Failed sign-ins deleted" }) })
  .meta({ id: "ClearedSignInFailures" });

/** GET /users/export.csv: the CSV itself (lib/http/csv.ts), as text. */
export const usersCsvResponse = z.string().meta({
  description:
    "RFC 4180 CSV in UTF-8: a header row, then one row per user; CRLF line ends; fields with a comma, quote or line " +
    "break are quoted. A cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is " +
    "prefixed with a single quote and quoted. A transfer cut short (no final chunk) is an incomplete file.",
  examples: [
    "id,email,name,role,status,createdAt,updatedAt,deletedAt\r\n" +
      "0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f,ada@example.com,Ada Lovelace,ADMIN,ACTIVE," +
      "2026-11-25T09:00:00.000Z,2026-11-25T09:00:00.000Z,\r\n",
  ],
});

export const userOverviewResponse = z
  .strictObject({
    user: userResponse,
    audit: auditEventPageResponse.optional().meta({
      description:
        "The newest audit entries about the user (continue at GET /audit-events with targetType=user, targetId and " +
        "`nextCursor`). Present when your role has audit:read.",
    }),
    sessions: z
      .array(
        z.strictObject({
          createdAt: timestamp,
          lastSeenAt: timestamp,
          expiresAt: timestamp,
          userAgent: z.string().nullable(),
          ip: z.string().nullable(),
        }),
      )
      .optional()
      .meta({ description: "The user's live sessions, most recently active first. Present when your role has sessions:read." }),
    flags: userFlagsResponse.shape.items
      .optional()
      .meta({ description: "Each flag's variation for the user and why, as GET /users/{id}/flags. Present when your role has flags:read." }),
    omitted: z
      .array(
        z.strictObject({
          part: z.enum(["user", "audit", "sessions", "flags"]),
          permission: z.string().meta({ description: "The permission your role lacks for it", examples: ["audit:read"] }),
        }),
      )
      .meta({ description: "Parts left out because your role may not see them" }),
  })
  .meta({ id: "UserOverview" });

/** POST /users/bulk (lib/domain/user-bulk.ts BulkResult). */
export const bulkUsersResponse = z
  .strictObject({
    matched: z.int().min(0).meta({ description: "Users the ids named (each once) or the filter matched" }),
    succeeded: z.int().min(0).meta({ description: "Changed, each with an audit entry of its own" }),
    skipped: z.int().min(0).meta({
      description: "Already as the action would leave them: nothing written or audited (so a repeated call is harmless)",
    }),
    failed: z
      .array(
        z.strictObject({
          id: z.string(),
          email: z.string().optional().meta({ description: "Absent for an unknown id, and for a deleted user unless you may list those" }),
          code: z.enum(PROBLEM_CODES).meta({
            description: "Why this user was left as they were: FORBIDDEN, LAST_ADMIN, USER_NOT_FOUND, USER_VERSION_CONFLICT, ...",
          }),
          message: z.string(),
        }),
      )
      .meta({ description: "The users whose change failed and was undone; everyone else's committed" }),
  })
  .meta({ id: "BulkResult" });

export type UserJson = z.output<typeof userResponse>;
export type UserPageJson = z.output<typeof userPageResponse>;
export type BulkResultJson = z.output<typeof bulkUsersResponse>;
export type UserOverviewJson = z.output<typeof userOverviewResponse>;
export type UserSessionJson = NonNullable<UserOverviewJson["sessions"]>[number];
