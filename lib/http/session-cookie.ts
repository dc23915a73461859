/**
 * The browser's cookies: the session, and the device cookie that marks a browser which signed in to an account
 * before (issue 18: it exempts that browser from the account's sign-in delay). Both HttpOnly, Path=/, and outside
 * localhost Secure with the `__Host-` prefix (the browser then refuses them over http, from a subdomain, or with a
 * Domain attribute).
 */
import { parseCookie, stringifySetCookie } from "cookie";

import { KNOWN_DEVICE_TTL_MS, SESSION_ABSOLUTE_MS } from "../domain/auth";
import { isLocalOrigin } from "./request-info";

interface CookieKind {
  readonly name: string;
  readonly sameSite: "lax" | "strict";
  readonly maxAgeMs: number;
}

/** SameSite=Lax: a link from elsewhere opens the console signed in. */
const SESSION: CookieKind = { name: "uc_session", sameSite: "lax", maxAgeMs: SESSION_ABSOLUTE_MS };
/** SameSite=Strict: only our own sign-in form, a same-origin fetch, ever needs it. */
const DEVICE: CookieKind = { name: "uc_device", sameSite: "strict", maxAgeMs: KNOWN_DEVICE_TTL_MS };

/**
 * A cookie's value from a Cookie header: only under the name this origin sets. Outside localhost that is the
 * `__Host-` name alone; a plain-named cookie, which a sibling subdomain or a network attacker on plain http
 * could plant, is ignored there.
 */
function cookieValue(kind: CookieKind, cookieHeader: string | null, origin: string): string | null {
  if (!cookieHeader) return null;
  return parseCookie(cookieHeader)[nameOf(kind, origin)] ?? null;
}

function setCookie(kind: CookieKind, origin: string, value: string, maxAgeMs = kind.maxAgeMs): string {
  return stringifySetCookie({
    name: nameOf(kind, origin),
    value,
    httpOnly: true,
    secure: !isLocalOrigin(origin),
    sameSite: kind.sameSite,
    path: "/",
    maxAge: maxAgeMs / 1_000,
  });
}

function nameOf(kind: CookieKind, origin: string): string {
  return isLocalOrigin(origin) ? kind.name : `__Host-${kind.name}`;
}

export const sessionSecretOf = (cookieHeader: string | null, origin: string) => cookieValue(SESSION, cookieHeader, origin);
export const setSessionCookie = (origin: string, secret: string) => setCookie(SESSION, origin, secret);
export const clearSessionCookie = (origin: string) => setCookie(SESSION, origin, "", 0);

/** Kept at sign-out: the browser is still one its owner uses. */
export const deviceSecretOf = (cookieHeader: string | null, origin: string) => cookieValue(DEVICE, cookieHeader, origin);
export const setDeviceCookie = (origin: string, secret: string) => setCookie(DEVICE, origin, secret);
