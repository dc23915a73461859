import { utcDay } from "../../domain/days";
import { ldFlagSchema, type LdFlag } from "../../domain/feature-flags";
import type { FeatureFlagRepository, FlagEvaluationCount, StoredFlag } from "../../ports/feature-flag-repository";
import type { Prisma, FeatureFlag as FeatureFlagRow } from "./generated/client.ts";

/** The PostgreSQL notification channel a stored flag change is announced on (lib/adapters/pg/pg-change-feed.ts listens). */
export const FLAG_CHANGES_CHANNEL = "feature_flag_changes";

/** Local feature flags through Prisma, on the transaction client of one unit of work. */
export class PrismaFeatureFlagRepository implements FeatureFlagRepository {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async list(): Promise<StoredFlag[]> {
    this.guard();
    const rows = await this.tx.featureFlag.findMany({ orderBy: { key: "asc" } });
    return rows.map(toStoredFlag);
  }

  async get(key: string): Promise<StoredFlag | null> {
    this.guard();
    const row = await this.tx.featureFlag.findUnique({ where: { key } });
    return row ? toStoredFlag(row) : null;
  }

  async createMissing(flags: readonly LdFlag[]): Promise<LdFlag[]> {
    this.guard();
    if (flags.length === 0) return [];
    // ON CONFLICT DO NOTHING ... RETURNING: only the rows this statement inserted come back.
    const rows = await this.tx.featureFlag.createManyAndReturn({
      data: flags.map((flag) => ({ key: flag.key, definition: flag, version: flag.version })),
      skipDuplicates: true,
    });
    return rows.map((row) => toStoredFlag(row).flag);
  }

  async replace(flag: LdFlag, expectedVersion: number): Promise<StoredFlag | null> {
    this.guard();
    const version = expectedVersion + 1;
    // Conditional on the version: of two changes made from the same version, the second finds none to replace.
    const { count } = await this.tx.featureFlag.updateMany({
      where: { key: flag.key, version: expectedVersion },
      data: { definition: { ...flag, version }, version, updatedAt: new Date() },
    });
    if (count !== 1) return null;
    // Delivered to every replica's LISTEN when this transaction commits, not before (lib/use-cases/flag-sync.ts).
    await this.tx.$executeRaw`SELECT pg_notify(${FLAG_CHANGES_CHANNEL}, ${flag.key})`;
    return this.get(flag.key);
  }

  async addEvaluationCounts(counts: readonly FlagEvaluationCount[]): Promise<void> {
    this.guard();
    if (counts.length === 0) return;
    const column = <T>(pick: (count: FlagEvaluationCount) => T) => counts.map(pick);
    // One statement; concurrent replicas add to the same rows without losing counts (ON CONFLICT ... + excluded).
    await this.tx.$executeRaw`
      INSERT INTO flag_evaluation_counts (flag_key, day, variation, count)
      SELECT * FROM unnest(${column((c) => c.flag)}::text[], ${column((c) => c.day)}::date[],
        ${column((c) => c.variation)}::text[], ${column((c) => c.count)}::bigint[])
      ON CONFLICT (flag_key, day, variation) DO UPDATE SET count = flag_evaluation_counts.count + excluded.count`;
  }

  async evaluationCountsSince(since: string): Promise<FlagEvaluationCount[]> {
    this.guard();
    const rows = await this.tx.flagEvaluationCount.findMany({
      where: { day: { gte: new Date(`${since}T00:00:00Z`) } },
      orderBy: [{ flagKey: "asc" }, { day: "asc" }, { variation: "asc" }],
    });
    return rows.map((row) => ({ flag: row.flagKey, day: utcDay(row.day), variation: row.variation, count: Number(row.count) }));
  }

  async lastEvaluationDays(): Promise<Map<string, string>> {
    this.guard();
    const rows = await this.tx.flagEvaluationCount.groupBy({ by: ["flagKey"], _max: { day: true } });
    return new Map(rows.flatMap((row) => (row._max.day ? [[row.flagKey, utcDay(row._max.day)] as const] : [])));
  }
}

/** A stored row as the domain's flag; a definition that is not a valid flag (edited by hand) is refused loudly. */
function toStoredFlag(row: FeatureFlagRow): StoredFlag {
  return { flag: ldFlagSchema.parse(row.definition), updatedAt: row.updatedAt };
}
