import type { AuditEntry, AuditQuery } from "../domain/audit";
import type { UnitOfWork } from "../ports/unit-of-work";

export type ListAuditEvents = (
  query: AuditQuery,
  signal?: AbortSignal,
) => Promise<{ items: AuditEntry[]; nextCursor: string | null }>;

export function makeListAuditEvents({ unitOfWork }: { unitOfWork: UnitOfWork }): ListAuditEvents {
  return (query, signal) => unitOfWork.run(({ audit }) => audit.list(query), { signal });
}
