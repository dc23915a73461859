import { tokenJson } from "../representations";
import { json, noContent, route } from "../route";
import { apiTokenListResponse, createdApiTokenResponse, createTokenBody, idParams } from "../../api-contract";

/** GET /api/v1/tokens: every token, revoked ones included, with last use; never a secret. */
export const listTokens = route({
  method: "GET",
  path: "/api/v1/tokens",
  // Tokens are managed from a browser session only: a leaked token must not mint itself a successor.
  access: "tokens:manage",
  tokens: false,
  summary: "List API tokens",
  description: "Every token, revoked ones included, with its owner, expiry and last use; never a secret.",
  tag: "API tokens",
  responses: { "200": { description: "The tokens", schema: apiTokenListResponse } },
  async handler({ app, caller }) {
    return json({ items: (await app.listApiTokens(caller())).map(tokenJson) });
  },
});

/** POST /api/v1/tokens: the secret is in this response and nowhere else, ever. */
export const createToken = route({
  method: "POST",
  path: "/api/v1/tokens",
  access: "tokens:manage",
  tokens: false,
  summary: "Create an API token",
  description:
    "The secret is in this response and nowhere else, ever. The token belongs to the ADMIN who creates it, and is " +
    "revoked when they stop being an active ADMIN (demoted, disabled or deleted). Every token expires: without " +
    "`expiresAt`, `API_TOKEN_MAX_LIFETIME_DAYS` (90 by default) from now; a later `expiresAt` is 422.",
  tag: "API tokens",
  responses: { "201": { description: "Created", schema: createdApiTokenResponse } },
  errors: ["TOKEN_LIFETIME_TOO_LONG"],
  body: createTokenBody,
  async handler({ app, body, caller }) {
    const { token, secret } = await app.createApiToken(body, caller());
    return json({ token: tokenJson(token), secret }, { status: 201 });
  },
});

/** DELETE /api/v1/tokens/{id}: revoked at once; the token's next request is refused. */
export const revokeToken = route({
  method: "DELETE",
  path: "/api/v1/tokens/[id]",
  access: "tokens:manage",
  tokens: false,
  writableInReadOnlyMode: true,
  summary: "Revoke an API token",
  tag: "API tokens",
  responses: { "204": { description: "Revoked: the token's next request is refused" } },
  errors: ["TOKEN_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    await app.revokeApiToken(params.id, caller());
    return noContent();
  },
});
