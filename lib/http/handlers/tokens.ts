import { getApp } from "../../app-registry";
import { tokenJson } from "../representations";
import { json, noContent, route } from "../route";
import { createTokenBody, idParams } from "../../api-contract";

/** GET /api/v1/tokens: every token, revoked ones included, with last use; never a secret. */
export const listTokens = route({
  method: "GET",
  path: "/api/v1/tokens",
  async handler({ caller }) {
    return json({ items: (await getApp().listApiTokens(caller())).map(tokenJson) });
  },
});

/** POST /api/v1/tokens: the secret is in this response and nowhere else, ever. */
export const createToken = route({
  method: "POST",
  path: "/api/v1/tokens",
  body: createTokenBody,
  async handler({ body, caller }) {
    const { token, secret } = await getApp().createApiToken(body, caller());
    return json({ token: tokenJson(token), secret }, { status: 201 });
  },
});

/** DELETE /api/v1/tokens/{id}: revoked at once; the token's next request is refused. */
export const revokeToken = route({
  method: "DELETE",
  path: "/api/v1/tokens/[id]",
  params: idParams,
  async handler({ params, caller }) {
    await getApp().revokeApiToken(params.id, caller());
    return noContent();
  },
});
