import type { Principal } from "../domain/auth";
import { FeatureOffError, ReadOnlyModeError } from "../domain/errors";
import type { BooleanFlagKey } from "../domain/feature-flags";
import type { ImportPauseReason } from "../domain/import-job";
import type { FeatureFlags } from "../ports/feature-flags";
import { callerFlagContext } from "./flag-context";

/** The flag-gated code paths of the API (issue 9), evaluated for the caller. */
export interface FlagGates {
  /** @throws ReadOnlyModeError while `ops-read-only-mode` is on for the caller. */
  assertWritable(principal: Principal | null): Promise<void>;
  /** @throws FeatureOffError while the feature's flag (`bulk-import`) is off for the caller: it answers as if it did not exist. */
  assertFeatureOn(flag: BooleanFlagKey, principal: Principal | null): Promise<void>;
  /**
   * Why an import job of `uploader` may not write now (issue 18, item 9): the gates of its upload request, which
   * the job's writes stand for, evaluated again. Null when it may.
   */
  importPauseReason(uploader: Principal): Promise<ImportPauseReason | null>;
}

/** Anonymous calls (accepting an invitation) are evaluated for no one in particular: rules on users do not match. */
function contextOf(principal: Principal | null) {
  return principal ? callerFlagContext(principal) : { key: "anonymous" };
}

export function makeFlagGates({ flags }: { flags: FeatureFlags }): FlagGates {
  return {
    async assertWritable(principal) {
      if ((await flags.evaluate("ops-read-only-mode", contextOf(principal))).value) throw new ReadOnlyModeError();
    },
    async assertFeatureOn(flag, principal) {
      if (!(await flags.evaluate(flag, contextOf(principal))).value) throw new FeatureOffError(flag);
    },
    async importPauseReason(uploader) {
      if ((await flags.evaluate("ops-read-only-mode", contextOf(uploader))).value) return "read-only-mode";
      if (!(await flags.evaluate("bulk-import", contextOf(uploader))).value) return "imports-off";
      return null;
    },
  };
}
