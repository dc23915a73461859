import { getApp } from "../../app-registry";
import { userJson } from "../representations";
import { json, route } from "../route";
import { acceptInvitationBody, inviteBody } from "../../api-contract";

/** POST /api/v1/invitations: creates an INVITED user and returns the single-use link, shown once to the inviter. */
export const invite = route({
  method: "POST",
  path: "/api/v1/invitations",
  body: inviteBody,
  async handler({ body, caller, origin }) {
    const { user, secret, expiresAt } = await getApp().inviteUser(body, caller());
    const invitationUrl = `${origin}/invitations/${encodeURIComponent(secret)}`;
    return json({ user: userJson(user), invitationUrl, expiresAt }, { status: 201 });
  },
});

/** POST /api/v1/invitations/accept: the invited person sets a password; they sign in afterwards. */
export const acceptInvitation = route({
  method: "POST",
  path: "/api/v1/invitations/accept",
  body: acceptInvitationBody,
  async handler({ body, anonymous }) {
    return json(await getApp().acceptInvitation(body, anonymous));
  },
});
