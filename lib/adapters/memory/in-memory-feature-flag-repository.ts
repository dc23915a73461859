import type { LdFlag } from "../../domain/feature-flags";
import type { FeatureFlagRepository, FlagEvaluationCount, StoredFlag } from "../../ports/feature-flag-repository";
import type { InMemoryState } from "./in-memory-database";

/** Local feature flags in the in-memory database, by key. Entries are replaced, never mutated. */
export class InMemoryFeatureFlagRepository implements FeatureFlagRepository {
  constructor(
    private readonly state: Pick<InMemoryState, "flags" | "flagEvaluations">,
    private readonly now: () => Date,
    /** Throws once the unit of work has been given up on. */
    private readonly guard: () => void,
  ) {}

  async list(): Promise<StoredFlag[]> {
    this.guard();
    return [...this.state.flags.values()].sort((a, b) => (a.flag.key < b.flag.key ? -1 : 1)).map(copy);
  }

  async get(key: string): Promise<StoredFlag | null> {
    this.guard();
    const stored = this.state.flags.get(key);
    return stored ? copy(stored) : null;
  }

  async createMissing(flags: readonly LdFlag[]): Promise<LdFlag[]> {
    this.guard();
    const at = this.now();
    const created = flags.filter((flag) => !this.state.flags.has(flag.key));
    for (const flag of created) this.state.flags.set(flag.key, { flag: structuredClone(flag), updatedAt: at });
    return created.map((flag) => structuredClone(flag));
  }

  async replace(flag: LdFlag, expectedVersion: number): Promise<StoredFlag | null> {
    this.guard();
    if (this.state.flags.get(flag.key)?.flag.version !== expectedVersion) return null;
    const stored = { flag: { ...structuredClone(flag), version: expectedVersion + 1 }, updatedAt: this.now() };
    this.state.flags.set(flag.key, stored);
    return copy(stored);
  }

  async addEvaluationCounts(counts: readonly FlagEvaluationCount[]): Promise<void> {
    this.guard();
    for (const { flag, day, variation, count } of counts) {
      const key = evaluationKey(flag, day, variation);
      const stored = this.state.flagEvaluations.get(key);
      this.state.flagEvaluations.set(key, { flag, day, variation, count: (stored?.count ?? 0) + count });
    }
  }

  async evaluationCountsSince(since: string): Promise<FlagEvaluationCount[]> {
    this.guard();
    return [...this.state.flagEvaluations.values()]
      .filter((entry) => entry.day >= since)
      .sort((a, b) => compare(evaluationKey(a.flag, a.day, a.variation), evaluationKey(b.flag, b.day, b.variation)))
      .map((entry) => ({ ...entry }));
  }

  async lastEvaluationDays(): Promise<Map<string, string>> {
    this.guard();
    const last = new Map<string, string>();
    for (const { flag, day } of this.state.flagEvaluations.values()) {
      if ((last.get(flag) ?? "") < day) last.set(flag, day);
    }
    return last;
  }
}

const evaluationKey = (flag: string, day: string, variation: string) => `${flag}\u0000${day}\u0000${variation}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function copy(stored: StoredFlag): StoredFlag {
  return { flag: structuredClone(stored.flag), updatedAt: stored.updatedAt };
}
