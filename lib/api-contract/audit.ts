/** The audit log: GET /api/v1/audit-events (and a user's or a flag's entries elsewhere). */
import * as z from "../domain/zod";

import { AUDIT_TARGET_TYPES, MAX_AUDIT_PAGE_SIZE } from "../domain/audit";
import { timestamp } from "./common";

const instant = z.pipe(
  z.iso.datetime({ offset: true }),
  z.transform((value: string) => new Date(value)),
);

export const auditQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_AUDIT_PAGE_SIZE)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
  action: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  actor: z.optional(z.string().check(z.minLength(1), z.maxLength(320))),
  targetType: z.optional(z.enum(AUDIT_TARGET_TYPES)),
  targetId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  from: z.optional(instant),
  to: z.optional(instant),
});

export const auditEventPageResponse = z
  .strictObject({
    items: z.array(
      z
        .strictObject({
          id: z.string(),
          action: z.string().check(z.meta({ examples: ["user.updated"] })),
          actor: z.strictObject({
            type: z.enum(["user", "token", "system", "anonymous"]),
            id: z.nullable(z.string()),
            label: z.string().check(z.meta({ description: "Email, token name, `system`, or the email someone tried to sign in with" })),
          }),
          target: z.strictObject({
            type: z.enum(AUDIT_TARGET_TYPES),
            id: z.nullable(z.string()),
          }),
          data: z.record(z.string(), z.unknown()).check(z.meta({ description: "What changed (`before`, `after`); never secrets" })),
          requestId: z.nullable(z.string()),
          traceId: z.nullable(z.string()),
          createdAt: timestamp,
        })
        .check(z.meta({ id: "AuditEvent" })),
    ),
    nextCursor: z.nullable(z.string()),
  })
  .check(z.meta({ id: "AuditEventPage" }));

export type AuditEventPageJson = z.output<typeof auditEventPageResponse>;
export type AuditEventJson = AuditEventPageJson["items"][number];
