import { EVENT_SUBJECT_TYPES, EVENT_TYPES, type DomainEvent } from "../../domain/events";
import type { ChangeFeed } from "../../ports/change-feed";
import type { LiveChange, LiveChangeSource } from "../../ports/live-changes";

/** The PostgreSQL notification channel committed domain events are announced on, for the live console (issue 21). */
export const DOMAIN_EVENTS_CHANNEL = "domain_events";

/**
 * A NOTIFY payload must be shorter than 8000 bytes: past this (an import batch, a bulk action's chunk), the message
 * says "many" instead, and the browsers refetch everything they show, which is what they would do anyway.
 */
const MAX_PAYLOAD_BYTES = 7_000;

/** The payload announcing a unit's events: `[[type, subjectType, subjectId], ...]`, or `"*"` when it would not fit. */
export function encodeLiveChanges(events: readonly Pick<DomainEvent, "type" | "subject">[]): string {
  const payload = JSON.stringify(events.map((event) => [event.type, event.subject.type, event.subject.id]));
  return Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES ? payload : "*";
}

/** A payload heard on the channel; null (anything may have changed) for "*" (too many, or the feed reconnected) or anything unreadable. */
export function decodeLiveChanges(payload: string): LiveChange[] | null {
  if (payload === "*") return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (!Array.isArray(parsed)) return null;
    const changes: LiveChange[] = [];
    for (const entry of parsed) {
      if (!Array.isArray(entry) || entry.length !== 3) return null;
      const [type, subjectType, id] = entry as unknown[];
      if (!isOneOf(EVENT_TYPES, type) || !isOneOf(EVENT_SUBJECT_TYPES, subjectType) || typeof id !== "string") return null;
      changes.push({ type, subject: { type: subjectType, id } });
    }
    return changes;
  } catch {
    return null;
  }
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

/** The live console's changes as every replica hears them on {@link DOMAIN_EVENTS_CHANNEL}. */
export function liveChangesFrom(feed: ChangeFeed): LiveChangeSource {
  return { subscribe: (onChanges) => feed.subscribe((payload) => onChanges(decodeLiveChanges(payload))) };
}
