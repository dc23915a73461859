import { z } from "zod";

import type { UserExportQuery } from "../../use-cases/export-users";
import { listUsersFields, toUserListQuery } from "../../api-contract/list-users-params";
import { route } from "../route";
import { csvDownload, usersCsv } from "../csv";
import { usersCsvResponse } from "../../api-contract";

const ROUTE = "GET /api/v1/users/export.csv";

/** The listing's query parameters (lib/api-contract/list-users-params.ts) but `limit` and `cursor`: an export has every match. */
const { limit: _limit, cursor: _cursor, ...exportShape } = listUsersFields.shape;

/**
 * The export's query: the listing's filters and sort, parsed by the listing's own schemas and mapped by its own
 * mapping (`toUserListQuery`), so a filter added to the listing reaches the export too. Strict like the listing: an
 * unknown parameter, `limit` and `cursor` included, is refused rather than silently ignored (someone sending
 * limit=10 would otherwise get every user and not know it).
 */
export const exportUsersParams = z
  .strictObject(exportShape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `Unknown parameter(s): ${issue.keys.join(", ")}; the export takes ${Object.keys(exportShape).join(", ")} (no paging: it has every match)`
        : undefined,
  })
  .transform((params): UserExportQuery => {
    // The listing's query has a page size; the export has none, so it is dropped again.
    const { limit: _pageSize, cursor: _none, ...query } = toUserListQuery({ ...params, limit: 1, cursor: undefined });
    return query;
  });

/**
 * GET /api/v1/users/export.csv: every user the listing's filter matches, streamed as CSV (lib/http/csv.ts).
 *
 * Deadlines (docs/decisions/006-export-stream-and-overview-fan-out.md): the request's deadline covers what happens
 * before the first byte (authentication, the permission check, the first page), so those failures are still
 * problem+json. Once the response has started, there is no deadline on the whole transfer (a million users take
 * longer than any sensible request deadline, and a slow reader holds nothing on the server); each page is its
 * own unit of work, bounded by DB_TIMEOUT_MS. The client going away (the request's signal, or the stream being
 * cancelled) aborts the page being fetched and no further page is read. A page that fails mid-stream is logged
 * and the response is cut short, never ended as if complete.
 */
export const exportUsers = route({
  method: "GET",
  path: "/api/v1/users/export.csv",
  // The CSV export is the listing in another form: the same permission (includeDeleted still needs its own).
  access: "users:read",
  summary: "Export users as CSV",
  description:
    "Every user the filter matches (the parameters of List users; `limit` and `cursor` are refused), in the chosen " +
    "order, streamed as CSV as it is read, a few hundred users at a time. Errors found before the first byte " +
    "(refusal, invalid parameters, the database) are problem+json; the request's deadline covers only that " +
    "part. A failure later cuts the transfer short (no final chunk), so a partial file never looks complete. " +
    "Not a snapshot: users changed during a long export may appear as they were or as they became. " +
    "`includeDeleted` needs the users:read-deleted permission.",
  tag: "Users",
  responses: {
    "200": { description: "The CSV", schema: usersCsvResponse, mediaType: "text/csv", headers: ["Content-Disposition"] },
  },
  query: exportUsersParams,
  async handler({ app, query, caller, requestId }) {
    return csvDownload({
      context: caller(),
      open: (context) => app.exportUsers(query, context),
      render: usersCsv,
      filename: exportFileName(new Date()),
      route: ROUTE,
      what: "users export",
      log: app.log,
      requestId,
    });
  },
});

/** `users-20261125T090000Z.csv`: sortable, and free of characters a file system or a header would mind. */
export function exportFileName(at: Date): string {
  return `users-${at.toISOString().replace(/\.\d{3}Z$/, "Z").replaceAll(/[-:]/g, "")}.csv`;
}
