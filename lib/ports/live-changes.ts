import type { EventSubject, EventType } from "../domain/events";

/**
 * What the live console hears (issue 21): a committed change's event type and subject, no payload (a browser
 * refetches what it shows, through the API and its permissions).
 */
export interface LiveChange {
  type: EventType;
  subject: EventSubject;
}

/**
 * Where committed changes come from, in commit order: on PostgreSQL the domain events' NOTIFY, which every
 * replica hears; on a single-process database this process's own commits. `null` means some may have been lost
 * (the source reconnected, or a unit had too many to name): anything may have changed.
 */
export interface LiveChangeSource {
  subscribe(onChanges: (changes: readonly LiveChange[] | null) => void): Promise<{ close(): Promise<void> }>;
}
