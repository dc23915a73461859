/**
 * Users: /api/v1/users and one user below it (the listing's query string is ./list-users-params.ts, bulk changes
 * ./users-bulk.ts, a user's overview ./users-overview.ts). Request bodies are strict: an unknown field is an
 * error, not silently dropped.
 */
import { z } from "zod";

import { USER_STATUSES } from "../domain/user";
import { requestedRole, role, timestamp } from "./common";

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
export type CreateUserBody = z.output<typeof createUserBody>;
export type PatchUserBody = z.output<typeof patchUserBody>;
export type UserJson = z.output<typeof userResponse>;
export type UserPageJson = z.output<typeof userPageResponse>;
