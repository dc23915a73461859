import type { LdFlag } from "../domain/feature-flags";

/** A flag as this app stores it (issue 9: local flags, when no LaunchDarkly SDK key is set). */
export interface StoredFlag {
  /** LaunchDarkly's flag JSON; `flag.version` grows by one with every change. */
  flag: LdFlag;
  updatedAt: Date;
}

/** How often a flag served a variation on one day (UTC, `YYYY-MM-DD`), summed over replicas. */
export interface FlagEvaluationCount {
  flag: string;
  day: string;
  variation: string;
  count: number;
}

/** The local flags, in the unit of work's transaction (a change commits with its audit entry). */
export interface FeatureFlagRepository {
  /** Every stored flag, by key. */
  list(): Promise<StoredFlag[]>;
  get(key: string): Promise<StoredFlag | null>;
  /**
   * Stores each flag whose key is not stored yet (a first start, a flag added to the code); the rest are kept.
   * Returns the flags it stored (of two replicas starting at once, only one stores a given flag).
   */
  createMissing(flags: readonly LdFlag[]): Promise<LdFlag[]>;
  /**
   * Replaces the flag stored under `flag.key` when its version is still `expectedVersion`; the stored flag gets
   * version `expectedVersion + 1` whatever `flag.version` says. Null when the version moved on (or no such flag).
   */
  replace(flag: LdFlag, expectedVersion: number): Promise<StoredFlag | null>;
  /** Adds each count to the stored one for its flag, day and variation (replicas add theirs concurrently). */
  addEvaluationCounts(counts: readonly FlagEvaluationCount[]): Promise<void>;
  /** Every count of `since` (a day) and later, any flag; ordered by flag, day, variation. */
  evaluationCountsSince(since: string): Promise<FlagEvaluationCount[]>;
  /** The last day each flag was evaluated on, by flag; flags never evaluated are absent. */
  lastEvaluationDays(): Promise<Map<string, string>>;
}
