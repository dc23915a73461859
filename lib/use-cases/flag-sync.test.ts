import { afterEach, describe, expect, it } from "vitest";

import { createLaunchDarklyFeatureFlags } from "../adapters/launchdarkly/launchdarkly-feature-flags";
import { createInMemoryDatabase } from "../adapters/memory/in-memory-database";
import { createLogger } from "../adapters/pino/logger";
import type { LdFlag } from "../domain/feature-flags";
import type { FlagChangeFeed } from "../ports/feature-flags";
import { makeFlagSync, type FlagSync } from "./flag-sync";
import { makeLoadLocalFlags } from "./load-local-flags";

const log = createLogger({ LOG_LEVEL: "silent" });
const reader = { key: "u1" };

/** A change feed the test drives: what PostgreSQL's NOTIFY does between replicas. */
function manualFeed() {
  let listener: ((key: string) => void) | null = null;
  const feed: FlagChangeFeed = {
    async subscribe(onChange) {
      listener = onChange;
      return { close: async () => void (listener = null) };
    },
  };
  return { feed, notify: (key: string) => listener?.(key), subscribed: () => listener !== null };
}

const opened: { sync: FlagSync; close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const replica of opened.splice(0)) {
    await replica.sync.stop();
    await replica.close();
  }
});

/** One replica: its SDK fed with the stored flags, and the sync keeping it in step with the database. */
async function replica(options: { pollMs: number; feed?: FlagChangeFeed; start?: boolean }) {
  const db = createInMemoryDatabase();
  const initial = await makeLoadLocalFlags({ unitOfWork: db.unitOfWork })();
  const flags = createLaunchDarklyFeatureFlags({ kind: "local", flags: initial }, log);
  await flags.waitUntilReady();
  const sync = makeFlagSync({ unitOfWork: db.unitOfWork, flags, initial, feed: options.feed ?? null, pollMs: options.pollMs, log });
  if (options.start !== false) await sync.start();
  opened.push({ sync, close: () => flags.close() });
  /** A change committed by another replica sharing the database: stored, not published here. */
  const changeElsewhere = (change: Partial<LdFlag>) =>
    db.unitOfWork.run(async ({ flags: store }) => {
      const current = (await store.get("ops-read-only-mode"))?.flag;
      if (!current) throw new Error("no flag");
      return store.replace({ ...current, ...change }, current.version);
    });
  return { db, flags, sync, changeElsewhere };
}

describe("FlagSync", () => {
  it("applies another replica's change when the feed announces it, and not before (polling every 10 minutes)", async () => {
    const { feed, notify, subscribed } = manualFeed();
    const { flags, changeElsewhere } = await replica({ pollMs: 600_000, feed });
    expect(subscribed()).toBe(true);
    await changeElsewhere({ fallthrough: { variation: 0 } });
    expect((await flags.evaluate("ops-read-only-mode", reader)).value).toBe(false);
    notify("ops-read-only-mode");
    await expect.poll(async () => (await flags.evaluate("ops-read-only-mode", reader)).value).toBe(true);
  });

  it("applies a change committed between loading the flags and starting to listen (a replica starting up)", async () => {
    const { feed } = manualFeed();
    const { flags, sync, changeElsewhere } = await replica({ pollMs: 600_000, feed, start: false });
    await changeElsewhere({ fallthrough: { variation: 0 } });
    await sync.start();
    expect((await flags.evaluate("ops-read-only-mode", reader)).value).toBe(true);
  });

  it("falls back to polling: a change arrives within the poll interval without any notification", async () => {
    const { flags, changeElsewhere } = await replica({ pollMs: 100 });
    await changeElsewhere({ fallthrough: { variation: 0 } });
    await expect.poll(async () => (await flags.evaluate("ops-read-only-mode", reader)).value, { timeout: 5_000 }).toBe(true);
  });

  it("never applies an older version over a newer one, whichever path delivers it last", async () => {
    const { flags, sync, changeElsewhere } = await replica({ pollMs: 600_000 });
    const stored = await changeElsewhere({ fallthrough: { variation: 0 } }); // version 2: on for everyone
    if (!stored) throw new Error("not stored");
    await sync.publish({ ...stored.flag, version: 3, on: false }); // version 3 arrives first: off
    await sync.refresh(); // then the stored version 2
    expect(await flags.evaluate("ops-read-only-mode", reader)).toMatchObject({ value: false, reason: "OFF" });
  });

  it("stops listening and polling when stopped", async () => {
    const { feed, subscribed } = manualFeed();
    const { sync } = await replica({ pollMs: 600_000, feed });
    await sync.stop();
    expect(subscribed()).toBe(false);
  });
});
