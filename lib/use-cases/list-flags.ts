import { DAY_MS, utcDay } from "../domain/days";
import type { AuditEntry } from "../domain/audit";
import { FlagNotFoundError } from "../domain/errors";
import { FLAG_KEYS, FLAGS, isFlagKey, type FlagKey, type LdFlag } from "../domain/feature-flags";
import type { Clock } from "../ports/clock";
import type { FlagSetup } from "../ports/feature-flags";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

/** A flag as the flags page and GET /api/v1/flags show it. */
export interface FlagView {
  key: FlagKey;
  description: string;
  variations: readonly (boolean | string)[];
  /** What the code uses when the flag cannot be evaluated. */
  fallback: boolean | string;
  /** `local`: stored here and changed here; `launchdarkly`: changed on LaunchDarkly, shown read-only. */
  managedBy: FlagSetup["mode"];
  /** The stored flag (LaunchDarkly's flag JSON); null when LaunchDarkly manages the flags. */
  definition: LdFlag | null;
  /** The last change from the audit log (null before the first, or with LaunchDarkly). */
  lastChange: Pick<AuditEntry, "action" | "actor" | "createdAt"> | null;
  /** The last day (UTC) any replica evaluated the flag; null if never (since counts were kept). */
  lastEvaluatedOn: string | null;
  /** Why the flag looks like it could be removed from the code, or null ({@link staleness}). */
  stale: { reason: string } | null;
}

interface Deps {
  unitOfWork: UnitOfWork;
  mode: FlagSetup["mode"];
  clock: Clock;
  /** A flag is stale after this many days unevaluated, or serving one variation only. */
  staleDays: number;
}

export type ListFlags = (context: CallContext) => Promise<FlagView[]>;
export type GetFlag = (key: string, context: CallContext) => Promise<FlagView>;

/** Every declared flag, with its stored definition and last change when the flags are local. */
export function makeListFlags(deps: Deps): ListFlags {
  return ({ signal }) => viewsOf(deps, FLAG_KEYS, signal);
}

export function makeGetFlag(deps: Deps): GetFlag {
  return async (key, { signal }) => {
    if (!isFlagKey(key)) throw new FlagNotFoundError(key);
    const [view] = await viewsOf(deps, [key], signal);
    if (!view) throw new FlagNotFoundError(key);
    return view;
  };
}

function viewsOf({ unitOfWork, mode, clock, staleDays }: Deps, keys: readonly FlagKey[], signal?: AbortSignal): Promise<FlagView[]> {
  const now = clock.now();
  const windowStart = new Date(now.getTime() - staleDays * DAY_MS);
  const since = utcDay(windowStart);
  const declared = (key: FlagKey) => ({
    key,
    description: FLAGS[key].description,
    variations: FLAGS[key].variations,
    fallback: FLAGS[key].fallback,
    managedBy: mode,
  });
  return unitOfWork.run(
    async ({ flags, audit }) => {
      const lastDays = await flags.lastEvaluationDays();
      const recent = await flags.evaluationCountsSince(since);
      const usage = (key: FlagKey) => {
        const variations = new Set(recent.filter((entry) => entry.flag === key).map((entry) => entry.variation));
        return { lastEvaluatedOn: lastDays.get(key) ?? null, variations: [...variations] };
      };
      if (mode === "launchdarkly") {
        // LaunchDarkly marks its own flags stale; the evaluations counted here are still shown.
        return keys.map((key) => ({ ...declared(key), definition: null, lastChange: null, lastEvaluatedOn: usage(key).lastEvaluatedOn, stale: null }));
      }
      const stored = new Map((await flags.list()).map((entry) => [entry.flag.key, entry]));
      const views: FlagView[] = [];
      // One read of the audit log per flag: the flags are the few the code declares, not data that grows.
      for (const key of keys) {
        const entry = stored.get(key);
        if (!entry) continue; // declared after this replica started: stored at the next start
        const [last] = (await audit.list({ targetType: "flag", targetId: key, limit: 1 })).items;
        const { lastEvaluatedOn, variations } = usage(key);
        views.push({
          ...declared(key),
          definition: entry.flag,
          lastChange: last ? { action: last.action, actor: last.actor, createdAt: last.createdAt } : null,
          lastEvaluatedOn,
          stale: isPermanent(key) ? null : staleness({ lastEvaluatedOn, variations, unchangedSince: entry.updatedAt, windowStart, since, staleDays }),
        });
      }
      return views;
    },
    { signal },
  );
}


/**
 * A flag is stale (issue 9) when, over the last `staleDays` days and unchanged all that time, nobody evaluated
 * it, or every evaluation got the same variation: either way the code could stop asking.
 */
export function staleness(input: {
  lastEvaluatedOn: string | null;
  /** The variations served within the window (from the recorded counts). */
  variations: readonly string[];
  unchangedSince: Date;
  windowStart: Date;
  since: string;
  staleDays: number;
}): { reason: string } | null {
  if (input.unchangedSince > input.windowStart) return null;
  if (input.lastEvaluatedOn === null || input.lastEvaluatedOn < input.since) {
    return {
      reason:
        input.lastEvaluatedOn === null
          ? `never evaluated, and unchanged for ${input.staleDays} days`
          : `not evaluated in ${input.staleDays} days (last on ${input.lastEvaluatedOn})`,
    };
  }
  const [only] = input.variations;
  if (input.variations.length === 1 && only !== undefined) {
    return { reason: `served only ${only} for ${input.staleDays} days` };
  }
  return null;
}

function isPermanent(key: FlagKey): boolean {
  const declared = FLAGS[key];
  return "permanent" in declared && declared.permanent;
}
