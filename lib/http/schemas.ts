/**
 * Request schemas of the REST API, next to nothing else: handlers validate with them, the client forms
 * validate with them, and the OpenAPI document will be generated from them. Objects are strict: an unknown
 * field is an error, not silently dropped.
 */
import { z } from "zod";

import { MAX_AUDIT_PAGE_SIZE } from "../domain/audit";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../domain/auth";
import { ROLES } from "../domain/user";

export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((value) => value.trim().length >= PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters besides spaces`);

const email = z.email("Enter an email address").max(320);
const name = z.string().trim().min(1, "Enter a name").max(200);
const role = z.enum(ROLES);

export const signInBody = z.strictObject({
  email: z.string().min(1, "Enter your email").max(320),
  // Not the new-password rules: a sign-in checks whatever the password is.
  password: z.string().min(1, "Enter your password").max(PASSWORD_MAX_LENGTH),
});

export const changePasswordBody = z
  .strictObject({
    currentPassword: z.string().min(1, "Enter your current password").max(PASSWORD_MAX_LENGTH),
    newPassword: password,
  })
  // Above all for the one-time password, which was printed on a console and may sit in its scrollback.
  .refine((body) => body.newPassword !== body.currentPassword, {
    path: ["newPassword"],
    message: "Choose a password different from the current one",
  });

export const idParams = z.strictObject({ id: z.string().min(1).max(100) });

export const inviteBody = z.strictObject({ email, name, role });

export const acceptInvitationBody = z.strictObject({
  token: z.string().min(1).max(200),
  password,
});

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1, "Name the token").max(100),
  role,
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .default(null)
    .transform((value) => (value === null ? null : new Date(value)))
    .refine((value) => value === null || value.getTime() > Date.now(), "The expiry must be in the future"),
});

export const createUserBody = z.strictObject({
  email,
  name,
  role: role.default("VIEWER"),
  // INVITED is where invitations put people, not a status anyone sets.
  status: z.enum(["ACTIVE", "DISABLED"]).default("ACTIVE"),
});

/** Idempotency-Key: any printable ASCII (a UUID, say), as Stripe and the IETF draft allow. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces");

/** A JSON merge patch (RFC 7396) of a user. `null` would remove a field, and every field is required: 422. */
export const patchUserBody = z
  // INVITED is where invitations put people, not a status anyone sets.
  .strictObject({ name, role, status: z.enum(["ACTIVE", "DISABLED"]) })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one of name, role, status");

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE_SIZE).default(50),
  cursor: z.string().min(1).max(500).optional(),
  action: z.string().min(1).max(64).optional(),
  actor: z.string().min(1).max(320).optional(),
  targetType: z.enum(["user", "token", "invitation", "session"]).optional(),
  targetId: z.string().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
});
