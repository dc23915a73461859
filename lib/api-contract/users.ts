/**
 * Users: /api/v1/users and one user below it (the listing's query string is ./list-users-params.ts, bulk changes
 * ./users-bulk.ts, a user's overview ./users-overview.ts). Request bodies are strict: an unknown field is an
 * error, not silently dropped.
 */
import * as z from "../domain/zod";

import { USER_STATUSES } from "../domain/user";
import { requestedRole, role, timestamp } from "./common";

export const userEmail = z.email("Enter an email address").check(z.maxLength(320));
export const userName = z.string().check(z.trim(), z.minLength(1, "Enter a name"), z.maxLength(200));

export const createUserBody = z
  .strictObject({
    email: userEmail,
    name: userName,
    role: z._default(requestedRole, "VIEWER"),
    // INVITED is where invitations put people, not a status anyone sets.
    status: z._default(z.enum(["ACTIVE", "DISABLED"]), "ACTIVE"),
  })
  .check(z.meta({ example: { email: "grace@example.com", name: "Grace Hopper", role: "VIEWER" } }));

/** A JSON merge patch (RFC 7396) of a user. `null` would remove a field, and every field is required: 422. */
export const patchUserBody = z
  // INVITED is where invitations put people, not a status anyone sets.
  .partial(z.strictObject({ name: userName, role: requestedRole, status: z.enum(["ACTIVE", "DISABLED"]) }))
  .check(
    z.refine((patch) => Object.keys(patch).length > 0, "Send at least one of name, role, status"),
    z.meta({ example: { status: "DISABLED" } }),
  );

export const userResponse = z
  .strictObject({
    id: z.string(),
    email: z.string().check(z.meta({ description: "Always lower-case" })),
    name: z.string(),
    role,
    status: z.enum(USER_STATUSES),
    version: z.int().check(z.minimum(1), z.meta({ description: "Grows by one with every change; the ETag is this number in quotes" })),
    createdAt: timestamp,
    updatedAt: timestamp,
    deletedAt: z.nullable(timestamp).check(z.meta({ description: "Set while the user is soft-deleted" })),
  })
  .check(z.meta({ id: "User" }));

const userCount = z.strictObject({
  count: z.int().check(z.minimum(0)),
  exact: z.boolean().check(z.meta({ description: "False past 10,000: then the database's estimate" })),
});

export const userStatsResponse = z
  .strictObject({
    signupsPerDay: z
      .array(z.strictObject({ day: z.iso.date(), count: z.int().check(z.minimum(0)) }))
      .check(z.meta({ description: "Users created per UTC day, the last 90 days oldest first (today last, so far), deleted ones included" })),
    byStatus: z
      .strictObject({ ACTIVE: userCount, DISABLED: userCount, INVITED: userCount })
      .check(z.meta({ description: "Users not deleted; exact at any size (a read model)" })),
    byRole: z
      .strictObject({ ADMIN: userCount, EDITOR: userCount, VIEWER: userCount })
      .check(z.meta({ description: "Users not deleted; exact at any size (a read model)" })),
  })
  .check(z.meta({ id: "UserStats" }));

export const userPageResponse = z
  .strictObject({
    items: z.array(userResponse),
    nextCursor: z.nullable(z.string()).check(z.meta({ description: "Pass as `cursor` for the next page; null on the last page" })),
    prevCursor: z.nullable(z.string()).check(z.meta({ description: "Pass as `cursor` for the previous page; null on the first page" })),
    total: z
      .strictObject({
        count: z.int().check(z.minimum(0)),
        exact: z.boolean().check(z.meta({ description: "False when the count is the database's estimate (large listings)" })),
      })
      .check(z.meta({ description: "How many users the whole listing (all pages) holds" })),
  })
  .check(z.meta({ id: "UserPage" }));

export const clearedSignInFailuresResponse = z
  .strictObject({ cleared: z.int().check(z.minimum(0), z.meta({ description: "Failed sign-ins deleted" })) })
  .check(z.meta({ id: "ClearedSignInFailures" }));

/** GET /users/export.csv: the CSV itself (lib/http/csv.ts), as text. */
export const usersCsvResponse = z.string().check(
  z.meta({
  description:
    "RFC 4180 CSV in UTF-8: a header row, then one row per user; CRLF line ends; fields with a comma, quote or line " +
    "break are quoted. A cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is " +
    "prefixed with a single quote and quoted. A transfer cut short (no final chunk) is an incomplete file.",
  examples: [
    "id,email,name,role,status,createdAt,updatedAt,deletedAt\r\n" +
      "0195f3c2-8a4b-7c1d-9e2f-3a4b5c6d7e8f,ada@example.com,Ada Lovelace,ADMIN,ACTIVE," +
      "2026-11-25T09:00:00.000Z,2026-11-25T09:00:00.000Z,\r\n",
  ],
  }),
);
export type CreateUserBody = z.output<typeof createUserBody>;
export type PatchUserBody = z.output<typeof patchUserBody>;
export type UserJson = z.output<typeof userResponse>;
export type UserPageJson = z.output<typeof userPageResponse>;
