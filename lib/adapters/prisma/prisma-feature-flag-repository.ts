import { ldFlagSchema, type LdFlag } from "../../domain/feature-flags";
import type { FeatureFlagRepository, StoredFlag } from "../../ports/feature-flag-repository";
import type { Prisma, FeatureFlag as FeatureFlagRow } from "./generated/client.ts";

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

  async createMissing(flags: readonly LdFlag[]): Promise<void> {
    this.guard();
    if (flags.length === 0) return;
    await this.tx.featureFlag.createMany({
      data: flags.map((flag) => ({ key: flag.key, definition: flag, version: flag.version })),
      skipDuplicates: true,
    });
  }

  async replace(flag: LdFlag, expectedVersion: number): Promise<StoredFlag | null> {
    this.guard();
    const version = expectedVersion + 1;
    // Conditional on the version: of two changes made from the same version, the second finds none to replace.
    const { count } = await this.tx.featureFlag.updateMany({
      where: { key: flag.key, version: expectedVersion },
      data: { definition: { ...flag, version }, version, updatedAt: new Date() },
    });
    return count === 1 ? this.get(flag.key) : null;
  }
}

/** A stored row as the domain's flag; a definition that is not a valid flag (edited by hand) is refused loudly. */
function toStoredFlag(row: FeatureFlagRow): StoredFlag {
  return { flag: ldFlagSchema.parse(row.definition), updatedAt: row.updatedAt };
}
