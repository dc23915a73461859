/**
 * Response shapes of the REST API as client components receive them (JSON: dates are ISO strings), as zod
 * schemas that {@link import("./api").api} checks answers against. They mirror lib/http/representations.ts and
 * the handlers in lib/http/handlers/; objects are not strict, so a field added on the server breaks nothing here.
 */
import { z } from "zod";
import { ldFlagSchema } from "@/lib/domain/feature-flags";
import { ROLES } from "@/lib/domain/user";

const role = z.enum(ROLES);
const isoDate = z.string();

export const principalResponse = z.object({
  kind: z.literal("user"),
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role }),
  mustChangePassword: z.boolean(),
});

/** DELETE /api/v1/users/{id}/sign-in-failures (issue 18). */
export const clearedSignInFailuresResponse = z.object({ cleared: z.number() });

export const userResponse = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role,
  status: z.enum(["ACTIVE", "DISABLED", "INVITED"]),
  version: z.number(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

export type UserJson = z.output<typeof userResponse>;
export const userPageResponse = z.object({
  items: z.array(userResponse),
  nextCursor: z.string().nullable(),
  prevCursor: z.string().nullable(),
  total: z.object({ count: z.number(), exact: z.boolean() }),
});
export type UserPageJson = z.output<typeof userPageResponse>;

/** POST /api/v1/users/bulk (lib/domain/user-bulk.ts BulkResult). */
export const bulkResultResponse = z.object({
  matched: z.number(),
  succeeded: z.number(),
  skipped: z.number(),
  failed: z.array(z.object({ id: z.string(), email: z.string().optional(), code: z.string(), message: z.string() })),
});
export type BulkResultJson = z.output<typeof bulkResultResponse>;

export const invitationResponse = z.object({ user: userResponse, invitationUrl: z.string(), expiresAt: isoDate });

export const acceptedInvitationResponse = z.object({ email: z.string() });

export const sessionsResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      createdAt: isoDate,
      lastSeenAt: isoDate,
      expiresAt: isoDate,
      userAgent: z.string().nullable(),
      ip: z.string().nullable(),
      current: z.boolean(),
    }),
  ),
});
export type OwnSession = z.output<typeof sessionsResponse>["items"][number];

const apiToken = z.object({
  id: z.string(),
  name: z.string(),
  role,
  prefix: z.string(),
  createdAt: isoDate,
  createdBy: z.string(),
  ownerId: z.string().nullable(),
  owner: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  expiresAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
export type ApiTokenJson = z.output<typeof apiToken>;
export const tokensResponse = z.object({ items: z.array(apiToken) });
export const createdTokenResponse = z.object({ token: apiToken, secret: z.string() });

const auditEvent = z.object({
  id: z.string(),
  action: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string() }),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  data: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  traceId: z.string().nullable(),
  createdAt: isoDate,
});
export type AuditEventJson = z.output<typeof auditEvent>;
export const auditEventsResponse = z.object({ items: z.array(auditEvent), nextCursor: z.string().nullable() });

// Feature flags (issue 9). The definition is the stored flag in LaunchDarkly's JSON shape, checked with the domain's
// own schema: the editors below change it and send parts of it back, so they need it exact.
const flagValue = z.union([z.boolean(), z.string()]);
export type FlagValueJson = z.output<typeof flagValue>;

export const flagResponse = z.object({
  key: z.string(),
  description: z.string(),
  variations: z.array(flagValue),
  fallback: flagValue,
  managedBy: z.enum(["local", "launchdarkly"]),
  version: z.number().nullable(),
  definition: ldFlagSchema.nullable(),
  serving: z.object({ variation: flagValue, percent: z.number() }).nullable(),
  lastChange: z.object({ action: z.string(), actor: z.string(), at: isoDate }).nullable(),
  lastEvaluatedOn: z.string().nullable().optional(),
  stale: z.object({ reason: z.string() }).nullable().optional(),
});
export type FlagJson = z.output<typeof flagResponse>;
export const flagListResponse = z.object({ items: z.array(flagResponse) });

export const userFlagsResponse = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      value: flagValue,
      variationIndex: z.number().nullable(),
      reason: z.string(),
      errorCode: z.string().optional(),
    }),
  ),
});
export type UserFlagJson = z.output<typeof userFlagsResponse>["items"][number];

/**
 * GET /api/v1/users/{id}/overview (lib/http/representations.ts userOverviewJson): a part the caller's role may not
 * see is absent and named in `omitted`.
 */
export const userOverviewResponse = z.object({
  user: userResponse,
  audit: auditEventsResponse.optional(),
  sessions: z
    .array(
      z.object({
        createdAt: isoDate,
        lastSeenAt: isoDate,
        expiresAt: isoDate,
        userAgent: z.string().nullable(),
        ip: z.string().nullable(),
      }),
    )
    .optional(),
  flags: userFlagsResponse.shape.items.optional(),
  omitted: z.array(z.object({ part: z.string(), permission: z.string() })),
});
export type UserOverviewJson = z.output<typeof userOverviewResponse>;
export type UserSessionJson = NonNullable<UserOverviewJson["sessions"]>[number];

/** Webhooks (issue 20, item 3): lib/http/representations.ts webhookJson and webhookDeliveryJson. */
const webhook = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  disabledAt: isoDate.nullable(),
  createdBy: z.string(),
  createdAt: isoDate,
  version: z.number(),
});
export type WebhookJson = z.output<typeof webhook>;
export const webhooksResponse = z.object({ items: z.array(webhook) });
export const webhookResponse = webhook;
export const webhookWithSecretResponse = z.object({ endpoint: webhook, secret: z.string() });
const webhookDelivery = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  subject: z.object({ type: z.string(), id: z.string() }),
  sequence: z.number(),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempts: z.number(),
  nextAttemptAt: isoDate.nullable(),
  lastResponseCode: z.number().nullable(),
  lastLatencyMs: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: isoDate,
  deliveredAt: isoDate.nullable(),
});
export type WebhookDeliveryJson = z.output<typeof webhookDelivery>;
export const webhookDeliveriesResponse = z.object({ items: z.array(webhookDelivery), nextCursor: z.string().nullable() });
