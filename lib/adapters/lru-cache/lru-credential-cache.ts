import { LRUCache } from "lru-cache";

import type { ChangeFeed } from "../../ports/change-feed";
import type { CredentialCache, CredentialChange, CredentialChanges, VerifiedCredential } from "../../ports/credential-cache";

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
  /**
   * Other replicas' changes (PostgreSQL), as announced by the units of work that made them
   * (prisma-credential-change-notices.ts); null where this process is the only one (embedded, in-memory).
   */
  feed: ChangeFeed | null;
  /** Reads a message heard on the feed; "*" (a reconnect) or anything unreadable must mean "all". */
  decode: (payload: string) => CredentialChange[];
}

export type RunningCredentialCache = CredentialCache &
  CredentialChanges & {
    /** Starts hearing other replicas' changes (server/main.ts, before it serves). */
    start(): Promise<void>;
    stop(): Promise<void>;
  };

/**
 * Verified credentials in the process (lru-cache: bounded, each entry with its time to live), dropped on every
 * replica when they change: this one once the unit of work that changed them settles, the others when its
 * notification arrives (one per committed unit that changed any). Whatever the feed loses, the time to live
 * bounds, and a reconnected feed drops everything, since it cannot know what it missed.
 */
export function createLruCredentialCache(options: CredentialCacheOptions): RunningCredentialCache {
  const entries = new LRUCache<string, VerifiedCredential>({ max: options.max, ttl: Math.max(options.ttlMs, 1) });
  // Apart, so that a flood of made-up secrets cannot push the verified credentials out.
  const unknowns = new LRUCache<string, VerifiedCredential>({ max: options.max, ttl: Math.max(options.unknownTtlMs, 1) });
  let changesSeen = 0;
  let subscription: { close(): Promise<void> } | undefined;

  const forget = (changes: readonly CredentialChange[]) => {
    changesSeen++;
    if (changes.some((change) => change.kind === "all")) {
      entries.clear();
      unknowns.clear();
      return;
    }
    for (const [hash, credential] of entries.entries()) {
      if (changes.some((change) => affects(change, credential))) entries.delete(hash);
    }
  };

  return {
    get: (key) => (options.ttlMs > 0 ? (entries.get(key) ?? unknowns.get(key)) : undefined),
    set(key, credential, readSince) {
      if (options.ttlMs <= 0 || readSince !== changesSeen) return;
      if (credential.kind === "unknown") {
        entries.delete(key);
        unknowns.set(key, credential);
      } else {
        unknowns.delete(key);
        entries.set(key, credential);
      }
    },
    generation: () => changesSeen,
    forget(changes) {
      if (changes.length > 0) forget(changes);
    },
    async start() {
      if (!options.feed || subscription) return;
      subscription = await options.feed.subscribe((payload) => forget(options.decode(payload)));
    },
    async stop() {
      await subscription?.close();
      subscription = undefined;
      entries.clear();
      unknowns.clear();
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
