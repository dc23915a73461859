import { getApp } from "../../app-registry";
import { json, route } from "../route";
import { auditQuery } from "../../api-contract";

/** GET /api/v1/audit-events: newest first, filtered, by cursor. */
export const listAuditEvents = route({
  method: "GET",
  path: "/api/v1/audit-events",
  query: auditQuery,
  async handler({ query, caller }) {
    return json(await getApp().listAuditEvents(query, caller().signal));
  },
});
