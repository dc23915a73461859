/**
 * The user aggregate as the rest of the app sees it: plain data, no persistence concerns.
 */

export const ROLES = ["ADMIN", "EDITOR", "VIEWER"] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ["ACTIVE", "DISABLED", "INVITED"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export interface User {
  readonly id: string;
  /** Always lower-case: see {@link normalizeEmail}. */
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Starts at 1 and grows by one with every change; a stale expected version is refused. */
  readonly version: number;
  /** Set while the user is soft-deleted. */
  readonly deletedAt: Date | null;
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  /** Only for imports and demo data; the database sets it otherwise. */
  createdAt?: Date;
}

/** The fields a change may set; the adapter owns id, version and the timestamps. */
export type UserPatch = Partial<Pick<User, "email" | "name" | "role" | "status">>;

/**
 * Emails are compared case-insensitively everywhere, so they are stored lower-case: the unique index then
 * enforces case-insensitive uniqueness without a functional index.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
