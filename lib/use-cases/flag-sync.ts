import type { LdFlag } from "../domain/feature-flags";
import type { FlagChangeFeed, LocalFeatureFlags } from "../ports/feature-flags";
import type { Logger } from "../ports/logger";
import type { UnitOfWork } from "../ports/unit-of-work";

/**
 * Keeps this replica's SDK in step with the stored flags (issue 9): a change made here is applied at once
 * ({@link FlagSync.publish}); a change made on another replica arrives as a notification from the database's
 * change feed (PostgreSQL LISTEN/NOTIFY), and a poll every `pollMs` catches what a lost connection missed. A
 * flag is applied only when its version is newer than the one the SDK has, so the order in which the three
 * paths deliver does not matter.
 */
export interface FlagSync {
  /** Subscribes to the change feed and starts polling. */
  start(): Promise<void>;
  /** Applies a flag this replica just stored (after its unit of work committed). */
  publish(flag: LdFlag): Promise<void>;
  /** Re-reads the stored flags and applies those that are newer. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export function makeFlagSync(deps: {
  unitOfWork: UnitOfWork;
  flags: LocalFeatureFlags;
  /** The flags the SDK was started with. */
  initial: readonly LdFlag[];
  feed: FlagChangeFeed | null;
  pollMs: number;
  log: Logger;
}): FlagSync {
  const versions = new Map(deps.initial.map((flag) => [flag.key, flag.version]));
  let poller: NodeJS.Timeout | undefined;
  let subscription: { close(): Promise<void> } | null = null;
  // One refresh at a time; a notification during one asks for one more after it, never a pile of them.
  let running: Promise<void> | null = null;
  let again = false;

  async function apply(flag: LdFlag): Promise<void> {
    if ((versions.get(flag.key) ?? 0) >= flag.version) return;
    await deps.flags.apply(flag);
    // Recorded once the SDK has it: a version it refused is tried again by the next refresh.
    if ((versions.get(flag.key) ?? 0) < flag.version) versions.set(flag.key, flag.version);
  }

  async function readAndApply(): Promise<void> {
    const stored = await deps.unitOfWork.run(({ flags }) => flags.list());
    for (const { flag } of stored) await apply(flag);
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await readAndApply();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  const refreshLogged = (why: string) => {
    refresh().catch((error: unknown) => deps.log.warn({ err: error, why }, "feature flags: could not re-read the stored flags"));
  };

  return {
    async start() {
      if (deps.feed) {
        try {
          subscription = await deps.feed.subscribe(() => refreshLogged("notification"));
        } catch (error) {
          deps.log.warn({ err: error }, `feature flags: no change notifications; other replicas' changes arrive by polling every ${deps.pollMs} ms`);
        }
      }
      poller = setInterval(() => refreshLogged("poll"), deps.pollMs);
      poller.unref();
      // A change committed between loading the flags at start-up and listening now would otherwise wait for the
      // next poll: during a rolling deploy, a new replica could miss the kill switch for FLAG_POLL_MS.
      await refresh().catch((error: unknown) => deps.log.warn({ err: error }, "feature flags: could not re-read the stored flags"));
    },
    publish: apply,
    refresh,
    async stop() {
      clearInterval(poller);
      await subscription?.close();
      subscription = null;
      await running?.catch(() => undefined);
    },
  };
}
