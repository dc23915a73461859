/** The audit log: GET /api/v1/audit-events (and a user's or a flag's entries elsewhere). */
import { z } from "zod";

import { AUDIT_TARGET_TYPES, MAX_AUDIT_PAGE_SIZE } from "../domain/audit";
import { timestamp } from "./common";

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE_SIZE).default(50),
  cursor: z.string().min(1).max(500).optional(),
  action: z.string().min(1).max(64).optional(),
  actor: z.string().min(1).max(320).optional(),
  targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
  targetId: z.string().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
});

export const auditEventPageResponse = z
  .strictObject({
    items: z.array(
      z
        .strictObject({
          id: z.string(),
          action: z.string().meta({ examples: ["user.updated"] }),
          actor: z.strictObject({
            type: z.enum(["user", "token", "system", "anonymous"]),
            id: z.string().nullable(),
            label: z.string().meta({ description: "Email, token name, `system`, or the email someone tried to sign in with" }),
          }),
          target: z.strictObject({
            type: z.enum(AUDIT_TARGET_TYPES),
            id: z.string().nullable(),
          }),
          data: z.record(z.string(), z.unknown()).meta({ description: "What changed (`before`, `after`); never secrets" }),
          requestId: z.string().nullable(),
          traceId: z.string().nullable(),
          createdAt: timestamp,
        })
        .meta({ id: "AuditEvent" }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "AuditEventPage" });

export type AuditEventPageJson = z.output<typeof auditEventPageResponse>;
export type AuditEventJson = AuditEventPageJson["items"][number];
