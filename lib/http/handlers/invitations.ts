import { userJson } from "../representations";
import { json, route } from "../route";
import { acceptedInvitationResponse, acceptInvitationBody, invitationResponse, inviteBody } from "../../api-contract";

/** POST /api/v1/invitations: creates an INVITED user and returns the single-use link, shown once to the inviter. */
export const invite = route({
  method: "POST",
  path: "/api/v1/invitations",
  // Never with a token (issue 18): the link it returns makes a person who can sign in, who outlives the token.
  access: "invitations:create",
  tokens: false,
  summary: "Invite someone",
  description:
    "Creates an INVITED user and answers the single-use link (valid 7 days), shown this once. From a browser " +
    "session only: the link makes a person who can sign in, who would outlive an API token that invited them.",
  tag: "Invitations",
  responses: { "201": { description: "Invited", schema: invitationResponse } },
  errors: ["USER_EMAIL_TAKEN"],
  body: inviteBody,
  async handler({ app, body, caller, origin }) {
    const { user, secret, expiresAt } = await app.inviteUser(body, caller());
    const invitationUrl = `${origin}/invitations/${encodeURIComponent(secret)}`;
    return json({ user: userJson(user), invitationUrl, expiresAt }, { status: 201 });
  },
});

/** POST /api/v1/invitations/accept: the invited person sets a password; they sign in afterwards. */
export const acceptInvitation = route({
  method: "POST",
  path: "/api/v1/invitations/accept",
  access: "public",
  tokens: false,
  summary: "Accept an invitation",
  description: "The invited person sets their password; they sign in afterwards.",
  tag: "Invitations",
  responses: { "200": { description: "Accepted: the user is ACTIVE", schema: acceptedInvitationResponse } },
  errors: ["INVITATION_INVALID"],
  body: acceptInvitationBody,
  async handler({ app, body, anonymous }) {
    return json(await app.acceptInvitation(body, anonymous));
  },
});
