import type { CredentialChange } from "../../ports/credential-cache";

/** The PostgreSQL notification channel credential changes are announced on (pg-change-feed.ts listens). */
export const CREDENTIAL_CHANGES_CHANNEL = "credential_changes";

/**
 * A NOTIFY payload must be shorter than 8000 bytes: past this, the message says "everything" instead (a bulk
 * action that ends many sessions), and the other replicas drop their whole cache.
 */
const MAX_PAYLOAD_BYTES = 7_000;

/** The payload announcing `changes`: JSON, or `[{"kind":"all"}]` when it would not fit. */
export function encodeCredentialChanges(changes: readonly CredentialChange[]): string {
  const payload = JSON.stringify(changes);
  return Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES ? payload : JSON.stringify([{ kind: "all" }]);
}

/** A payload heard on the channel; "*" (the feed reconnected) or anything unreadable means everything. */
export function decodeCredentialChanges(payload: string): CredentialChange[] {
  if (payload === "*") return [{ kind: "all" }];
  try {
    const parsed: unknown = JSON.parse(payload);
    if (Array.isArray(parsed) && parsed.every(isChange)) return parsed;
  } catch {
    // falls through
  }
  return [{ kind: "all" }];
}

function isChange(value: unknown): value is CredentialChange {
  if (typeof value !== "object" || value === null || !("kind" in value)) return false;
  if (value.kind === "all") return true;
  return (value.kind === "token" || value.kind === "session" || value.kind === "user") && "id" in value && typeof value.id === "string";
}
