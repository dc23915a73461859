import type { AuditEntry } from "../domain/audit";
import { FlagNotFoundError } from "../domain/errors";
import { FLAG_KEYS, FLAGS, isFlagKey, type FlagKey, type LdFlag } from "../domain/feature-flags";
import type { FlagSetup } from "../ports/feature-flags";
import type { UnitOfWork } from "../ports/unit-of-work";

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
}

export type ListFlags = (signal?: AbortSignal) => Promise<FlagView[]>;
export type GetFlag = (key: string, signal?: AbortSignal) => Promise<FlagView>;

/** Every declared flag, with its stored definition and last change when the flags are local. */
export function makeListFlags({ unitOfWork, mode }: { unitOfWork: UnitOfWork; mode: FlagSetup["mode"] }): ListFlags {
  return (signal) => viewsOf(unitOfWork, mode, FLAG_KEYS, signal);
}

export function makeGetFlag({ unitOfWork, mode }: { unitOfWork: UnitOfWork; mode: FlagSetup["mode"] }): GetFlag {
  return async (key, signal) => {
    if (!isFlagKey(key)) throw new FlagNotFoundError(key);
    const [view] = await viewsOf(unitOfWork, mode, [key], signal);
    if (!view) throw new FlagNotFoundError(key);
    return view;
  };
}

function viewsOf(unitOfWork: UnitOfWork, mode: FlagSetup["mode"], keys: readonly FlagKey[], signal?: AbortSignal): Promise<FlagView[]> {
  const declared = (key: FlagKey) => ({
    key,
    description: FLAGS[key].description,
    variations: FLAGS[key].variations,
    fallback: FLAGS[key].fallback,
    managedBy: mode,
  });
  if (mode === "launchdarkly") return Promise.resolve(keys.map((key) => ({ ...declared(key), definition: null, lastChange: null })));
  return unitOfWork.run(
    async ({ flags, audit }) => {
      const stored = new Map((await flags.list()).map(({ flag }) => [flag.key, flag]));
      const views: FlagView[] = [];
      // One read of the audit log per flag: the flags are the few the code declares, not data that grows.
      for (const key of keys) {
        const definition = stored.get(key);
        if (!definition) continue; // declared after this replica started: stored at the next start
        const [last] = (await audit.list({ targetType: "flag", targetId: key, limit: 1 })).items;
        views.push({
          ...declared(key),
          definition,
          lastChange: last ? { action: last.action, actor: last.actor, createdAt: last.createdAt } : null,
        });
      }
      return views;
    },
    { signal },
  );
}
