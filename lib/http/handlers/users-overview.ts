import { userOverviewJson } from "../representations";
import { json, route } from "../route";
import { idParams, userOverviewResponse } from "../../api-contract";

/**
 * GET /api/v1/users/{id}/overview: the user, the newest audit entries about them, their live sessions and their flags, read
 * concurrently (lib/use-cases/get-user-overview.ts). Parts the caller's role may not see are left out and listed
 * in `omitted`; a part that fails fails the whole answer, whose problem names it (`part`).
 */
export const getUserOverview = route({
  method: "GET",
  path: "/api/v1/users/[id]/overview",
  // Parts beyond the user need their own permissions (audit:read, sessions:read): use-cases/get-user-overview.ts.
  access: "users:read",
  summary: "A user's overview",
  description:
    "The user, the newest audit entries about them, their live sessions and each feature flag's variation for " +
    "them with its reason, read concurrently (at most 2 at once). Parts your role " +
    "may not see are left out and listed in `omitted`: the audit entries need audit:read, the sessions " +
    "sessions:read (both ADMIN only). If one part fails the others are stopped, and the problem's `part` names " +
    "the one that failed (`user` for USER_NOT_FOUND).",
  tag: "Users",
  responses: { "200": { description: "The overview", schema: userOverviewResponse } },
  errors: ["USER_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    return json(userOverviewJson(await app.getUserOverview(params.id, caller())));
  },
});
