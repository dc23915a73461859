import { FlagInvalidError, FlagNotFoundError, FlagsManagedElsewhereError, FlagVersionConflictError } from "../domain/errors";
import {
  FLAG_AUDIT_ACTIONS,
  flagProblems,
  isFlagKey,
  ldFlagSchema,
  type FlagChange,
  type FlagKey,
  type LdFlag,
} from "../domain/feature-flags";
import type { FlagSetup } from "../ports/feature-flags";
import type { Repositories, UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";
import type { FlagSync } from "./flag-sync";

export type UpdateFlag = (key: string, change: FlagChange, options: { expectedVersion?: number }, context: CallContext) => Promise<LdFlag>;
export type RevertFlag = (key: string, toVersion: number, options: { expectedVersion?: number }, context: CallContext) => Promise<LdFlag>;

interface Deps {
  unitOfWork: UnitOfWork;
  mode: FlagSetup["mode"];
  /** Null with LaunchDarkly: nothing is stored here. */
  sync: FlagSync | null;
}

/**
 * Changes a stored flag (issue 9): the merge of `change` into it must still be a valid flag of its declaration
 * (flagProblems), is stored as the next version only if nobody changed it meanwhile, is audited with the whole
 * flag before and after, and is handed to the SDK once committed; other replicas hear of it through FlagSync.
 */
export function makeUpdateFlag(deps: Deps): UpdateFlag {
  return (key, change, options, context) =>
    replaceFlag(deps, key, options, context, FLAG_AUDIT_ACTIONS.updated, (current) => ({ ...current, ...change }));
}

/**
 * Puts a flag back as it was at `toVersion` (its history: the audit log's `after` of that version), as a new
 * version: history only grows.
 */
export function makeRevertFlag(deps: Deps): RevertFlag {
  return (key, toVersion, options, context) =>
    replaceFlag(deps, key, options, context, FLAG_AUDIT_ACTIONS.reverted, async (current, repos) => {
      const past = await findVersion(repos, key, toVersion);
      if (!past) throw new FlagInvalidError(key, [`version ${toVersion} is not in the flag's history`]);
      return { ...past, version: current.version };
    });
}

type Repos = Repositories;

async function replaceFlag(
  deps: Deps,
  key: string,
  options: { expectedVersion?: number },
  context: CallContext,
  action: string,
  next: (current: LdFlag, repos: Repos) => LdFlag | Promise<LdFlag>,
): Promise<LdFlag> {
  if (deps.mode === "launchdarkly" || !deps.sync) throw new FlagsManagedElsewhereError();
  if (!isFlagKey(key)) throw new FlagNotFoundError(key);
  const flagKey: FlagKey = key;
  const stored = await deps.unitOfWork.run(
    async (repos) => {
      const current = (await repos.flags.get(flagKey))?.flag;
      if (!current) throw new FlagNotFoundError(flagKey);
      const expected = options.expectedVersion ?? current.version;
      if (expected !== current.version) throw new FlagVersionConflictError(flagKey, expected, current.version);
      const candidate = ldFlagSchema.safeParse(await next(current, repos));
      if (!candidate.success) {
        throw new FlagInvalidError(flagKey, candidate.error.issues.map((issue) => `${issue.path.join(".") || "flag"}: ${issue.message}`));
      }
      const problems = flagProblems(flagKey, candidate.data);
      if (problems.length > 0) throw new FlagInvalidError(flagKey, problems);
      const saved = await repos.flags.replace(candidate.data, current.version);
      // The version moved between the read and the write: another change committed first.
      if (!saved) throw new FlagVersionConflictError(flagKey, expected, (await repos.flags.get(flagKey))?.flag.version ?? expected + 1);
      await repos.audit.append({
        action,
        target: { type: "flag", id: flagKey },
        data: { before: current, after: saved.flag },
        ...auditBy(context),
      });
      return saved.flag;
    },
    { signal: context.signal },
  );
  await deps.sync.publish(stored);
  return stored;
}

/** The flag as it was at `version`: the `after` of the audit entry that made it. */
async function findVersion(repos: Repos, key: string, version: number): Promise<LdFlag | null> {
  let cursor: string | undefined;
  do {
    const page = await repos.audit.list({ targetType: "flag", targetId: key, limit: 200, ...(cursor && { cursor }) });
    for (const entry of page.items) {
      // A version is the `after` of the change that made it, or the `before` of the next one (a flag stored
      // before its creation was audited has only the latter).
      for (const side of [entry.data.after, entry.data.before]) {
        const parsed = ldFlagSchema.safeParse(side);
        if (parsed.success && parsed.data.version === version) return parsed.data;
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return null;
}
