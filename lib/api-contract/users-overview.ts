/** One user and what surrounds them, the parts the caller may see: GET /api/v1/users/{id}/overview. */
import { z } from "zod";

import { auditEventPageResponse } from "./audit";
import { timestamp } from "./common";
import { userFlagsResponse } from "./flag-evaluations";
import { userResponse } from "./users";

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

export type UserOverviewJson = z.output<typeof userOverviewResponse>;
export type UserSessionJson = NonNullable<UserOverviewJson["sessions"]>[number];
