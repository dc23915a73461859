/** Signing in and out, one's own password and sessions: /api/v1/session and below. */
import * as z from "../domain/zod";

import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../domain/auth";
import { role, timestamp } from "./common";

/** The rules of a new password (a changed one, or the one an invitation sets). */
export const password = z
  .string()
  .check(
    z.minLength(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`),
    z.maxLength(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`),
    z.refine((value) => value.trim().length >= PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters besides spaces`),
  );

export const signInBody = z.strictObject({
  email: z.string().check(z.minLength(1, "Enter your email"), z.maxLength(320)),
  // Not the new-password rules: a sign-in checks whatever the password is.
  password: z.string().check(z.minLength(1, "Enter your password"), z.maxLength(PASSWORD_MAX_LENGTH)),
});

export type SignInBody = z.output<typeof signInBody>;

export const changePasswordBody = z
  .strictObject({
    currentPassword: z.string().check(z.minLength(1, "Enter your current password"), z.maxLength(PASSWORD_MAX_LENGTH)),
    newPassword: password,
  })
  // Above all for the one-time password, which was printed on a console and may sit in its scrollback.
  .check(
    z.refine((body) => body.newPassword !== body.currentPassword, {
      path: ["newPassword"],
      message: "Choose a password different from the current one",
    }),
  );

export type ChangePasswordBody = z.output<typeof changePasswordBody>;

export const principalResponse = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("user"),
      user: z.strictObject({ id: z.string(), email: z.string(), name: z.string(), role }),
      mustChangePassword: z.boolean().check(z.meta({ description: "Only the password change is allowed until it is done" })),
    }),
    z.strictObject({
      kind: z.literal("token"),
      token: z.strictObject({ id: z.string(), name: z.string(), role }),
    }),
  ])
  .check(z.meta({ id: "Principal", description: "Who the request acts as: a signed-in user, or an API token" }));

export type PrincipalJson = z.output<typeof principalResponse>;

export const sessionListResponse = z
  .strictObject({
    items: z.array(
      z.strictObject({
        id: z.string(),
        createdAt: timestamp,
        lastSeenAt: timestamp,
        expiresAt: timestamp,
        userAgent: z.nullable(z.string()),
        ip: z.nullable(z.string()),
        current: z.boolean().check(z.meta({ description: "The session this request was made with" })),
      }),
    ),
  })
  .check(z.meta({ id: "SessionList" }));

export type OwnSessionJson = z.output<typeof sessionListResponse>["items"][number];
