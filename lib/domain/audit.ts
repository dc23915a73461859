import type { Actor } from "./auth";

/** What an audit entry can be about: the id is a uuid, or a flag's key. */
export const AUDIT_TARGET_TYPES = ["user", "token", "invitation", "session", "flag", "import", "webhook"] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/**
 * A record of a change (or a sign-in attempt), written in the same unit of work as the change: if the entry
 * cannot be written, the change does not happen either.
 */
export interface AuditEntry {
  readonly id: string;
  /** What happened, e.g. `user.updated`, `token.created`, `session.sign_in_failed`. */
  readonly action: string;
  readonly actor: Actor;
  readonly target: { readonly type: AuditTargetType; readonly id: string | null };
  /** The fields that changed: `{ before, after }`. Never secrets. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly createdAt: Date;
}

export interface NewAuditEntry {
  action: string;
  actor: Actor;
  target: { type: AuditTargetType; id: string | null };
  data?: Record<string, unknown>;
  requestId?: string | null;
  traceId?: string | null;
}

/** Filters of the audit log listing; all optional, combined with AND. Newest first. */
export interface AuditQuery {
  action?: string;
  /** The actor's id (user or token), or its label (email, token name). */
  actor?: string;
  targetType?: AuditTargetType;
  targetId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export const MAX_AUDIT_PAGE_SIZE = 200;

/** The fields whose values differ between two versions of a record: what an audit entry stores. */
export function diff<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]) {
  const changedBefore: Record<string, unknown> = {};
  const changedAfter: Record<string, unknown> = {};
  for (const field of fields) {
    if (before[field] !== after[field]) {
      changedBefore[field] = before[field];
      changedAfter[field] = after[field];
    }
  }
  return { before: changedBefore, after: changedAfter };
}
