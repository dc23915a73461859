import { json, route } from "../route";
import { auditEventPageResponse, auditQuery } from "../../api-contract";

/** GET /api/v1/audit-events: newest first, filtered, by cursor. */
export const listAuditEvents = route({
  method: "GET",
  path: "/api/v1/audit-events",
  access: "audit:read",
  summary: "List audit events",
  description: "Newest first, filtered, by cursor.",
  tag: "Audit log",
  responses: { "200": { description: "A page of events", schema: auditEventPageResponse } },
  errors: ["INVALID_CURSOR"],
  query: auditQuery,
  async handler({ app, query, caller }) {
    return json(await app.listAuditEvents(query, caller().signal));
  },
});
