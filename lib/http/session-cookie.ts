/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and outside localhost Secure with the `__Host-` prefix
 * (the browser then refuses it over http, from a subdomain, or with a Domain attribute).
 */
import { parseCookie, stringifySetCookie } from "cookie";

import { SESSION_ABSOLUTE_MS } from "../domain/auth";
import { isLocalOrigin } from "./request-info";

const LOCAL_NAME = "uc_session";
const SECURE_NAME = "__Host-uc_session";

/**
 * The session secret from a Cookie header: only under the name this origin sets. Outside localhost that is the
 * `__Host-` name alone; a plain-named cookie, which a sibling subdomain or a network attacker on plain http
 * could plant, is ignored there.
 */
export function sessionSecretOf(cookieHeader: string | null, origin: string): string | null {
  if (!cookieHeader) return null;
  return parseCookie(cookieHeader)[isLocalOrigin(origin) ? LOCAL_NAME : SECURE_NAME] ?? null;
}

export function setSessionCookie(origin: string, secret: string): string {
  const secure = !isLocalOrigin(origin);
  return stringifySetCookie({
    name: secure ? SECURE_NAME : LOCAL_NAME,
    value: secret,
    httpOnly: true,
    secure,
    sameSite: "lax",
    path: "/",
    maxAge: SESSION_ABSOLUTE_MS / 1_000,
  });
}

export function clearSessionCookie(origin: string): string {
  const secure = !isLocalOrigin(origin);
  return stringifySetCookie({
    name: secure ? SECURE_NAME : LOCAL_NAME,
    value: "",
    httpOnly: true,
    secure,
    sameSite: "lax",
    path: "/",
    maxAge: 0,
  });
}
