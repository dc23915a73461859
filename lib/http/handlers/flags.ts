import { dominantVariation, ROLLOUT_TOTAL } from "../../domain/feature-flags";
import type { FlagView } from "../../use-cases/list-flags";
import { getApp } from "../../app-registry";
import { etagOf, expectedVersionOf, noneMatchHits } from "../representations";
import { json, route } from "../route";
import { flagHistoryQuery, flagKeyParams, idParams, patchFlagBody, revertFlagBody } from "../../api-contract";

/** GET /api/v1/flags: every flag, what it serves, and its last change. */
export const listFlags = route({
  method: "GET",
  path: "/api/v1/flags",
  async handler({ caller }) {
    const flags = await getApp().listFlags(caller().signal);
    return json({ items: flags.map(flagJson) });
  },
});

/** GET /api/v1/flags/{key}: one flag; its ETag is its version (If-None-Match gives 304). */
export const getFlag = route({
  method: "GET",
  path: "/api/v1/flags/[key]",
  params: flagKeyParams,
  async handler({ request, params, caller }) {
    const flag = await getApp().getFlag(params.key, caller().signal);
    const headers = flagEtag(flag);
    if (headers.etag && noneMatchHits(request, headers.etag)) return new Response(null, { status: 304, headers });
    return json(flagJson(flag), { headers });
  },
});

/** PATCH /api/v1/flags/{key}: a merge patch of the flag's targeting; If-Match required. */
export const patchFlag = route({
  method: "PATCH",
  path: "/api/v1/flags/[key]",
  params: flagKeyParams,
  body: patchFlagBody,
  async handler({ params, body, request, caller }) {
    const expectedVersion = expectedVersionOf(request, "flag");
    const context = caller();
    await getApp().updateFlag(params.key, body, { expectedVersion }, context);
    return currentFlag(params.key, context.signal);
  },
});

/** POST /api/v1/flags/{key}/revert: puts back a version from the flag's history, as a new version; If-Match required. */
export const revertFlag = route({
  method: "POST",
  path: "/api/v1/flags/[key]/revert",
  params: flagKeyParams,
  body: revertFlagBody,
  async handler({ params, body, request, caller }) {
    const expectedVersion = expectedVersionOf(request, "flag");
    const context = caller();
    await getApp().revertFlag(params.key, body.version, { expectedVersion }, context);
    return currentFlag(params.key, context.signal);
  },
});

/** GET /api/v1/flags/{key}/history: the flag's changes from the audit log, newest first, each with the flag before and after. */
export const getFlagHistory = route({
  method: "GET",
  path: "/api/v1/flags/[key]/history",
  params: flagKeyParams,
  query: flagHistoryQuery,
  async handler({ params, query, caller }) {
    return json(await getApp().flagHistory(params.key, query, caller().signal));
  },
});

/** GET /api/v1/users/{id}/flags: each flag's variation for the user, and why. */
export const getUserFlags = route({
  method: "GET",
  path: "/api/v1/users/[id]/flags",
  params: idParams,
  async handler({ params, caller }) {
    return json({ items: await getApp().evaluateUserFlags(params.id, caller().signal) });
  },
});

/** GET /api/v1/session/flags: each flag's variation for the caller, as the API's gates see them. */
export const getOwnFlags = route({
  method: "GET",
  path: "/api/v1/session/flags",
  async handler({ caller }) {
    return json({ items: await getApp().evaluateCallerFlags(caller().principal) });
  },
});

async function currentFlag(key: string, signal?: AbortSignal): Promise<Response> {
  const flag = await getApp().getFlag(key, signal);
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
