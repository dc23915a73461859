/**
 * The wire format of domain events (issue 20), as zod: the body of a webhook delivery and of a NATS message
 * (`EventMessage`, lib/domain/events.ts), one schema per event type. The OpenAPI document's `webhooks` section is
 * built from them (lib/http/openapi.ts), and test/api/events.test.ts validates every event the relay publishes in
 * its tests against them, so a payload changed without changing this file fails there instead of going
 * undocumented. Payloads are version 1 (`payloadVersion`); adding a field is not a new version.
 */
import * as z from "../domain/zod";

import { EVENT_PAYLOAD_VERSION, EVENT_SUBJECT_TYPES, type EventType } from "../domain/events";
import { ldFlagSchema } from "../domain/feature-flags";
import { USER_STATUSES } from "../domain/user";
import { role, timestamp } from "./common";

const userFields = z
  .partial(z.strictObject({ email: z.string(), name: z.string(), role, status: z.enum(USER_STATUSES) }))
  .check(z.meta({ description: "The user's fields as they were set (a user made by the demo seed has no name here)" }));
const changedUserFields = z.partial(z.strictObject({ name: z.string(), role, status: z.enum(USER_STATUSES) }));
const flagFields = z.partial(ldFlagSchema).check(z.meta({ description: "The flag's definition (LaunchDarkly's flag format)" }));

/** Each event type's payload. */
const PAYLOADS = {
  "user.created": z.strictObject({
    user: userFields,
    importId: z.optional(z.string()).check(z.meta({ description: "Set when a CSV import created the user" })),
  }),
  "user.updated": z
    .strictObject({ before: changedUserFields, after: changedUserFields })
    .check(z.meta({ description: "Only the fields that changed, before and after" })),
  "user.role_changed": z.strictObject({ before: z.nullable(role), after: role }),
  "user.deleted": z.strictObject({ deletedAt: z.nullable(timestamp) }),
  "user.restored": z.strictObject({}),
  "user.password_changed": z.strictObject({}),
  "invitation.created": z.strictObject({ invitationId: z.nullable(z.string()), expiresAt: z.nullable(timestamp), user: userFields }),
  "invitation.accepted": z.strictObject({ invitationId: z.nullable(z.string()) }),
  "token.created": z.strictObject({
    token: z.partial(z.strictObject({ name: z.string(), role, expiresAt: z.nullable(timestamp), ownerId: z.nullable(z.string()) })),
  }),
  "token.revoked": z.strictObject({ name: z.nullable(z.string()), revokedAt: z.nullable(timestamp), reason: z.nullable(z.string()) }),
  "flag.changed": z.strictObject({
    change: z.enum(["created", "updated", "reverted"]),
    before: z.nullable(flagFields),
    after: flagFields,
  }),
  "import.finished": z.strictObject({
    status: z.enum(["succeeded", "failed"]),
    filename: z.nullable(z.string()),
    totalRows: z.nullable(z.int().check(z.minimum(0))),
    rowsDone: z.int().check(z.minimum(0)),
    created: z.int().check(z.minimum(0)),
    failed: z.int().check(z.minimum(0)),
    error: z.nullable(z.string()).check(z.meta({ description: "Why the job failed as a whole; null when it succeeded" })),
  }),
} satisfies Record<EventType, z.ZodMiniType>;

/** What each event type says, for the reference. */
const SUMMARIES: Record<EventType, string> = {
  "user.created": "A user was created (by an admin, an import, or the first start)",
  "user.updated": "A user's name, role or status changed",
  "user.role_changed": "A user's role changed (also announced in its user.updated)",
  "user.deleted": "A user was soft-deleted",
  "user.restored": "A soft-deleted user was restored",
  "user.password_changed": "A user changed their password",
  "invitation.created": "A user was invited (the subject is the invited user)",
  "invitation.accepted": "An invited user accepted and set a password",
  "token.created": "An API token was created",
  "token.revoked": "An API token was revoked",
  "flag.changed": "A feature flag was created, changed or reverted",
  "import.finished": "A CSV import job ended, succeeded or failed, with its counts",
};

function envelope<T extends EventType>(type: T) {
  return z
    .strictObject({
      id: z.string().check(z.meta({ description: "UUIDv7; the same on every redelivery: de-duplicate by it" })),
      type: z.literal(type),
      subject: z.strictObject({ type: z.enum(EVENT_SUBJECT_TYPES), id: z.string().check(z.meta({ description: "A uuid, or a flag's key" })) }),
      sequence: z
        .int()
        .check(
          z.minimum(1),
          z.meta({ description: "1, 2, 3, ... per subject in commit order: at or below the last seen is a redelivery, a gap a loss" }),
        ),
      occurredAt: timestamp,
      actor: z.strictObject({ type: z.enum(["user", "token", "system", "anonymous"]), id: z.nullable(z.string()) }),
      requestId: z.nullable(z.string()),
      traceId: z
        .nullable(z.string())
        .check(z.meta({ description: "The W3C trace id of the request that made the change, when traced" })),
      payloadVersion: z.literal(EVENT_PAYLOAD_VERSION),
      payload: PAYLOADS[type],
    })
    .check(z.meta({ id: `Event_${type.replace(".", "_")}`, description: SUMMARIES[type] }));
}

/** Every event type's message schema, in the order of EVENT_TYPES. */
export const EVENT_MESSAGES = Object.fromEntries(
  (Object.keys(PAYLOADS) as EventType[]).map((type) => [type, { summary: SUMMARIES[type], schema: envelope(type) }]),
) as Record<EventType, { summary: string; schema: ReturnType<typeof envelope> }>;

/** GET /api/v1/events: the live console's stream of changes (issue 21), not these messages. */
export const liveEventsResponse = z.string().check(
  z.meta({
  description:
    "Server-Sent Events: `event: change` with `data` `{type, subject: {type, id}}` (a domain event's type and subject, " +
    "the event types of the webhooks section; no payload: refetch what you show) for each change committed on any " +
    "replica that the caller may read (users, flags, imports, and tokens for ADMINs); `event: reset` when changes may " +
    "have been missed (refetch everything); a `: keep-alive` comment every 15 s. Each frame has an `id`: a reconnect " +
    "sends it as Last-Event-ID (or `?lastEventId=`) and resumes after it on the same server, or gets `reset`. Closes " +
    "when the server drains and when the caller's session or token ends (checked every 5 s).",
  }),
);
