import { getApp } from "../../app-registry";
import { userOverviewJson } from "../representations";
import { json, route } from "../route";
import { idParams } from "../../api-contract";

/**
 * GET /api/v1/users/{id}/overview: the user, the newest audit entries about them, their live sessions and their flags, read
 * concurrently (lib/use-cases/get-user-overview.ts). Parts the caller's role may not see are left out and listed
 * in `omitted`; a part that fails fails the whole answer, whose problem names it (`part`).
 */
export const getUserOverview = route({
  method: "GET",
  path: "/api/v1/users/[id]/overview",
  params: idParams,
  async handler({ params, caller }) {
    return json(userOverviewJson(await getApp().getUserOverview(params.id, caller())));
  },
});
