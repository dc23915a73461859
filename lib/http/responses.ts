/**
 * Response schemas of the REST API: what lib/http/representations.ts and the handlers put in JSON bodies, as zod,
 * for the OpenAPI document (lib/http/openapi.ts). They describe the wire format (dates are ISO strings) and are
 * strict: test/api/openapi.test.ts validates real responses against the document built from them, so a field
 * added to a representation without being added here fails that test instead of going undocumented.
 *
 * `id` in `.meta()` makes a schema a named component (`#/components/schemas/<id>`), shown once in the reference.
 */
import { z } from "zod";

import { AUDIT_TARGET_TYPES } from "../domain/audit";
import { FLAG_KEYS, ldFlagSchema, ROLLOUT_TOTAL } from "../domain/feature-flags";
import { ROLES, USER_STATUSES } from "../domain/user";
import { ERROR_CODES } from "../domain/errors";
import { IMPORT_PAUSE_REASONS } from "../domain/import-job";
import { HTTP_ERROR_CODES } from "./problem";
import { EVENT_SUBJECT_TYPES, EVENT_TYPES } from "../domain/events";
import { WEBHOOK_DELIVERY_STATUSES } from "../domain/webhooks";

// Leaf types stay inline rather than becoming components: Scalar's examples show a $ref'd enum or string as null.
export const timestamp = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601 date and time" });
export const role = z.enum(ROLES).meta({ description: "ADMIN may do everything; EDITOR manages non-admins; VIEWER reads." });

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

export const principalResponse = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("user"),
      user: z.strictObject({ id: z.string(), email: z.string(), name: z.string(), role }),
      mustChangePassword: z.boolean().meta({ description: "Only the password change is allowed until it is done" }),
    }),
    z.strictObject({
      kind: z.literal("token"),
      token: z.strictObject({ id: z.string(), name: z.string(), role }),
    }),
  ])
  .meta({ id: "Principal", description: "Who the request acts as: a signed-in user, or an API token" });

export const apiTokenResponse = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    role,
    prefix: z.string().meta({ description: "The first characters of the secret, to tell tokens apart" }),
    createdAt: timestamp,
    createdBy: z.string().meta({ description: "Email of the user who created it, as it was then" }),
    ownerId: z
      .string()
      .nullable()
      .meta({ description: "The ADMIN it belongs to; null only for a token older than owners whose creator was not found (revoked)" }),
    owner: z
      .strictObject({ id: z.string(), email: z.string(), name: z.string() })
      .nullable()
      .meta({ description: "The owner as they are now; null when there is none, or they were deleted" }),
    expiresAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: "ApiToken", description: "An API token without its secret" });

export const apiTokenListResponse = z.strictObject({ items: z.array(apiTokenResponse) }).meta({ id: "ApiTokenList" });

export const createdApiTokenResponse = z
  .strictObject({
    token: apiTokenResponse,
    secret: z.string().meta({ description: "`uct_...`: shown in this response only, never again" }),
  })
  .meta({ id: "CreatedApiToken" });

export const invitationResponse = z
  .strictObject({
    user: userResponse,
    invitationUrl: z.url().meta({ description: "Single-use link for the invited person; shown once" }),
    expiresAt: timestamp,
  })
  .meta({ id: "Invitation" });

export const acceptedInvitationResponse = z
  .strictObject({ email: z.string().meta({ description: "Sign in with this email and the password just set" }) })
  .meta({ id: "AcceptedInvitation" });

export const sessionListResponse = z
  .strictObject({
    items: z.array(
      z.strictObject({
        id: z.string(),
        createdAt: timestamp,
        lastSeenAt: timestamp,
        expiresAt: timestamp,
        userAgent: z.string().nullable(),
        ip: z.string().nullable(),
        current: z.boolean().meta({ description: "The session this request was made with" }),
      }),
    ),
  })
  .meta({ id: "SessionList" });

export const clearedSignInFailuresResponse = z
  .strictObject({ cleared: z.number().int().min(0).meta({ description: "Failed sign-ins deleted" }) })
  .meta({ id: "ClearedSignInFailures" });

export const serviceTrafficResponse = z
  .strictObject({
    scope: z.literal("this-process").meta({
      description: "Counted by the process that answered: behind a load balancer, one replica's share (Prometheus sees them all)",
    }),
    items: z.array(
      z.strictObject({
        start: timestamp.meta({ description: "Start of the minute" }),
        seconds: z.number().min(0).max(60).meta({ description: "60, or the seconds elapsed of the current minute (the last item)" }),
        requests: z.int().min(0).meta({ description: "Requests answered, probes and scrapes left out" }),
        errors: z.int().min(0).meta({ description: "Of those, answered with a 5xx status" }),
        requestsPerSecond: z.number().min(0),
        errorRatio: z.number().min(0).max(1).nullable().meta({ description: "errors / requests; null for a minute without requests" }),
      }),
    ).meta({ description: "The last 60 minutes, oldest first" }),
  })
  .meta({ id: "ServiceTraffic" });

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
    flags: z
      .lazy(() => userFlagsResponse.shape.items)
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

/** Every code a problem may carry: the domain's and the HTTP layer's (lib/http/problem.ts maps each to a status). */
export const PROBLEM_CODES = [...ERROR_CODES, ...HTTP_ERROR_CODES] as const;

export const problemResponse = z
  .strictObject({
    type: z.string().meta({ description: "A URN per code", examples: ["urn:user-console:problem:user-not-found"] }),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    code: z.enum(PROBLEM_CODES),
    requestId: z.string().meta({ description: "Quote it when reporting a problem; also in the X-Request-Id header" }),
    traceId: z.string().optional(),
    errors: z
      .array(z.strictObject({ path: z.array(z.union([z.string(), z.int()])), message: z.string() }))
      .optional()
      .meta({ description: "One entry per invalid field (VALIDATION_FAILED)" }),
    part: z
      .string()
      .optional()
      .meta({ description: "Which part of a composed answer failed (GET /users/{id}/overview)", examples: ["sessions"] }),
  })
  .meta({ id: "Problem", description: "An error, as RFC 9457 problem details" });

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

const importCounts = z
  .strictObject({
    total: z.number().int().nullable().meta({ description: "Data rows in the file; null until counted" }),
    done: z.number().int().meta({ description: "Rows handled in committed batches (created + failed)" }),
    created: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: "ImportCounts" });

const importRowError = z
  .strictObject({
    line: z.number().int().meta({ description: "Line of the file (1 is the header)" }),
    email: z.string().nullable(),
    reason: z.string(),
  })
  .meta({ id: "ImportRowError" });

const importPause = z
  .strictObject({
    reason: z.enum(IMPORT_PAUSE_REASONS).meta({
      description:
        "`read-only-mode`: the incident kill switch (flag ops-read-only-mode) is on for the uploader; `imports-off`: " +
        "imports are turned off for them (flag bulk-import)",
    }),
    since: timestamp,
  })
  .nullable()
  .meta({
    id: "ImportPause",
    description: "Set while the job writes nothing because a flag refuses its uploader's writes; it resumes by itself once they are allowed",
  });

export const importJobResponse = z
  .strictObject({
    id: z.string(),
    status: z.enum(["queued", "running", "succeeded", "failed"]),
    filename: z.string().nullable(),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    createdBy: z.strictObject({ type: z.string(), id: z.string().nullable(), label: z.string() }),
    createdAt: timestamp,
    updatedAt: timestamp,
    finishedAt: timestamp.nullable(),
    error: z.string().nullable().meta({ description: "Why the job failed as a whole (its rows' errors are listed apart)" }),
    paused: importPause,
    counts: importCounts,
  })
  .meta({ id: "ImportJob" });

export const importJobDetailResponse = importJobResponse
  .extend({
    errors: z.strictObject({
      items: z.array(importRowError),
      nextErrorsAfter: z
        .number()
        .int()
        .nullable()
        .meta({ description: "Pass as `errorsAfter` for the next errors; null after the last" }),
    }),
  })
  .meta({ id: "ImportJobDetail" });

export const importJobPageResponse = z
  .strictObject({ items: z.array(importJobResponse), nextCursor: z.string().nullable() })
  .meta({ id: "ImportJobPage" });

/** The `data` of each Server-Sent Event of GET /imports/{id}/events. */
export const importProgressEvent = z
  .strictObject({
    status: z.enum(["queued", "running", "succeeded", "failed"]),
    rowsDone: z.number().int(),
    created: z.number().int(),
    failed: z.number().int(),
    total: z.number().int().nullable(),
    rowsPerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    error: z.string().nullable(),
    paused: importPause,
  })
  .meta({ id: "ImportProgressEvent" });

export const liveEventsResponse = z.string().meta({
  description:
    "Server-Sent Events: `event: change` with `data` `{type, subject: {type, id}}` (a domain event's type and subject, " +
    "the event types of the webhooks section; no payload: refetch what you show) for each change committed on any " +
    "replica that the caller may read (users, flags, imports, and tokens for ADMINs); `event: reset` when changes may " +
    "have been missed (refetch everything); a `: keep-alive` comment every 15 s. Each frame has an `id`: a reconnect " +
    "sends it as Last-Event-ID (or `?lastEventId=`) and resumes after it on the same server, or gets `reset`. Closes " +
    "when the server drains and when the caller's session or token ends (checked every 5 s).",
});

export const importEventsResponse = z.string().meta({
  description:
    "Server-Sent Events: `event: progress` about every 500 ms with `data` a JSON object " +
    "`{status, rowsDone, created, failed, total, rowsPerSecond, etaSeconds, error, paused}`; `event: done` with the " +
    "same object once the job has ended, then the stream closes. It also closes when the server drains (the client " +
    "reconnects, to another replica, after `retry`), and when the caller's session or token ends or no longer " +
    "allows it (checked every 5 s; the reconnect is then answered 401 or 403).",
});

/** GET /imports/{id}/errors.csv: the report itself, as text. */
export const importErrorsCsvResponse = z.string().meta({
  description: "RFC 4180 CSV in UTF-8: the header `line,email,reason`, then one row per row of the file that created no user",
  examples: ["line,email,reason\r\n3,not-an-email,email: Invalid email address\r\n"],
});

export const importUploadCsv = z.string().meta({
  description: "The CSV file: a header row naming email and name, optionally role and status, then one row per user",
});

export const importUploadMultipart = z
  .strictObject({ file: z.string().meta({ format: "binary", description: "The CSV file" }) })
  .meta({ id: "ImportUpload" });

const flagKey = z.enum(FLAG_KEYS);
/** A variation: on/off, or a name (never empty). */
const flagValue = z.union([z.boolean(), z.string().min(1)]);

/** LaunchDarkly's flag JSON as this app stores it (the shape of its own flag data). */
// Inline, not a component: a nullable $ref has no type of its own, which Scalar's store refuses.
const flagDefinition = ldFlagSchema.meta({
  description:
    "The flag in LaunchDarkly's flag JSON shape: `on`; `variations` (fixed by the code); `offVariation` (served while " +
    "off); `fallthrough` (a variation, or a rollout whose weights in thousandths of a percent sum to " +
    `${ROLLOUT_TOTAL}); \`targets\` (user ids given one variation); \`rules\` (clauses on key, role, emailDomain, status).`,
});

export const flagResponse = z
  .strictObject({
    key: flagKey,
    description: z.string(),
    variations: z.array(flagValue),
    fallback: flagValue.meta({ description: "What the code uses when the flag cannot be evaluated" }),
    managedBy: z.enum(["local", "launchdarkly"]).meta({
      description: "`local`: stored here, changed with PATCH; `launchdarkly`: changed on LaunchDarkly, read-only here",
    }),
    version: z.int().min(1).nullable().meta({ description: "The ETag is this number in quotes; null with LaunchDarkly" }),
    definition: flagDefinition.nullable(),
    serving: z
      .strictObject({ variation: flagValue, percent: z.number().min(0).max(100) })
      .nullable()
      .meta({ description: "The variation most contexts get by the default rule (or while off), and its share" }),
    lastChange: z
      .strictObject({
        action: z.string().meta({ examples: ["flag.updated"] }),
        actor: z.string().meta({ description: "Email, token name or `system`" }),
        at: timestamp,
      })
      .nullable(),
    lastEvaluatedOn: z.iso.date().nullable().meta({ description: "The last day (UTC) any replica evaluated the flag" }),
    stale: z
      .strictObject({ reason: z.string().meta({ examples: ["served only false for 30 days"] }) })
      .nullable()
      .meta({
        description:
          "Set when the flag, unchanged for FLAG_STALE_DAYS (30) days, was not evaluated in that time or served one variation only: a candidate for removal from the code",
      }),
  })
  .meta({ id: "Flag" });

export const flagListResponse = z.strictObject({ items: z.array(flagResponse) }).meta({ id: "FlagList" });

export const userFlagsResponse = z
  .strictObject({
    items: z.array(
      z.strictObject({
        key: flagKey,
        value: flagValue,
        variationIndex: z.int().min(0).nullable().meta({ description: "Null when the fallback was served" }),
        reason: z.string().meta({
          description: "Why: OFF, TARGET_MATCH (listed individually), RULE_MATCH, FALLTHROUGH (default rule or rollout), ERROR",
          examples: ["FALLTHROUGH"],
        }),
        errorCode: z.string().optional(),
      }),
    ),
  })
  .meta({ id: "UserFlags" });

export const webhookResponse = z
  .strictObject({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(EVENT_TYPES)).meta({ description: "Empty: every event type" }),
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .meta({ description: "Why it is disabled: by whom, or the delivery whose retries ran out and its last error" }),
    disabledAt: timestamp.nullable(),
    createdBy: z.string().meta({ description: "Email of the ADMIN who created it, as it was then" }),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: z.int().min(1),
  })
  .meta({ id: "WebhookEndpoint", description: "A webhook endpoint, without its secret" });

export const webhookListResponse = z.strictObject({ items: z.array(webhookResponse) }).meta({ id: "WebhookEndpointList" });

export const webhookWithSecretResponse = z
  .strictObject({
    endpoint: webhookResponse,
    secret: z.string().meta({
      description: "`whsec_...`: verify each request's `webhook-signature` with it. Shown in this response only, never again",
    }),
  })
  .meta({ id: "WebhookEndpointWithSecret" });

export const webhookDeliveryResponse = z
  .strictObject({
    id: z.string(),
    eventId: z.string().meta({ description: "Sent as `webhook-id`, the same on every attempt" }),
    eventType: z.enum(EVENT_TYPES),
    subject: z.strictObject({ type: z.enum(EVENT_SUBJECT_TYPES), id: z.string() }),
    sequence: z.int().min(1),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.int().min(0).meta({ description: "Attempts since it was queued (or queued again)" }),
    nextAttemptAt: timestamp.nullable().meta({ description: "When it is tried next; null once it succeeded or failed" }),
    lastResponseCode: z.int().nullable(),
    lastLatencyMs: z.int().nullable(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    deliveredAt: timestamp.nullable(),
    event: z.record(z.string(), z.unknown()).meta({ description: "The request body, as sent: the event" }),
  })
  .meta({ id: "WebhookDelivery" });

export const webhookDeliveryPageResponse = z
  .strictObject({ items: z.array(webhookDeliveryResponse), nextCursor: z.string().nullable() })
  .meta({ id: "WebhookDeliveryPage" });
