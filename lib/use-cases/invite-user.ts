import { INVITATION_TTL_MS } from "../domain/auth";
import { EmailTakenError, ForbiddenError } from "../domain/errors";
import { principalHas } from "../domain/permissions";
import { normalizeEmail, type Role, type User } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";
import { hashSecret, newSecret } from "./secrets";

export type InviteUser = (
  input: { email: string; name: string; role: Role },
  context: CallContext,
) => Promise<{ user: User; secret: string; expiresAt: Date }>;

/**
 * Creates an INVITED user and a single-use invitation valid for 7 days. The secret is returned once, for the
 * link shown to the inviter; only its hash is stored. Inviting someone still INVITED again replaces their link;
 * inviting an existing user without a password (created through the API) makes them INVITED with that link.
 */
export function makeInviteUser({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): InviteUser {
  return (input, context) => {
    // Never an API token (issue 18): the link makes a person who can sign in, and outlives the token.
    if (!principalHas(context.principal, "invitations:create")) throw new ForbiddenError("Your role may not invite users");
    if (input.role === "ADMIN" && !principalHas(context.principal, "users:grant-admin")) {
      throw new ForbiddenError("Only an ADMIN signed in may invite an ADMIN");
    }
    const secret = newSecret();
    return unitOfWork.run(
      async ({ users, credentials, invitations, audit }) => {
        const now = clock.now();
        const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
        const email = normalizeEmail(input.email);
        const existing = await users.getByEmail(email, { includeDeleted: true });
        // Someone who can sign in already, or a deleted user, cannot be invited; a user without a password (one
        // created through POST /users, or invited before) can: they become INVITED until they accept.
        if (existing && (existing.deletedAt !== null || (await credentials.get(existing.id)) !== null)) {
          throw new EmailTakenError(email);
        }
        const user = existing
          ? await users.update(existing.id, () => ({ name: input.name, role: input.role, status: "INVITED" }))
          : await users.create({ email, name: input.name, role: input.role, status: "INVITED" });
        await invitations.retireForUser(user.id, now);
        const invitation = await invitations.create({ userId: user.id, secretHash: hashSecret(secret), createdAt: now, expiresAt });
        await audit.append({
          action: "invitation.created",
          ...auditBy(context),
          target: { type: "user", id: user.id },
          data: { after: { email: user.email, name: user.name, role: user.role }, invitationId: invitation.id, expiresAt },
        });
        return { user, secret, expiresAt };
      },
      { signal: context.signal },
    );
  };
}
