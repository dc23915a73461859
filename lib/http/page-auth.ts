import "server-only";

import { cache } from "react";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";

import type { Principal } from "../domain/auth";
import { pageAccess, principalHas } from "../domain/permissions";
import { getApp } from "../app-registry";
import { recordCaller } from "./request-facts";
import { publicOriginOf } from "./request-info";
import { safeNextPath } from "./safe-next";
import { sessionSecretOf } from "./session-cookie";

/**
 * Authorization for server-rendered pages, the counterpart of lib/http/route.ts: each page calls
 * `requirePage(<its path template>)` first, and the permission comes from the same table (PAGES). Decided here,
 * while rendering, never in middleware. Pages accept browser sessions only (no bearer tokens).
 */
export async function requirePage(path: string): Promise<Principal> {
  const access = pageAccess(path);
  const principal = await currentPrincipal();
  if (access.access === "public") {
    if (principal) return principal;
    // A public page asking for the principal wants one: currentPrincipal() is the call for optional sign-in.
    throw new Error(`requirePage(${path}) on a public page: use currentPrincipal()`);
  }
  if (!principal) redirect(`/sign-in?${new URLSearchParams({ next: await requestedPath(path) })}`);
  if (principal.kind === "user" && principal.mustChangePassword && path !== "/settings") {
    redirect("/settings?changePassword=1");
  }
  if (access.access !== "self" && !principalHas(principal, access.access)) forbidden();
  return principal;
}

/**
 * The signed-in user of this request, or null. Cached per request (React's `cache`), so a layout and its
 * page asking both cost one lookup.
 */
export const currentPrincipal = cache(async (): Promise<Principal | null> => {
  const requestHeaders = await headers();
  const app = getApp();
  const origin = publicOriginOf(requestHeaders, { trustProxy: app.config.TRUST_PROXY, publicOrigin: app.config.PUBLIC_ORIGIN });
  const principal = await app.authenticate({ sessionSecret: sessionSecretOf(requestHeaders.get("cookie"), origin) });
  const user = principal?.kind === "user" ? principal : null;
  recordCaller(user);
  return user;
});

/** Where to come back to after signing in: the page's own path (Next does not give pages their URL). */
async function requestedPath(fallback: string): Promise<string> {
  const url = safeNextPath((await headers()).get("x-user-console-path"));
  if (!url) return fallback;
  // Next's client navigations add `_rsc` (its cache key) to the address: not part of where the person was.
  const parsed = new URL(url, "http://local");
  parsed.searchParams.delete("_rsc");
  return parsed.pathname + parsed.search;
}
