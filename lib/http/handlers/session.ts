import { UnauthenticatedError } from "../../domain/errors";
import { getApp } from "../../app-registry";
import { principalJson } from "../representations";
import { json, noContent, route } from "../route";
import { changePasswordBody, idParams, signInBody } from "../../api-contract";
import { clearSessionCookie, deviceSecretOf, setDeviceCookie, setSessionCookie } from "../session-cookie";

/** GET /api/v1/session: who am I (a signed-in user or an API token). */
export const getSession = route({
  method: "GET",
  path: "/api/v1/session",
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
  body: signInBody,
  async handler({ request, body, anonymous, origin, sessionSecret }) {
    const signedIn = await getApp().signIn(
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
  async handler({ caller, origin }) {
    await getApp().signOut(caller());
    return noContent({ "set-cookie": clearSessionCookie(origin) });
  },
});

/** PUT /api/v1/session/password: change one's own password (the current one is required). */
export const changePassword = route({
  method: "PUT",
  path: "/api/v1/session/password",
  body: changePasswordBody,
  async handler({ body, caller }) {
    await getApp().changePassword(body, caller());
    return noContent();
  },
});

/** GET /api/v1/session/sessions: one's own sessions. */
export const listSessions = route({
  method: "GET",
  path: "/api/v1/session/sessions",
  async handler({ caller }) {
    const sessions = await getApp().listOwnSessions(caller());
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
  params: idParams,
  async handler({ params, caller }) {
    await getApp().revokeOwnSession(params.id, caller());
    return noContent();
  },
});
