import type { Invitation } from "../domain/auth";
import { InvitationInvalidError } from "../domain/errors";
import type { Clock } from "../ports/clock";
import type { PasswordHasher } from "../ports/password-hasher";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditFrom, type AnonymousContext } from "./call-context";
import { hashSecret } from "./secrets";

export type AcceptInvitation = (input: { token: string; password: string }, context: AnonymousContext) => Promise<{ email: string }>;

interface Deps {
  unitOfWork: UnitOfWork;
  hasher: PasswordHasher;
  clock: Clock;
}

/** The invited person sets a password and becomes ACTIVE; the link then stops working. */
export function makeAcceptInvitation({ unitOfWork, hasher, clock }: Deps): AcceptInvitation {
  return async (input, context) => {
    const secretHash = hashSecret(input.token);
    const usable = (invitation: Invitation | null): invitation is Invitation =>
      invitation !== null && invitation.usedAt === null && invitation.expiresAt > clock.now();
    // Checked before hashing: an anonymous caller with a made-up link costs one indexed read, not an argon2 hash.
    const known = await unitOfWork.run(({ invitations }) => invitations.getBySecretHash(secretHash), { signal: context.signal });
    if (!usable(known)) throw new InvitationInvalidError();
    const passwordHash = await hasher.hash(input.password);
    return unitOfWork.run(
      async ({ users, credentials, invitations, audit }) => {
        const now = clock.now();
        const invitation = await invitations.getBySecretHash(secretHash);
        if (!usable(invitation)) throw new InvitationInvalidError();
        const user = await users.getById(invitation.userId);
        if (!user || user.status !== "INVITED") throw new InvitationInvalidError();
        if (!(await invitations.markUsed(invitation.id, now))) throw new InvitationInvalidError();
        await credentials.set(user.id, { passwordHash, mustChangePassword: false, setAt: now });
        await users.update(user.id, () => ({ status: "ACTIVE" }));
        await audit.append({
          action: "invitation.accepted",
          ...auditFrom(context, { type: "user", id: user.id, label: user.email }),
          target: { type: "user", id: user.id },
          data: { before: { status: "INVITED" }, after: { status: "ACTIVE" }, invitationId: invitation.id },
        });
        return { email: user.email };
      },
      { signal: context.signal },
    );
  };
}
