import { UnauthenticatedError } from "../../domain/errors";
import { principalJson } from "../representations";
import { json, noContent, route } from "../route";
import { changePasswordBody, idParams, principalResponse, sessionListResponse, signInBody } from "../../api-contract";
import { clearSessionCookie, deviceSecretOf, setDeviceCookie, setSessionCookie } from "../session-cookie";

/** GET /api/v1/session: who am I (a signed-in user or an API token). */
export const getSession = route({
  method: "GET",
  path: "/api/v1/session",
  access: "self",
  allowedBeforePasswordChange: true,
  summary: "Who am I",
  description: "The signed-in user (browser session) or the API token the request was made with.",
  tag: "Session",
  responses: { "200": { description: "The caller", schema: principalResponse } },
  async handler({ principal }) {
    if (!principal) throw new UnauthenticatedError();
    return json(principalJson(principal));
  },
});

/**
 * POST /api/v1/session: sign in with email and password; sets a new session cookie (rotation) and the device
 * cookie that exempts this browser from the account's sign-in delay next time (issue 18).
 */
export const signIn = route({
  method: "POST",
  path: "/api/v1/session",
  access: "public",
  tokens: false,
  writableInReadOnlyMode: true,
  summary: "Sign in",
  description:
    "Checks email and password and sets a new session cookie (any previous session of this browser ends), and a " +
    "device cookie (`uc_device`, HttpOnly, SameSite=Strict, 180 days) marking this browser as one that signed in " +
    "to the account. Throttling answers 429 with Retry-After, and never locks the account: per client address, " +
    "5 failures in 15 minutes; per account, after 5 failures in a day each attempt waits longer after the latest " +
    "failure (30 s doubling to 15 min at most); a browser with the account's device cookie skips the account's " +
    "wait and has 5 failures in 15 minutes of its own; and each server process passes at most 60 attempts a " +
    "minute per address to its database. An ADMIN can clear an account's failures " +
    "(DELETE /api/v1/users/{id}/sign-in-failures).",
  tag: "Session",
  responses: {
    "200": {
      description: "Signed in; the session and device cookies are set (two Set-Cookie headers)",
      schema: principalResponse,
      headers: ["Set-Cookie"],
    },
  },
  errors: ["INVALID_CREDENTIALS", "ONE_TIME_PASSWORD_EXPIRED", "TOO_MANY_ATTEMPTS"],
  body: signInBody,
  async handler({ app, request, body, anonymous, origin, sessionSecret }) {
    const signedIn = await app.signIn(
      { ...body, previousSessionSecret: sessionSecret, deviceSecret: deviceSecretOf(request.headers.get("cookie"), origin) },
      anonymous,
    );
    const response = json(principalJson(signedIn.principal));
    response.headers.append("set-cookie", setSessionCookie(origin, signedIn.sessionSecret));
    response.headers.append("set-cookie", setDeviceCookie(origin, signedIn.deviceSecret));
    return response;
  },
});

/** DELETE /api/v1/session: sign out; the session ends in the database, not only in the browser. */
export const signOut = route({
  method: "DELETE",
  path: "/api/v1/session",
  access: "self",
  tokens: false,
  writableInReadOnlyMode: true,
  allowedBeforePasswordChange: true,
  summary: "Sign out",
  description: "Ends the session in the database and clears the cookie.",
  tag: "Session",
  responses: { "204": { description: "Signed out", headers: ["Set-Cookie"] } },
  async handler({ app, caller, origin }) {
    await app.signOut(caller());
    return noContent({ "set-cookie": clearSessionCookie(origin) });
  },
});

/** PUT /api/v1/session/password: change one's own password (the current one is required). */
export const changePassword = route({
  method: "PUT",
  path: "/api/v1/session/password",
  access: "self",
  tokens: false,
  writableInReadOnlyMode: true,
  allowedBeforePasswordChange: true,
  summary: "Change your password",
  description: "The current password is required; the new one must differ from it.",
  tag: "Session",
  responses: { "204": { description: "Changed" } },
  errors: ["WRONG_PASSWORD", "TOO_MANY_ATTEMPTS"],
  body: changePasswordBody,
  async handler({ app, body, caller }) {
    await app.changePassword(body, caller());
    return noContent();
  },
});

/** GET /api/v1/session/sessions: one's own sessions. */
export const listSessions = route({
  method: "GET",
  path: "/api/v1/session/sessions",
  access: "self",
  tokens: false,
  summary: "List your sessions",
  tag: "Session",
  responses: { "200": { description: "Your sessions, the current one flagged", schema: sessionListResponse } },
  async handler({ app, caller }) {
    const sessions = await app.listOwnSessions(caller());
    return json({
      items: sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        userAgent: s.userAgent,
        ip: s.ip,
        current: s.current,
      })),
    });
  },
});

/** DELETE /api/v1/session/sessions/{id}: end one of one's own sessions. */
export const revokeSession = route({
  method: "DELETE",
  path: "/api/v1/session/sessions/[id]",
  access: "self",
  tokens: false,
  writableInReadOnlyMode: true,
  summary: "End one of your sessions",
  tag: "Session",
  responses: { "204": { description: "Ended: its next request is refused" } },
  errors: ["SESSION_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    await app.revokeOwnSession(params.id, caller());
    return noContent();
  },
});
