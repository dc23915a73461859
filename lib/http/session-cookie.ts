/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and outside localhost Secure with the `__Host-` prefix
 * (the browser then refuses it over http, from a subdomain, or with a Domain attribute).
 */
import { parseCookie, stringifySetCookie } from "cookie";

import { SESSION_ABSOLUTE_MS } from "../domain/auth";
import { isLocalOrigin } from "./request-info";

const LOCAL_NAME = "uc_session";
const SECURE_NAME = "__Host-uc_session";

export function sessionSecretOf(cookieHeader: string | null): string | null {
  if (!cookieHeader) return null;
  const cookies = parseCookie(cookieHeader);
  return cookies[SECURE_NAME] ?? cookies[LOCAL_NAME] ?? null;
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
