import { FLAG_KEYS, initialFlag, type LdFlag } from "../domain/feature-flags";
import type { UnitOfWork } from "../ports/unit-of-work";

/**
 * The local flags as stored, after storing each declared flag that is not stored yet (a first start, or a flag
 * added to the code since): what the LaunchDarkly SDK starts from when no SDK key is set (issue 9).
 */
export function makeLoadLocalFlags({ unitOfWork }: { unitOfWork: UnitOfWork }): () => Promise<LdFlag[]> {
  return () =>
    unitOfWork.run(async ({ flags }) => {
      await flags.createMissing(FLAG_KEYS.map(initialFlag));
      return (await flags.list()).map((stored) => stored.flag);
    });
}
