import type { NewAuditEntry } from "./audit";
import type { Actor } from "./auth";
import { NamedError } from "./errors";

/**
 * Domain events (issue 20): what other services may learn about a change, pushed to them rather than polled.
 * Each is written to the outbox in the unit of work of its change, so an event exists if and only if its change
 * committed (docs/decisions/016-events-outbox.md). They are derived from the change's audit entry
 * ({@link eventsFromAudit}): every change already writes one, so a use case added later cannot forget its event.
 */
export const EVENT_TYPES = [
  "user.created",
  "user.updated",
  "user.role_changed",
  "user.deleted",
  "user.restored",
  "user.password_changed",
  "invitation.created",
  "invitation.accepted",
  "token.created",
  "token.revoked",
  "flag.changed",
  "import.finished",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The version of every payload's shape. A consumer reads `payloadVersion` before the payload: a change that
 * removes or retypes a field is a new version, adding a field is not.
 */
export const EVENT_PAYLOAD_VERSION = 1;

export const EVENT_SUBJECT_TYPES = ["user", "token", "flag", "import"] as const;

/** What an event is about: its events share a sequence, and are delivered in that order. */
export interface EventSubject {
  readonly type: (typeof EVENT_SUBJECT_TYPES)[number];
  /** A uuid, or a flag's key. */
  readonly id: string;
}

export interface DomainEvent {
  /** UUIDv7: unique, and the de-duplication key downstream (JetStream's Nats-Msg-Id, a webhook's id). */
  readonly id: string;
  readonly type: EventType;
  readonly subject: EventSubject;
  /**
   * 1, 2, 3, ... per subject, in the order the subject's changes committed: a consumer that has seen n of a subject
   * can drop anything at or below n (a redelivery) and knows it missed one when it sees a gap.
   */
  readonly sequence: number;
  readonly occurredAt: Date;
  readonly actor: Actor;
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly payloadVersion: number;
  /** JSON; never secrets (built from the audit entry's data, which holds none). */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** An event as a unit of work appends it: the outbox gives it its id, sequence and time. */
export interface NewDomainEvent {
  type: EventType;
  subject: EventSubject;
  actor: Actor;
  requestId: string | null;
  traceId: string | null;
  payload: Record<string, unknown>;
}

/** An event as it leaves the process (a NATS message's body, a webhook's body): JSON, the actor without its label. */
export interface EventMessage {
  id: string;
  type: EventType;
  subject: { type: EventSubject["type"]; id: string };
  sequence: number;
  occurredAt: string;
  actor: { type: Actor["type"]; id: string | null };
  requestId: string | null;
  traceId: string | null;
  payloadVersion: number;
  payload: Readonly<Record<string, unknown>>;
}

export function toEventMessage(event: DomainEvent): EventMessage {
  return {
    id: event.id,
    type: event.type,
    subject: { type: event.subject.type, id: event.subject.id },
    sequence: event.sequence,
    occurredAt: event.occurredAt.toISOString(),
    // The label is an email or a token's name: kept in the audit log, not spread to every consumer.
    actor: { type: event.actor.type, id: event.actor.id },
    requestId: event.requestId,
    traceId: event.traceId,
    payloadVersion: event.payloadVersion,
    payload: event.payload,
  };
}

/** An audit action that has no entry in {@link AUDIT_ACTION_EVENTS}: the change would go unannounced. */
export class UnmappedAuditActionError extends NamedError {
  constructor(readonly action: string) {
    super(
      `Audit action "${action}" says neither which events it raises nor that it raises none: add it to lib/domain/events.ts`,
      { name: "UnmappedAuditActionError" },
    );
  }
}

type Derive = (entry: NewAuditEntry, subjectId: string) => { type: EventType; payload: Record<string, unknown> }[];

/**
 * Every audit action, and the events it raises (none for what is not a change others need to hear of: sign-ins,
 * failed attempts, a throttle lifted). Closed: an action missing here fails its unit of work
 * ({@link UnmappedAuditActionError}), so a new kind of change cannot ship without deciding about its event.
 * Payloads are the audit entry's data, shaped per type; `before`/`after` hold only the fields that changed.
 */
export const AUDIT_ACTION_EVENTS: Readonly<Record<string, Derive | "none">> = {
  "user.created": (entry) => [{ type: "user.created", payload: withImport(entry, { user: after(entry) }) }],
  // The first ADMIN, made at start-up: to a consumer, a user was created like any other.
  "user.bootstrapped": (entry) => [{ type: "user.created", payload: { user: after(entry) } }],
  "user.updated": (entry) => {
    const changed = { before: before(entry), after: after(entry) };
    const events: ReturnType<Derive> = [{ type: "user.updated", payload: changed }];
    // Permissions changed: the one change most consumers act on, as an event of its own (issue 20 names it).
    if ("role" in changed.after) {
      events.push({ type: "user.role_changed", payload: { before: changed.before["role"] ?? null, after: changed.after["role"] } });
    }
    return events;
  },
  "user.deleted": (entry) => [{ type: "user.deleted", payload: { deletedAt: after(entry)["deletedAt"] ?? null } }],
  "user.restored": () => [{ type: "user.restored", payload: {} }],
  "user.password_changed": () => [{ type: "user.password_changed", payload: {} }],
  "invitation.created": (entry) => [
    {
      type: "invitation.created",
      payload: { invitationId: entry.data?.["invitationId"] ?? null, expiresAt: entry.data?.["expiresAt"] ?? null, user: after(entry) },
    },
  ],
  "invitation.accepted": (entry) => [{ type: "invitation.accepted", payload: { invitationId: entry.data?.["invitationId"] ?? null } }],
  "token.created": (entry) => [{ type: "token.created", payload: { token: after(entry) } }],
  "token.revoked": (entry) => [
    {
      type: "token.revoked",
      payload: { name: entry.data?.["name"] ?? null, revokedAt: after(entry)["revokedAt"] ?? null, reason: entry.data?.["reason"] ?? null },
    },
  ],
  "flag.created": (entry) => [{ type: "flag.changed", payload: { change: "created", before: null, after: after(entry) } }],
  "flag.updated": (entry) => [{ type: "flag.changed", payload: { change: "updated", before: before(entry), after: after(entry) } }],
  "flag.reverted": (entry) => [{ type: "flag.changed", payload: { change: "reverted", before: before(entry), after: after(entry) } }],
  // The end of a CSV import job, succeeded or failed, with its counts (each created user had its own user.created).
  "import.finished": (entry) => [{ type: "import.finished", payload: { ...entry.data } }],
  // Not changes to a user, token or flag: sign-ins and their failures, a reissued one-time password (start-up),
  // a failed password change, a lifted throttle.
  "session.signed_in": "none",
  "session.signed_out": "none",
  "session.revoked": "none",
  "session.sign_in_failed": "none",
  "session.sign_in_throttled": "none",
  "user.password_change_failed": "none",
  "user.sign_in_failures_cleared": "none",
  "user.one_time_password_reissued": "none",
  // Webhook endpoints are this console's own wiring, not users, tokens or flags: announcing them to the receivers
  // they configure would only loop back (docs/decisions/017-webhooks.md). The audit log keeps them.
  "webhook.created": "none",
  "webhook.updated": "none",
  "webhook.deleted": "none",
  "webhook.secret_rotated": "none",
  "webhook.delivery_resent": "none",
  "webhook.disabled": "none",
};

/**
 * The events an audit entry raises, in order, as the outbox should append them.
 * @throws UnmappedAuditActionError for an action {@link AUDIT_ACTION_EVENTS} does not know.
 */
export function eventsFromAudit(entry: NewAuditEntry): NewDomainEvent[] {
  const derive = Object.hasOwn(AUDIT_ACTION_EVENTS, entry.action) ? AUDIT_ACTION_EVENTS[entry.action] : undefined;
  if (derive === undefined) throw new UnmappedAuditActionError(entry.action);
  if (derive === "none") return [];
  const subject = subjectOf(entry);
  return derive(entry, subject.id).map(({ type, payload }) => ({
    type,
    subject,
    actor: entry.actor,
    requestId: entry.requestId ?? null,
    traceId: entry.traceId ?? null,
    // A JSON round trip: dates become ISO strings, as any consumer will see them.
    payload: JSON.parse(JSON.stringify(payload)),
  }));
}

function subjectOf(entry: NewAuditEntry): EventSubject {
  const { type, id } = entry.target;
  if (id === null) throw new Error(`Audit action "${entry.action}" raises events but names no target id`);
  // An invitation's entries name the invited user: their events are the user's, in the user's order.
  if (type === "user" || type === "invitation") return { type: "user", id };
  if (type === "token" || type === "flag" || type === "import") return { type, id };
  throw new Error(`Audit action "${entry.action}" raises events about a ${type}, which has no event subject`);
}

function part(entry: NewAuditEntry, key: "before" | "after"): Record<string, unknown> {
  const value = entry.data?.[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value } : {};
}
const before = (entry: NewAuditEntry) => part(entry, "before");
const after = (entry: NewAuditEntry) => part(entry, "after");

function withImport(entry: NewAuditEntry, payload: Record<string, unknown>): Record<string, unknown> {
  const importId = entry.data?.["importId"];
  return typeof importId === "string" ? { ...payload, importId } : payload;
}
