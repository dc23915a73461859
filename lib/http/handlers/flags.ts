import { dominantVariation, ROLLOUT_TOTAL } from "../../domain/feature-flags";
import type { FlagView } from "../../use-cases/list-flags";
import type { CallContext } from "../../use-cases/call-context";
import { etagOf, expectedVersionOf, noneMatchHits } from "../representations";
import { json, route, type RunningApp } from "../route";
import {
  auditEventPageResponse,
  flagHistoryQuery,
  flagKeyParams,
  flagListResponse,
  flagResponse,
  idParams,
  patchFlagBody,
  revertFlagBody,
  userFlagsResponse,
} from "../../api-contract";

/** GET /api/v1/flags: every flag, what it serves, and its last change. */
export const listFlags = route({
  method: "GET",
  path: "/api/v1/flags",
  access: "flags:read",
  summary: "List feature flags",
  description:
    "Every flag the code declares: its variations, what it serves most, its stored definition (LaunchDarkly's flag " +
    "JSON) and its last change. With LAUNCHDARKLY_SDK_KEY set the flags are LaunchDarkly's: `managedBy` is " +
    "`launchdarkly` and there is no definition here.",
  tag: "Feature flags",
  responses: { "200": { description: "The flags", schema: flagListResponse } },
  async handler({ app, caller }) {
    const flags = await app.listFlags(caller());
    return json({ items: flags.map(flagJson) });
  },
});

/** GET /api/v1/flags/{key}: one flag; its ETag is its version (If-None-Match gives 304). */
export const getFlag = route({
  method: "GET",
  path: "/api/v1/flags/[key]",
  access: "flags:read",
  summary: "Get a feature flag",
  description: "One flag; its ETag is its version.",
  tag: "Feature flags",
  responses: { "200": { description: "The flag", schema: flagResponse, headers: ["ETag"] }, "304": { description: "Not modified" } },
  errors: ["FLAG_NOT_FOUND"],
  requestHeaders: ["If-None-Match"],
  params: flagKeyParams,
  async handler({ app, request, params, caller }) {
    const flag = await app.getFlag(params.key, caller());
    const headers = flagEtag(flag);
    if (headers.etag && noneMatchHits(request, headers.etag)) return new Response(null, { status: 304, headers });
    return json(flagJson(flag), { headers });
  },
});

/** PATCH /api/v1/flags/{key}: a merge patch of the flag's targeting; If-Match required. */
export const patchFlag = route({
  method: "PATCH",
  path: "/api/v1/flags/[key]",
  access: "flags:write",
  writableInReadOnlyMode: true,
  summary: "Change a feature flag",
  description:
    "A JSON merge patch (RFC 7396) of `on`, `offVariation`, `fallthrough` (a variation, or a rollout whose weights " +
    "sum to 100,000), `targets` and `rules` (arrays are replaced whole; `null` removes nothing here and is refused). " +
    "The result must still be a valid flag: " +
    "422 `FLAG_INVALID` lists what is wrong. Every replica evaluates the new version at once (PostgreSQL " +
    "LISTEN/NOTIFY, with polling as a fallback); the change is audited with the whole flag before and after. " +
    "Send `If-Match` with the flag's ETag: 428 without it, 412 when someone changed it since. With LaunchDarkly " +
    "managing the flags: 409 `FLAGS_MANAGED_ELSEWHERE`. Allowed in read-only mode, so operators can end it.",
  tag: "Feature flags",
  responses: { "200": { description: "The changed flag", schema: flagResponse, headers: ["ETag"] } },
  errors: ["FLAG_NOT_FOUND", "FLAG_VERSION_CONFLICT", "FLAG_INVALID", "FLAGS_MANAGED_ELSEWHERE", "PRECONDITION_REQUIRED"],
  requestHeaders: ["If-Match"],
  bodyTypes: ["application/merge-patch+json", "application/json"],
  params: flagKeyParams,
  body: patchFlagBody,
  async handler({ app, params, body, request, caller }) {
    const expectedVersion = expectedVersionOf(request, "flag");
    const context = caller();
    await app.updateFlag(params.key, body, { expectedVersion }, context);
    return currentFlag(app, params.key, context);
  },
});

/** POST /api/v1/flags/{key}/revert: puts back a version from the flag's history, as a new version; If-Match required. */
export const revertFlag = route({
  method: "POST",
  path: "/api/v1/flags/[key]/revert",
  access: "flags:write",
  writableInReadOnlyMode: true,
  summary: "Revert a feature flag",
  description:
    "Puts back the flag as it was at `version` (from its history) as a new version: history only grows. " +
    "`If-Match` as for a change.",
  tag: "Feature flags",
  responses: { "200": { description: "The flag, reverted", schema: flagResponse, headers: ["ETag"] } },
  errors: ["FLAG_NOT_FOUND", "FLAG_VERSION_CONFLICT", "FLAG_INVALID", "FLAGS_MANAGED_ELSEWHERE", "PRECONDITION_REQUIRED"],
  requestHeaders: ["If-Match"],
  params: flagKeyParams,
  body: revertFlagBody,
  async handler({ app, params, body, request, caller }) {
    const expectedVersion = expectedVersionOf(request, "flag");
    const context = caller();
    await app.revertFlag(params.key, body.version, { expectedVersion }, context);
    return currentFlag(app, params.key, context);
  },
});

/** GET /api/v1/flags/{key}/history: the flag's changes from the audit log, newest first, each with the flag before and after. */
export const getFlagHistory = route({
  method: "GET",
  path: "/api/v1/flags/[key]/history",
  access: "flags:read",
  summary: "A feature flag's history",
  description: "The flag's changes from the audit log, newest first; each entry's `data` holds the whole flag `before` and `after`.",
  tag: "Feature flags",
  responses: { "200": { description: "A page of audit entries", schema: auditEventPageResponse } },
  errors: ["FLAG_NOT_FOUND", "INVALID_CURSOR"],
  params: flagKeyParams,
  query: flagHistoryQuery,
  async handler({ app, params, query, caller }) {
    return json(await app.flagHistory(params.key, query, caller().signal));
  },
});

/** GET /api/v1/users/{id}/flags: each flag's variation for the user, and why. */
export const getUserFlags = route({
  method: "GET",
  path: "/api/v1/users/[id]/flags",
  access: "flags:read",
  summary: "A user's feature flags",
  description: "Each flag's variation for this user (key, role, email domain, status), and the SDK's reason for it.",
  tag: "Feature flags",
  responses: { "200": { description: "The user's variations", schema: userFlagsResponse } },
  errors: ["USER_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    return json({ items: await app.evaluateUserFlags(params.id, caller()) });
  },
});

/** GET /api/v1/session/flags: each flag's variation for the caller, as the API's gates see them. */
export const getOwnFlags = route({
  method: "GET",
  path: "/api/v1/session/flags",
  // What the console shows its user (read-only banner, table density); a script may ask too.
  access: "self",
  summary: "My feature flags",
  description:
    "Each flag's variation for the caller (a user: id, role, email domain; a token: id, role), as the API's own " +
    "gates evaluate it: whether read-only mode is on for you, how dense your users table is.",
  tag: "Feature flags",
  responses: { "200": { description: "Your variations", schema: userFlagsResponse } },
  async handler({ app, caller }) {
    return json({ items: await app.evaluateCallerFlags(caller()) });
  },
});

async function currentFlag(app: Pick<RunningApp, "getFlag">, key: string, context: CallContext): Promise<Response> {
  const flag = await app.getFlag(key, context);
  return json(flagJson(flag), { headers: flagEtag(flag) });
}

function flagEtag(flag: FlagView): { etag?: string } {
  return flag.definition ? { etag: etagOf(flag.definition) } : {};
}

export function flagJson(flag: FlagView) {
  const serving = flag.definition ? dominantVariation(flag.definition) : null;
  return {
    key: flag.key,
    description: flag.description,
    variations: flag.variations,
    fallback: flag.fallback,
    managedBy: flag.managedBy,
    version: flag.definition?.version ?? null,
    definition: flag.definition,
    serving:
      flag.definition && serving
        ? { variation: flag.definition.variations[serving.variation] ?? flag.fallback, percent: (serving.weight * 100) / ROLLOUT_TOTAL }
        : null,
    lastChange: flag.lastChange && { action: flag.lastChange.action, actor: flag.lastChange.actor.label, at: flag.lastChange.createdAt },
    lastEvaluatedOn: flag.lastEvaluatedOn,
    stale: flag.stale,
  };
}
