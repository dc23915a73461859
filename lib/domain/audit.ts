/** A record of a change to a user, written in the same unit of work as the change. */
export interface AuditEntry {
  readonly id: string;
  readonly userId: string;
  /** What happened, e.g. `user.created`, `user.disabled`. */
  readonly action: string;
  /** Who did it: an admin's email, or `system` for start-up work such as seeding. */
  readonly actor: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export type NewAuditEntry = Pick<AuditEntry, "userId" | "action" | "actor"> & {
  data?: Record<string, unknown>;
};
