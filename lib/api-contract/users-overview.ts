/** One user and what surrounds them, the parts the caller may see: GET /api/v1/users/{id}/overview. */
import * as z from "../domain/zod";

import { auditEventPageResponse } from "./audit";
import { timestamp } from "./common";
import { userFlagsResponse } from "./flag-evaluations";
import { userResponse } from "./users";

export const userOverviewResponse = z
  .strictObject({
    user: userResponse,
    audit: z.optional(auditEventPageResponse).check(
      z.meta({
        description:
          "The newest audit entries about the user (continue at GET /audit-events with targetType=user, targetId and " +
          "`nextCursor`). Present when your role has audit:read.",
      }),
    ),
    sessions: z
      .optional(
        z.array(
          z.strictObject({
            createdAt: timestamp,
            lastSeenAt: timestamp,
            expiresAt: timestamp,
            userAgent: z.nullable(z.string()),
            ip: z.nullable(z.string()),
          }),
        ),
      )
      .check(z.meta({ description: "The user's live sessions, most recently active first. Present when your role has sessions:read." })),
    flags: z
      .optional(userFlagsResponse.shape.items)
      .check(z.meta({ description: "Each flag's variation for the user and why, as GET /users/{id}/flags. Present when your role has flags:read." })),
    omitted: z
      .array(
        z.strictObject({
          part: z.enum(["user", "audit", "sessions", "flags"]),
          permission: z.string().check(z.meta({ description: "The permission your role lacks for it", examples: ["audit:read"] })),
        }),
      )
      .check(z.meta({ description: "Parts left out because your role may not see them" })),
  })
  .check(z.meta({ id: "UserOverview" }));

export type UserOverviewJson = z.output<typeof userOverviewResponse>;
export type UserSessionJson = NonNullable<UserOverviewJson["sessions"]>[number];
