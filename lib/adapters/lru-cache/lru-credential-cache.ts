import { LRUCache } from "lru-cache";

import type { ChangeFeed } from "../../ports/change-feed";
import type { CredentialCache, CredentialChange, CredentialChanges, VerifiedCredential } from "../../ports/credential-cache";
import type { Logger } from "../../ports/logger";

export interface CredentialCacheOptions {
  /**
   * How long a verified credential is kept: the bound on how stale it can be when a change notification is lost
   * (AUTH_CACHE_TTL_MS). 0 turns the cache off: every request asks the database, as before issue 16.
   */
  ttlMs: number;
  /** How long an unknown secret is remembered as unknown (shorter: a token may be created on another replica). */
  unknownTtlMs: number;
  /** At most this many credentials; the least recently used go first. */
  max: number;
  /** Other replicas' changes (PostgreSQL); null where this process is the only one (embedded, in-memory). */
  feed: ChangeFeed | null;
  log: Logger;
}

export type RunningCredentialCache = CredentialCache &
  CredentialChanges & {
    /** Starts hearing other replicas' changes (server/main.ts, before it serves). */
    start(): Promise<void>;
    stop(): Promise<void>;
  };

/** Past this many changes in one unit of work (a bulk action), the whole cache is dropped instead. */
const MAX_CHANGES_PER_MESSAGE = 100;

/**
 * Verified credentials in the process (lru-cache: bounded, each entry with its time to live), dropped on every
 * replica when they change: this one at once, the others through the feed (one NOTIFY per committed unit of work
 * that changed any). Whatever the feed loses, the time to live bounds, and a reconnected feed drops everything,
 * since it cannot know what it missed.
 */
export function createLruCredentialCache(options: CredentialCacheOptions): RunningCredentialCache {
  const entries = new LRUCache<string, VerifiedCredential>({ max: options.max, ttl: Math.max(options.ttlMs, 1) });
  let changesSeen = 0;
  let subscription: { close(): Promise<void> } | undefined;

  const forget = (changes: readonly CredentialChange[]) => {
    changesSeen++;
    if (changes.some((change) => change.kind === "all")) {
      entries.clear();
      return;
    }
    for (const [hash, credential] of entries.entries()) {
      if (changes.some((change) => affects(change, credential))) entries.delete(hash);
    }
  };

  return {
    get: (hash) => (options.ttlMs > 0 ? entries.get(hash) : undefined),
    set(hash, credential, readSince) {
      if (options.ttlMs <= 0 || readSince !== changesSeen) return;
      entries.set(hash, credential, { ttl: credential.kind === "unknown" ? options.unknownTtlMs : options.ttlMs });
    },
    generation: () => changesSeen,
    publish(changes) {
      if (changes.length === 0) return;
      forget(changes);
      if (!options.feed) return;
      const message = changes.length > MAX_CHANGES_PER_MESSAGE ? [{ kind: "all" } as const] : changes;
      // Not awaited: the change has committed and this replica has forgotten; the others hear of it in a moment,
      // or their time to live ends it.
      options.feed.publish(JSON.stringify(message)).catch((error: unknown) =>
        options.log.warn({ err: error }, "credential changes: could not notify the other replicas; their cache ends it"),
      );
    },
    async start() {
      if (!options.feed || subscription) return;
      subscription = await options.feed.subscribe((payload) => forget(parseChanges(payload)));
    },
    async stop() {
      await subscription?.close();
      subscription = undefined;
      entries.clear();
    },
  };
}

function affects(change: CredentialChange, credential: VerifiedCredential): boolean {
  switch (change.kind) {
    case "token":
      return credential.kind === "token" && credential.token.id === change.id;
    case "session":
      return credential.kind === "session" && credential.session.id === change.id;
    case "user":
      return credential.kind === "session" && credential.user.id === change.id;
    case "all":
      return true;
  }
}

/** A message from the feed; "*" (a reconnect) or anything unreadable means everything may have changed. */
function parseChanges(payload: string): CredentialChange[] {
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
