import type { AuditEntry } from "../domain/audit";
import { FlagNotFoundError } from "../domain/errors";
import { isFlagKey } from "../domain/feature-flags";
import type { UnitOfWork } from "../ports/unit-of-work";

export type FlagHistory = (
  key: string,
  page: { limit: number; cursor?: string },
  signal?: AbortSignal,
) => Promise<{ items: AuditEntry[]; nextCursor: string | null }>;

/** A flag's changes, newest first, from the audit log: each entry holds the whole flag before and after. */
export function makeFlagHistory({ unitOfWork }: { unitOfWork: UnitOfWork }): FlagHistory {
  return (key, page, signal) => {
    if (!isFlagKey(key)) return Promise.reject(new FlagNotFoundError(key));
    return unitOfWork.run(({ audit }) => audit.list({ targetType: "flag", targetId: key, ...page }), { signal });
  };
}
