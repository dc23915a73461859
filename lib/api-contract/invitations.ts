/** Invitations: an admin invites someone (POST /api/v1/invitations), who sets a password with the link. */
import * as z from "../domain/zod";

import { requestedRole, timestamp } from "./common";
import { password } from "./session";
import { userEmail, userName, userResponse } from "./users";

export const inviteBody = z.strictObject({ email: userEmail, name: userName, role: requestedRole });

export type InviteBody = z.output<typeof inviteBody>;

export const acceptInvitationBody = z.strictObject({
  token: z.string().check(z.minLength(1), z.maxLength(200)),
  password,
});

export type AcceptInvitationBody = z.output<typeof acceptInvitationBody>;

export const invitationResponse = z
  .strictObject({
    user: userResponse,
    invitationUrl: z.url().check(z.meta({ description: "Single-use link for the invited person; shown once" })),
    expiresAt: timestamp,
  })
  .check(z.meta({ id: "Invitation" }));

export const acceptedInvitationResponse = z
  .strictObject({ email: z.string().check(z.meta({ description: "Sign in with this email and the password just set" })) })
  .check(z.meta({ id: "AcceptedInvitation" }));
