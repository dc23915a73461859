import { SYSTEM_ACTOR } from "../domain/auth";
import { FLAG_AUDIT_ACTIONS, FLAG_KEYS, initialFlag, type LdFlag } from "../domain/feature-flags";
import type { UnitOfWork } from "../ports/unit-of-work";

/**
 * The local flags as stored, after storing each declared flag that is not stored yet (a first start, or a flag
 * added to the code since), each audited as created so its history starts at version 1: what the LaunchDarkly
 * SDK starts from when no SDK key is set (issue 9).
 */
export function makeLoadLocalFlags({ unitOfWork }: { unitOfWork: UnitOfWork }): () => Promise<LdFlag[]> {
  return () =>
    unitOfWork.run(async ({ flags, audit }) => {
      const created = await flags.createMissing(FLAG_KEYS.map(initialFlag));
      await audit.appendMany(
        created.map((flag) => ({
          action: FLAG_AUDIT_ACTIONS.created,
          actor: SYSTEM_ACTOR,
          target: { type: "flag" as const, id: flag.key },
          data: { after: flag },
        })),
      );
      return (await flags.list()).map((stored) => stored.flag);
    });
}
