import { describe, expect, it } from "vitest";

import type { ApiToken, Session } from "../../domain/auth";
import type { User } from "../../domain/user";
import type { ChangeFeed } from "../../ports/change-feed";
import type { VerifiedCredential } from "../../ports/credential-cache";
import { decodeCredentialChanges, encodeCredentialChanges } from "../pg/credential-change-messages";
import { createLruCredentialCache } from "./lru-credential-cache";

const at = new Date("2026-12-06T00:00:00.000Z");

const token = (id: string): VerifiedCredential => ({
  kind: "token",
  token: { id, name: id, role: "ADMIN", prefix: "uct_x", createdAt: at, createdBy: "a", ownerId: null, expiresAt: at, lastUsedAt: null, revokedAt: null } satisfies ApiToken,
});
const session = (id: string, userId: string): VerifiedCredential => ({
  kind: "session",
  session: { id, userId, createdAt: at, lastSeenAt: at, userAgent: null, ip: null } satisfies Session,
  user: { id: userId, email: `${userId}@example.com`, name: userId, role: "VIEWER", status: "ACTIVE", createdAt: at, updatedAt: at, version: 1, deletedAt: null } satisfies User,
  mustChangePassword: false,
});

/** A feed that lets the test deliver messages as the database would from another replica. */
function fakeFeed() {
  let deliver: (payload: string) => void = () => undefined;
  const feed: ChangeFeed = {
    async subscribe(onMessage) {
      deliver = onMessage;
      return { close: async () => undefined };
    },
  };
  return { feed, deliver: (payload: string) => deliver(payload) };
}

function cacheWith(feed: ChangeFeed | null = null, ttlMs = 60_000) {
  return createLruCredentialCache({ ttlMs, unknownTtlMs: 1_000, max: 100, feed, decode: decodeCredentialChanges });
}

describe("the credential cache", () => {
  it("forgets exactly what a change names: a token, a session, or every session of a user", () => {
    const cache = cacheWith();
    const fill = () => {
      cache.set("t1", token("t1"), cache.generation());
      cache.set("t2", token("t2"), cache.generation());
      cache.set("s1", session("s1", "u1"), cache.generation());
      cache.set("s2", session("s2", "u1"), cache.generation());
      cache.set("s3", session("s3", "u2"), cache.generation());
    };
    const cached = () => ["t1", "t2", "s1", "s2", "s3"].filter((hash) => cache.get(hash) !== undefined);
    fill();
    cache.forget([{ kind: "token", id: "t1" }]);
    expect(cached()).toEqual(["t2", "s1", "s2", "s3"]);
    cache.forget([{ kind: "session", id: "s3" }]);
    expect(cached()).toEqual(["t2", "s1", "s2"]);
    cache.forget([{ kind: "user", id: "u1" }]);
    expect(cached()).toEqual(["t2"]);
    fill();
    cache.forget([{ kind: "all" }]);
    expect(cached()).toEqual([]);
  });

  it("does not keep what was read before a change was forgotten (the read may predate it)", () => {
    const cache = cacheWith();
    const readSince = cache.generation();
    cache.forget([{ kind: "token", id: "t1" }]); // committed while the database was being read
    cache.set("t1", token("t1"), readSince);
    expect(cache.get("t1")).toBeUndefined();
    cache.set("t1", token("t1"), cache.generation());
    expect(cache.get("t1")).toEqual(token("t1"));
  });

  it("keeps nothing when its time to live is 0 (AUTH_CACHE_TTL_MS=0 turns it off)", () => {
    const cache = cacheWith(null, 0);
    cache.set("t1", token("t1"), cache.generation());
    expect(cache.get("t1")).toBeUndefined();
  });

  it("forgets what the other replicas announce; a reconnect or a garbled message forgets all", async () => {
    const { feed, deliver } = fakeFeed();
    const cache = cacheWith(feed);
    await cache.start();
    cache.set("t1", token("t1"), cache.generation());
    cache.set("s1", session("s1", "u1"), cache.generation());
    deliver(encodeCredentialChanges([{ kind: "token", id: "t1" }]));
    expect(cache.get("t1")).toBeUndefined();
    expect(cache.get("s1")).toBeDefined();
    deliver("*");
    expect(cache.get("s1")).toBeUndefined();
    cache.set("s1", session("s1", "u1"), cache.generation());
    deliver("{not json");
    expect(cache.get("s1")).toBeUndefined();
    await cache.stop();
  });

  it("announces 'everything' when a bulk action's changes would not fit in one notification", () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ kind: "user", id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` }) as const);
    expect(decodeCredentialChanges(encodeCredentialChanges(many))).toEqual([{ kind: "all" }]);
    const few = many.slice(0, 20);
    expect(decodeCredentialChanges(encodeCredentialChanges(few))).toEqual(few);
  });
});
