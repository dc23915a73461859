/**
 * The OpenAPI 3.1 document of the REST API, served at GET /api/openapi.json and rendered at /docs.
 *
 * Which routes exist, and their path, query and body schemas, come from the handlers themselves (`route()` hangs
 * `definition` and `access` on each; lib/http/handlers/index.ts gathers them): a handler added or changed shows
 * up here without anyone editing this file. What a handler cannot say about itself lives in {@link OPERATIONS},
 * keyed by `METHOD path`: a summary, its success responses (schemas in lib/http/responses.ts) and the error codes
 * its use case may answer. The errors every route of its kind can give (401 without a caller, 403 for a missing
 * permission or a cross-site request, 422 for invalid input, 504 past the request's deadline, ...) are derived
 * from its access entry and schemas. test/api/openapi.test.ts fails on a route missing from OPERATIONS, validates
 * the document, and checks real responses against it.
 *
 * zod-openapi renders the zod schemas (request schemas as their input, response schemas as their output) with zod
 * 4's own JSON Schema conversion, which is the dialect OpenAPI 3.1 uses.
 */
import "server-only";

import { createHash } from "node:crypto";

import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";

import { ERROR_CODES } from "../domain/errors";
import { EVENT_TYPES } from "../domain/events";
import { BULK_DEADLINE_FACTOR, MAX_BULK_FILTER_USERS, MAX_BULK_IDS } from "../domain/user-bulk";
import type { RouteAccess } from "../domain/permissions";
import * as handlers from "./handlers";
import { statusOf, type ProblemCode } from "./problem";
import { noneMatchHits } from "./representations";
import {
  acceptedInvitationResponse,
  apiTokenListResponse,
  auditEventPageResponse,
  createdApiTokenResponse,
  serviceTrafficResponse,
  invitationResponse,
  principalResponse,
  problemResponse,
  sessionListResponse,
  clearedSignInFailuresResponse,
  userPageResponse,
  bulkUsersResponse,
  flagListResponse,
  flagResponse,
  userFlagsResponse,
  userOverviewResponse,
  userStatsResponse,
  userResponse,
  usersCsvResponse,
  importEventsResponse,
  liveEventsResponse,
  importErrorsCsvResponse,
  importJobDetailResponse,
  importJobPageResponse,
  importJobResponse,
  importUploadCsv,
  importUploadMultipart,
  webhookDeliveryPageResponse,
  webhookDeliveryResponse,
  webhookListResponse,
  webhookResponse,
  webhookWithSecretResponse,
  EVENT_MESSAGES,
  HTTP_ERROR_CODES,
  idempotencyKey,
} from "../api-contract";
import { ALLOWED_BEFORE_PASSWORD_CHANGE, route, WRITABLE_IN_READ_ONLY_MODE, type RouteContext } from "./route";
import { IMPORT_UPLOAD_CAPS } from "../use-cases/start-import";
import { IMPORT_EVENT_STREAM_CAPS } from "../use-cases/watch-import";

/** A handler as `route()` returns it (lib/http/route.ts), with what it hangs on it. */
export interface DocumentedHandler {
  (request: Request, context?: RouteContext): Promise<Response>;
  access: RouteAccess;
  /** Query and path schemas are objects, or pipes out of one (a transform of the parsed object). */
  definition: {
    method: string;
    path: string;
    body?: z.ZodType;
    query?: z.ZodType<unknown, Record<string, unknown>>;
    params?: z.ZodType<unknown, Record<string, unknown>>;
    feature?: string;
  };
}

const TAGS = [
  { name: "Session", description: "Signing in and out, one's own password and sessions (browser sessions)." },
  { name: "Users", description: "Listing, creating and changing users. Changes are guarded by ETag and If-Match." },
  { name: "Invitations", description: "Inviting people, who then set their own password." },
  { name: "API tokens", description: "Tokens for scripts (`Authorization: Bearer uct_...`), managed from a browser session." },
  { name: "Audit log", description: "Who changed what, newest first." },
  {
    name: "Webhooks",
    description:
      "Endpoints that receive the domain events as signed HTTP requests (Standard Webhooks), each with its delivery " +
      "log; managed by ADMINs from a browser session.",
  },
  {
    name: "Feature flags",
    description: "Flags evaluated by the LaunchDarkly SDK: stored here (changed with PATCH), or LaunchDarkly's own (read-only here).",
  },
  { name: "Service", description: "The service's own health, as the dashboard shows it." },
  { name: "Reference", description: "This document." },
  {
    name: "Events",
    description:
      "Domain events the console sends out (webhooks, NATS JetStream): one per change, written with the change, " +
      "delivered at least once in per-subject order.",
  },
] as const;
type Tag = (typeof TAGS)[number]["name"];

type ResponseHeader = keyof typeof RESPONSE_HEADERS;
type RequestHeader = keyof typeof REQUEST_HEADERS;

interface SuccessResponse {
  description: string;
  /** The JSON body's schema; none for 204 and 304. */
  schema?: z.ZodType;
  /** The body's media type when it is not application/json (the CSV export). */
  mediaType?: string;
  headers?: ResponseHeader[];
}

/** What a handler cannot say about itself. */
interface OperationDoc {
  summary: string;
  description?: string;
  tag: Tag;
  responses: Partial<Record<"200" | "201" | "202" | "204" | "304", SuccessResponse>>;
  /** Codes the use case or handler may answer, beyond those derived from the route (see {@link derivedCodes}). */
  errors?: ProblemCode[];
  requestHeaders?: RequestHeader[];
  /** Media types the body may be sent as; application/json when not given. */
  bodyTypes?: string[];
  /** A body the handler reads itself (no JSON schema on the route: a file upload), by media type. */
  rawBodies?: Record<string, z.ZodType>;
}

/** Issue 18: what a leaked token must not leave behind (users:grant-admin, never held by a token). */
const NO_ADMIN_BY_TOKEN =
  "An API token never gives the role ADMIN, nor enables or restores an ADMIN (403 `FORBIDDEN`): that takes an " +
  "ADMIN signed in.";

const IF_MATCH_NOTE =
  "Send `If-Match` with the ETag from your last read of the user: without it the answer is 428, and 412 when " +
  "someone changed the user since (read it again, reapply your change, retry). `If-Match: *` takes the current " +
  "version, and is 412 too if the user changes while the request runs: the rules are checked on the version written.";

/**
 * Per route, keyed by `METHOD path` exactly as the handler declares it (`/api/v1/users/[id]`). A route missing
 * here fails test/api/openapi.test.ts, and is served with a placeholder summary meanwhile.
 */
export const OPERATIONS: Record<string, OperationDoc> = {
  "GET /api/v1/session": {
    summary: "Who am I",
    description: "The signed-in user (browser session) or the API token the request was made with.",
    tag: "Session",
    responses: { "200": { description: "The caller", schema: principalResponse } },
  },
  "POST /api/v1/session": {
    summary: "Sign in",
    description:
      "Checks email and password and sets a new session cookie (any previous session of this browser ends), and a " +
      "device cookie (`uc_device`, HttpOnly, SameSite=Strict, 180 days) marking this browser as one that signed in " +
      "to the account. Throttling answers 429 with Retry-After, and never locks the account: per client address, " +
      "5 failures in 15 minutes; per account, after 5 failures in a day each attempt waits longer after the latest " +
      "failure (30 s doubling to 15 min at most); a browser with the account's device cookie skips the account's " +
      "wait and has 5 failures in 15 minutes of its own; and each server process passes at most 60 attempts a " +
      "minute per address to its database. An ADMIN can clear an account's failures " +
      "(DELETE /api/v1/users/{id}/sign-in-failures).",
    tag: "Session",
    responses: {
      "200": {
        description: "Signed in; the session and device cookies are set (two Set-Cookie headers)",
        schema: principalResponse,
        headers: ["Set-Cookie"],
      },
    },
    errors: ["INVALID_CREDENTIALS", "ONE_TIME_PASSWORD_EXPIRED", "TOO_MANY_ATTEMPTS"],
  },
  "DELETE /api/v1/session": {
    summary: "Sign out",
    description: "Ends the session in the database and clears the cookie.",
    tag: "Session",
    responses: { "204": { description: "Signed out", headers: ["Set-Cookie"] } },
  },
  "PUT /api/v1/session/password": {
    summary: "Change your password",
    description: "The current password is required; the new one must differ from it.",
    tag: "Session",
    responses: { "204": { description: "Changed" } },
    errors: ["WRONG_PASSWORD", "TOO_MANY_ATTEMPTS"],
  },
  "GET /api/v1/session/sessions": {
    summary: "List your sessions",
    tag: "Session",
    responses: { "200": { description: "Your sessions, the current one flagged", schema: sessionListResponse } },
  },
  "DELETE /api/v1/session/sessions/[id]": {
    summary: "End one of your sessions",
    tag: "Session",
    responses: { "204": { description: "Ended: its next request is refused" } },
    errors: ["SESSION_NOT_FOUND"],
  },
  "GET /api/v1/users": {
    summary: "List users",
    description:
      "One page of users, filtered (`q`, repeatable `role` and `status`), sorted (`sort`, `-` for descending) and " +
      "paged by opaque cursor, with the total of the whole listing. `includeDeleted` needs the users:read-deleted " +
      "permission.",
    tag: "Users",
    responses: { "200": { description: "A page of users", schema: userPageResponse } },
    errors: ["INVALID_CURSOR"],
  },
  "POST /api/v1/users": {
    summary: "Create a user",
    description:
      "With an `Idempotency-Key`, a retry of the same request answers the first result again (with " +
      "`Idempotent-Replayed: true`) instead of creating a second user; the same key with a different body is 422. " +
      NO_ADMIN_BY_TOKEN,
    tag: "Users",
    responses: {
      "201": { description: "Created", schema: userResponse, headers: ["Location", "ETag", "Idempotent-Replayed"] },
    },
    errors: ["USER_EMAIL_TAKEN", "IDEMPOTENCY_KEY_REUSED"],
    requestHeaders: ["Idempotency-Key"],
  },
  "GET /api/v1/users/[id]": {
    summary: "Get a user",
    description: "With `If-None-Match` naming the current ETag, 304 without a body.",
    tag: "Users",
    responses: {
      "200": { description: "The user", schema: userResponse, headers: ["ETag"] },
      "304": { description: "Not modified since the ETag sent", headers: ["ETag"] },
    },
    errors: ["USER_NOT_FOUND"],
    requestHeaders: ["If-None-Match"],
  },
  "PATCH /api/v1/users/[id]": {
    summary: "Update a user",
    description: `A JSON merge patch (RFC 7396) of name, role and status. ${NO_ADMIN_BY_TOKEN} ${IF_MATCH_NOTE}`,
    tag: "Users",
    responses: { "200": { description: "The updated user", schema: userResponse, headers: ["ETag"] } },
    errors: ["USER_NOT_FOUND", "USER_VERSION_CONFLICT", "PRECONDITION_REQUIRED", "LAST_ADMIN"],
    requestHeaders: ["If-Match"],
    bodyTypes: ["application/merge-patch+json", "application/json"],
  },
  "DELETE /api/v1/users/[id]": {
    summary: "Delete a user",
    description: `A soft delete: the user can be restored, and their sessions end. ${IF_MATCH_NOTE}`,
    tag: "Users",
    responses: { "204": { description: "Deleted" } },
    errors: ["USER_NOT_FOUND", "USER_VERSION_CONFLICT", "PRECONDITION_REQUIRED", "LAST_ADMIN"],
    requestHeaders: ["If-Match"],
  },
  "POST /api/v1/users/[id]/restore": {
    summary: "Restore a deleted user",
    description: NO_ADMIN_BY_TOKEN,
    tag: "Users",
    responses: { "200": { description: "The user, as before the delete", schema: userResponse, headers: ["ETag"] } },
    errors: ["USER_NOT_FOUND"],
  },
  "DELETE /api/v1/users/[id]/sign-in-failures": {
    summary: "Clear an account's failed sign-ins",
    description:
      "Deletes the account's recorded sign-in failures, lifting the delay that strangers' failed attempts put on " +
      "signing in to it from a new browser. Client addresses keep their own limits. Audited as " +
      "`user.sign_in_failures_cleared`. Browser sessions only: an API token may not call it.",
    tag: "Users",
    responses: { "200": { description: "How many failures were cleared", schema: clearedSignInFailuresResponse } },
    errors: ["USER_NOT_FOUND"],
  },
  "GET /api/v1/users/export.csv": {
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
  },
  "GET /api/v1/users/stats": {
    summary: "Users in numbers",
    description:
      "What the dashboard charts: signups per day over the last 90 days (UTC), and users (not deleted) by status " +
      "and by role, each exact up to 10,000 and the database's estimate past it.",
    tag: "Users",
    responses: { "200": { description: "The numbers", schema: userStatsResponse } },
  },
  "GET /api/v1/users/[id]/overview": {
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
  },
  "POST /api/v1/users/bulk": {
    summary: "Change many users at once",
    description:
      "`action` (`disable`, `enable`, `delete`, `restore`, or `set-role` with `role`) for the users listed in `ids` " +
      `(1 to ${MAX_BULK_IDS}) or for every user matching \`filter\`: the filters of List users (\`q\`, \`role\`, ` +
      "`status`, `includeDeleted`), across all pages. Each user gets the same rules and audit entry as changing them " +
      "one at a time; one whose change is refused (`FORBIDDEN`: an EDITOR and an ADMIN; `LAST_ADMIN`; " +
      "`USER_NOT_FOUND`; `USER_VERSION_CONFLICT`: changed meanwhile) is left as they were and listed in `failed` " +
      "with the reason, and the others are changed. Users already as the action would leave them are counted in " +
      `\`skipped\`. A filter may match at most ${MAX_BULK_FILTER_USERS.toLocaleString("en-US")} users (else 422 ` +
      "`BULK_LIMIT_EXCEEDED`, and nothing is changed: narrow it). Users are changed in chunks, one transaction each, " +
      `so a call cut short by its deadline (${BULK_DEADLINE_FACTOR} request deadlines: ${BULK_DEADLINE_FACTOR * 5} s by default) or by the ` +
      "client keeps the chunks " +
      "already done: repeat it to finish. `set-role` needs users:assign-role; `includeDeleted` users:read-deleted. " +
      "An API token's `set-role` to ADMIN is refused whole (403), and its `enable` or `restore` of an ADMIN is " +
      "`FORBIDDEN` for that user.",
    tag: "Users",
    responses: { "200": { description: "What was done, and to whom it could not be", schema: bulkUsersResponse } },
    errors: ["BULK_LIMIT_EXCEEDED"],
  },
  "POST /api/v1/imports": {
    summary: "Import users from a CSV file",
    description:
      "The file as `text/csv`, or as `multipart/form-data` in the field `file` (a browser must also send " +
      "`X-Requested-With`), at most 20 MB: a header row naming `email` and `name`, optionally `role` (default VIEWER) " +
      "and `status` (ACTIVE or DISABLED, default ACTIVE), then one row per user. Answers 202 at once with the job; " +
      "the rows are validated as Create a user does and written in batches in the background. A row whose email " +
      "exists, or appeared earlier in the file, creates nothing and is reported with its line. An EDITOR's rows may " +
      "create VIEWERs only, and an API token's no ADMIN. With an `Idempotency-Key`, the same file sent again answers the same job (" +
      "`Idempotent-Replayed: true`) and creates nothing twice. A job cut by a restart resumes from its last " +
      "committed batch. A file without a usable header row is 422 `IMPORT_FILE_INVALID`. The file is stored in the " +
      "database as it arrives, in chunks of about 1 MB, never whole in memory. A caller may have " +
      `${IMPORT_UPLOAD_CAPS.perPrincipal} uploads under way at once and a server ${IMPORT_UPLOAD_CAPS.perProcess}: past either, ` +
      "429 `TOO_MANY_CONCURRENT_REQUESTS` with Retry-After, before any of the body is read. While read-only mode is on " +
      "or imports are turned off for the uploader, an accepted job pauses (`paused` says why) and resumes after.",
    tag: "Users",
    responses: {
      "202": { description: "Accepted: the job, queued", schema: importJobResponse, headers: ["Location", "Idempotent-Replayed"] },
    },
    errors: [
      "IMPORT_FILE_INVALID",
      "FILE_TOO_LARGE",
      "UNSUPPORTED_MEDIA_TYPE",
      "VALIDATION_FAILED",
      "IDEMPOTENCY_KEY_REUSED",
      "TOO_MANY_CONCURRENT_REQUESTS",
    ],
    requestHeaders: ["Idempotency-Key"],
    rawBodies: { "text/csv": importUploadCsv, "multipart/form-data": importUploadMultipart },
  },
  "GET /api/v1/imports": {
    summary: "List imports",
    description: "Import jobs, newest first, with their counts.",
    tag: "Users",
    responses: { "200": { description: "A page of import jobs", schema: importJobPageResponse } },
    errors: ["INVALID_CURSOR"],
  },
  "GET /api/v1/imports/[id]": {
    summary: "Get an import",
    description:
      "Status and counts (sums over committed batches, so exact at any moment), and the rows that created no user " +
      "with their line and reason, `errorsLimit` at a time (default 100) from after `errorsAfter`.",
    tag: "Users",
    responses: { "200": { description: "The job", schema: importJobDetailResponse } },
    errors: ["IMPORT_NOT_FOUND"],
  },
  "GET /api/v1/imports/[id]/events": {
    summary: "Follow an import",
    description:
      "Server-Sent Events of the job's progress (rows done, rows per second, seconds left, why it is paused) about " +
      "every 500 ms, read from the database, so any replica can serve it; all the streams of a job on one server share " +
      "one read. Closes when the job ends, when the server drains, and when the caller's session or token ends (revoked, " +
      "expired, the user disabled) or no longer allows it, checked every 5 s. A caller may have " +
      `${IMPORT_EVENT_STREAM_CAPS.perPrincipal} streams open at once and a server ${IMPORT_EVENT_STREAM_CAPS.perProcess}: past ` +
      "either, 429 `TOO_MANY_CONCURRENT_REQUESTS` with Retry-After.",
    tag: "Users",
    responses: { "200": { description: "The event stream", schema: importEventsResponse, mediaType: "text/event-stream" } },
    errors: ["IMPORT_NOT_FOUND", "TOO_MANY_CONCURRENT_REQUESTS"],
  },
  "GET /api/v1/events": {
    summary: "Follow changes live",
    description:
      "What changed, as it commits: the stream the console's pages refresh from (one per browser, shared by its tabs). " +
      "Import progress streams and these count against the same caps: a caller may have " +
      `${IMPORT_EVENT_STREAM_CAPS.perPrincipal} open at once and a server ${IMPORT_EVENT_STREAM_CAPS.perProcess}: past ` +
      "either, 429 `TOO_MANY_CONCURRENT_REQUESTS` with Retry-After.",
    tag: "Events",
    responses: { "200": { description: "The event stream", schema: liveEventsResponse, mediaType: "text/event-stream" } },
    errors: ["TOO_MANY_CONCURRENT_REQUESTS"],
  },
  "GET /api/v1/flags": {
    summary: "List feature flags",
    description:
      "Every flag the code declares: its variations, what it serves most, its stored definition (LaunchDarkly's flag " +
      "JSON) and its last change. With LAUNCHDARKLY_SDK_KEY set the flags are LaunchDarkly's: `managedBy` is " +
      "`launchdarkly` and there is no definition here.",
    tag: "Feature flags",
    responses: { "200": { description: "The flags", schema: flagListResponse } },
  },
  "GET /api/v1/flags/[key]": {
    summary: "Get a feature flag",
    description: "One flag; its ETag is its version.",
    tag: "Feature flags",
    responses: { "200": { description: "The flag", schema: flagResponse, headers: ["ETag"] }, "304": { description: "Not modified" } },
    errors: ["FLAG_NOT_FOUND"],
    requestHeaders: ["If-None-Match"],
  },
  "PATCH /api/v1/flags/[key]": {
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
  },
  "GET /api/v1/flags/[key]/history": {
    summary: "A feature flag's history",
    description: "The flag's changes from the audit log, newest first; each entry's `data` holds the whole flag `before` and `after`.",
    tag: "Feature flags",
    responses: { "200": { description: "A page of audit entries", schema: auditEventPageResponse } },
    errors: ["FLAG_NOT_FOUND", "INVALID_CURSOR"],
  },
  "POST /api/v1/flags/[key]/revert": {
    summary: "Revert a feature flag",
    description:
      "Puts back the flag as it was at `version` (from its history) as a new version: history only grows. " +
      "`If-Match` as for a change.",
    tag: "Feature flags",
    responses: { "200": { description: "The flag, reverted", schema: flagResponse, headers: ["ETag"] } },
    errors: ["FLAG_NOT_FOUND", "FLAG_VERSION_CONFLICT", "FLAG_INVALID", "FLAGS_MANAGED_ELSEWHERE", "PRECONDITION_REQUIRED"],
    requestHeaders: ["If-Match"],
  },
  "GET /api/v1/session/flags": {
    summary: "My feature flags",
    description:
      "Each flag's variation for the caller (a user: id, role, email domain; a token: id, role), as the API's own " +
      "gates evaluate it: whether read-only mode is on for you, how dense your users table is.",
    tag: "Feature flags",
    responses: { "200": { description: "Your variations", schema: userFlagsResponse } },
  },
  "GET /api/v1/users/[id]/flags": {
    summary: "A user's feature flags",
    description: "Each flag's variation for this user (key, role, email domain, status), and the SDK's reason for it.",
    tag: "Feature flags",
    responses: { "200": { description: "The user's variations", schema: userFlagsResponse } },
    errors: ["USER_NOT_FOUND"],
  },
  "GET /api/v1/imports/[id]/errors.csv": {
    summary: "Download an import's error report",
    description:
      "The rows that created no user, by line, as CSV (`line,email,reason`; the users export's rules: RFC 4180, " +
      "CRLF, UTF-8, cells a spreadsheet would run as formulas prefixed with `'`), downloaded as " +
      "`import-<id>-errors.csv`; only the header when every row was imported. Streamed a page at a time; a " +
      "failure after the first byte cuts the transfer short.",
    tag: "Users",
    responses: { "200": { description: "The report", schema: importErrorsCsvResponse, mediaType: "text/csv", headers: ["Content-Disposition"] } },
    errors: ["IMPORT_NOT_FOUND"],
  },
  "POST /api/v1/invitations": {
    summary: "Invite someone",
    description:
      "Creates an INVITED user and answers the single-use link (valid 7 days), shown this once. From a browser " +
      "session only: the link makes a person who can sign in, who would outlive an API token that invited them.",
    tag: "Invitations",
    responses: { "201": { description: "Invited", schema: invitationResponse } },
    errors: ["USER_EMAIL_TAKEN"],
  },
  "POST /api/v1/invitations/accept": {
    summary: "Accept an invitation",
    description: "The invited person sets their password; they sign in afterwards.",
    tag: "Invitations",
    responses: { "200": { description: "Accepted: the user is ACTIVE", schema: acceptedInvitationResponse } },
    errors: ["INVITATION_INVALID"],
  },
  "GET /api/v1/tokens": {
    summary: "List API tokens",
    description: "Every token, revoked ones included, with its owner, expiry and last use; never a secret.",
    tag: "API tokens",
    responses: { "200": { description: "The tokens", schema: apiTokenListResponse } },
  },
  "POST /api/v1/tokens": {
    summary: "Create an API token",
    description:
      "The secret is in this response and nowhere else, ever. The token belongs to the ADMIN who creates it, and is " +
      "revoked when they stop being an active ADMIN (demoted, disabled or deleted). Every token expires: without " +
      "`expiresAt`, `API_TOKEN_MAX_LIFETIME_DAYS` (90 by default) from now; a later `expiresAt` is 422.",
    tag: "API tokens",
    responses: { "201": { description: "Created", schema: createdApiTokenResponse } },
    errors: ["TOKEN_LIFETIME_TOO_LONG"],
  },
  "DELETE /api/v1/tokens/[id]": {
    summary: "Revoke an API token",
    tag: "API tokens",
    responses: { "204": { description: "Revoked: the token's next request is refused" } },
    errors: ["TOKEN_NOT_FOUND"],
  },
  "GET /api/v1/webhooks": {
    summary: "List webhook endpoints",
    description: "Every endpoint, oldest first, with whether it is enabled and, if not, why. Never a secret.",
    tag: "Webhooks",
    responses: { "200": { description: "The endpoints", schema: webhookListResponse } },
  },
  "POST /api/v1/webhooks": {
    summary: "Add a webhook endpoint",
    description:
      "From now on each event of the wanted types (all when `eventTypes` is empty) is POSTed to `url` as JSON, " +
      "signed per the Standard Webhooks spec: headers `webhook-id` (the event's id, the same on every attempt), " +
      "`webhook-timestamp` and `webhook-signature`, made with the secret in this response, which is shown only here. " +
      "An endpoint gets its deliveries one at a time in the order the events happened; a failed one (no 2xx within " +
      "the timeout) is retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (WEBHOOK_RETRY_SCHEDULE), then the endpoint " +
      "is disabled. The URL is refused when it is not http(s), carries credentials, or is an address literal in a " +
      "private, loopback or link-local range (WEBHOOK_ALLOW_PRIVATE_CIDRS can allow one); a name is checked against " +
      "what it resolves to each time a request connects.",
    tag: "Webhooks",
    responses: { "201": { description: "Added; the secret is in this response only", schema: webhookWithSecretResponse } },
    errors: ["WEBHOOK_URL_REFUSED"],
  },
  "GET /api/v1/webhooks/[id]": {
    summary: "Get a webhook endpoint",
    tag: "Webhooks",
    responses: { "200": { description: "The endpoint", schema: webhookResponse } },
    errors: ["WEBHOOK_NOT_FOUND"],
  },
  "PATCH /api/v1/webhooks/[id]": {
    summary: "Change a webhook endpoint",
    description:
      "A JSON merge patch of `url`, `description`, `eventTypes` and `enabled`. Disabling stops deliveries (events " +
      "meanwhile are not queued for it); enabling again first retries the delivery whose retries ran out, if that " +
      "is why it was disabled, then the rest of its queue, in order.",
    tag: "Webhooks",
    responses: { "200": { description: "The endpoint as changed", schema: webhookResponse } },
    errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_URL_REFUSED"],
  },
  "DELETE /api/v1/webhooks/[id]": {
    summary: "Remove a webhook endpoint",
    description: "With its delivery log; nothing more is sent to it.",
    tag: "Webhooks",
    responses: { "204": { description: "Removed" } },
    errors: ["WEBHOOK_NOT_FOUND"],
  },
  "POST /api/v1/webhooks/[id]/rotate-secret": {
    summary: "Rotate a webhook endpoint's secret",
    description: "Every request from now on is signed with the new secret, shown in this response only.",
    tag: "Webhooks",
    responses: { "200": { description: "The new secret", schema: webhookWithSecretResponse } },
    errors: ["WEBHOOK_NOT_FOUND"],
  },
  "GET /api/v1/webhooks/[id]/deliveries": {
    summary: "A webhook endpoint's delivery log",
    description:
      "Its deliveries newest first, by cursor: status (`pending`, `succeeded`, `failed`), attempts, when it is tried " +
      "next, the last response code, latency and error, and the event sent. Finished deliveries are pruned after " +
      "EVENTS_RETENTION_HOURS.",
    tag: "Webhooks",
    responses: { "200": { description: "A page of deliveries", schema: webhookDeliveryPageResponse } },
    errors: ["WEBHOOK_NOT_FOUND", "INVALID_CURSOR"],
  },
  "POST /api/v1/webhooks/[id]/deliveries/[deliveryId]/resend": {
    summary: "Resend a delivery",
    description:
      "Queues the delivery again in its place (pending, attempts from zero, due now): the receiver gets it again with " +
      "the same `webhook-id`, before any later delivery still queued for the endpoint.",
    tag: "Webhooks",
    responses: { "202": { description: "Queued again", schema: webhookDeliveryResponse } },
    errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND"],
  },
  "GET /api/v1/audit-events": {
    summary: "List audit events",
    description: "Newest first, filtered, by cursor.",
    tag: "Audit log",
    responses: { "200": { description: "A page of events", schema: auditEventPageResponse } },
    errors: ["INVALID_CURSOR"],
  },
  "GET /api/v1/service/traffic": {
    summary: "This process's traffic over the last hour",
    description: "Requests and server errors (5xx) per minute for the last 60 minutes, from the process's own metrics.",
    tag: "Service",
    responses: { "200": { description: "Per-minute counts, oldest first", schema: serviceTrafficResponse } },
  },
  "GET /api/openapi.json": {
    summary: "This OpenAPI document",
    tag: "Reference",
    responses: {
      "200": { description: "The OpenAPI 3.1 document", schema: z.looseObject({ openapi: z.string() }), headers: ["ETag"] },
      "304": { description: "Not modified since the ETag sent", headers: ["ETag"] },
    },
    requestHeaders: ["If-None-Match"],
  },
};

const RESPONSE_HEADERS = {
  "X-Request-Id": z.string().meta({ header: { id: "RequestId", description: "Quote it when reporting a problem" } }),
  ETag: z.string().meta({
    header: { id: "ETag", description: 'The version of what was answered, e.g. `"3"`: send it back in If-Match or If-None-Match' },
  }),
  Location: z.string().meta({ header: { id: "Location", description: "Where the created resource lives" } }),
  "Idempotent-Replayed": z
    .literal("true")
    .optional()
    .meta({ header: { id: "IdempotentReplayed", description: "Present when this answer replays an earlier request with the same Idempotency-Key" } }),
  "Set-Cookie": z.string().meta({
    header: { id: "SetSessionCookie", description: "The session cookie (HttpOnly, SameSite=Lax); on sign-in also the device cookie" },
  }),
  "Retry-After": z.string().meta({ header: { id: "RetryAfter", description: "Seconds to wait before trying again" } }),
  "Content-Disposition": z.string().meta({
    header: { id: "ContentDisposition", description: 'A download, with its file name: `attachment; filename="users-20261125T090000Z.csv"`' },
  }),
  "WWW-Authenticate": z.string().meta({ header: { id: "WwwAuthenticate", description: '`Bearer realm="user-console"`' } }),
};

const REQUEST_HEADERS = {
  "If-Match": z.string().meta({
    param: { in: "header", name: "If-Match", id: "IfMatch", description: "The ETag from your last read (required: 428 without it)" },
    examples: ['"3"'],
  }),
  "If-None-Match": z
    .string()
    .optional()
    .meta({ param: { in: "header", name: "If-None-Match", id: "IfNoneMatch", description: "ETags you hold; 304 when one is current" } }),
  "Idempotency-Key": idempotencyKey.optional().meta({
    param: {
      in: "header",
      name: "Idempotency-Key",
      id: "IdempotencyKey",
      description: "Any unique value (a UUID) per intended request: retries with it cannot create twice",
    },
  }),
};

const PROBLEM_DESCRIPTIONS: Partial<Record<ProblemCode, string>> = {
  UNAUTHENTICATED: "no session or API token, or one that is unknown, expired or revoked",
  INVALID_CREDENTIALS: "wrong email or password",
  FORBIDDEN: "your role lacks the permission, an API token called a browser-session route, or the use case's own rules refuse",
  PASSWORD_CHANGE_REQUIRED: "change the one-time password first (PUT /api/v1/session/password)",
  CSRF_REJECTED: "a browser request without this site's Origin, or without a JSON body or X-Requested-With",
  VALIDATION_FAILED: "invalid path, query, body or header; `errors` names each field",
  MALFORMED_JSON: "the body is not JSON (or not UTF-8)",
  BODY_TOO_LARGE: "the body is over 1 MB",
  UNSUPPORTED_MEDIA_TYPE: "the body is not sent as application/json",
  USER_NOT_FOUND: "no such user",
  USER_EMAIL_TAKEN: "someone (deleted or not) already has the email",
  USER_VERSION_CONFLICT: "the user changed since the ETag sent in If-Match",
  PRECONDITION_REQUIRED: "If-Match is missing",
  LAST_ADMIN: "the change would leave no active ADMIN",
  INVALID_CURSOR: "the cursor is not one this listing gave",
  TOO_MANY_ATTEMPTS: "too many failures; wait for Retry-After seconds",
  TOO_MANY_CONCURRENT_REQUESTS: "you (or this server) have as many uploads or event streams open as allowed at once; retry after Retry-After seconds",
  ONE_TIME_PASSWORD_EXPIRED: "the right one-time password, but issued more than 24 hours ago; a restart of the server issues a new one",
  WRONG_PASSWORD: "the current password is wrong",
  INVITATION_INVALID: "the link is unknown, used or expired",
  TOKEN_NOT_FOUND: "no such token",
  TOKEN_LIFETIME_TOO_LONG: "the expiry is later than API_TOKEN_MAX_LIFETIME_DAYS allows",
  SESSION_NOT_FOUND: "no such session of yours",
  IDEMPOTENCY_KEY_REUSED: "the Idempotency-Key was used for a different request",
  DEADLINE_EXCEEDED: "the request did not finish within its deadline",
  DATABASE_BUSY: "every database connection stayed busy; retry after Retry-After seconds",
  DATABASE_UNAVAILABLE: "the database cannot be reached (an outage; the circuit breaker is open); retry after Retry-After seconds",
  BULK_LIMIT_EXCEEDED: "the filter matches more users than one bulk call may change; narrow it",
  IMPORT_NOT_FOUND: "no such import",
  IMPORT_FILE_INVALID: "the file is not UTF-8 CSV with a header row naming email and name (and at most role, status)",
  FILE_TOO_LARGE: "the file is over 20 MB",
  FLAG_NOT_FOUND: "no such flag",
  FLAG_VERSION_CONFLICT: "the flag changed since the ETag sent in If-Match",
  FLAG_INVALID: "the change would leave the flag invalid (a missing variation, a rollout not summing to 100 %)",
  FLAGS_MANAGED_ELSEWHERE: "LaunchDarkly manages the flags (LAUNCHDARKLY_SDK_KEY): change them there",
  READ_ONLY_MODE: "the console is in read-only mode (flag ops-read-only-mode); retry after Retry-After seconds",
  FEATURE_OFF: "the feature is turned off by its flag (bulk-import)",
  WEBHOOK_NOT_FOUND: "no such webhook endpoint",
  WEBHOOK_DELIVERY_NOT_FOUND: "no such delivery in this endpoint's log (finished ones are pruned after EVENTS_RETENTION_HOURS)",
  WEBHOOK_URL_REFUSED: "the URL is not http(s), carries credentials, or is an address that webhooks may not be sent to",
  NOT_FOUND: "no API route at this address",
  METHOD_NOT_ALLOWED: "the route does not answer this method; `Allow` lists those it does",
  INTERNAL: "something failed on our side; quote the requestId",
};

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Not signed in",
  403: "Refused",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  412: "Precondition failed",
  413: "Content too large",
  415: "Unsupported media type",
  422: "Invalid request",
  428: "Precondition required",
  429: "Too many requests",
  500: "Internal error",
  503: "Service unavailable",
  504: "Deadline exceeded",
};

/** Every code a problem body may carry, in the order of lib/domain/errors.ts and lib/http/problem.ts. */
const ALL_CODES: readonly ProblemCode[] = [...ERROR_CODES, ...HTTP_ERROR_CODES];

/** The errors a route gives by being the kind of route it is, decided by the wrapper (lib/http/route.ts). */
function derivedCodes({ access, definition }: DocumentedHandler, doc: OperationDoc | undefined): ProblemCode[] {
  // A malformed or unknown bearer token is 401 on every route, public ones included.
  const codes: ProblemCode[] = ["UNAUTHENTICATED"];
  if (access.access !== "public") {
    if (!ALLOWED_BEFORE_PASSWORD_CHANGE.has(`${definition.method} ${definition.path}`)) codes.push("PASSWORD_CHANGE_REQUIRED");
    if (access.access !== "self" || !access.tokens) codes.push("FORBIDDEN");
  }
  if (definition.method !== "GET") codes.push("CSRF_REJECTED");
  if (definition.feature) codes.push("FEATURE_OFF");
  if (definition.method !== "GET" && !WRITABLE_IN_READ_ONLY_MODE.has(`${definition.method} ${definition.path}`)) {
    codes.push("READ_ONLY_MODE");
  }
  if (definition.body) codes.push("UNSUPPORTED_MEDIA_TYPE", "MALFORMED_JSON", "BODY_TOO_LARGE");
  if (definition.body || definition.query || definition.params || doc?.requestHeaders?.includes("Idempotency-Key")) {
    codes.push("VALIDATION_FAILED");
  }
  // Every route may reach the database (authentication does): its deadline and its pool apply to all.
  codes.push("DEADLINE_EXCEEDED", "DATABASE_BUSY", "DATABASE_UNAVAILABLE", "INTERNAL");
  return codes;
}

/** The problem+json responses for a set of codes, one per status; `x-problem-codes` lists each one's codes. */
function errorResponses(codes: readonly ProblemCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of ALL_CODES) {
    if (!codes.includes(code)) continue;
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const extra: ResponseHeader[] = status === 401 ? ["WWW-Authenticate"] : status === 429 || status === 503 ? ["Retry-After"] : [];
    responses[statusKey(status)] = {
      description: [
        STATUS_TEXT[status] ?? `HTTP ${status}`,
        "",
        ...statusCodes.map((code) => `- \`${code}\`${PROBLEM_DESCRIPTIONS[code] ? `: ${PROBLEM_DESCRIPTIONS[code]}` : ""}`),
      ].join("\n"),
      headers: responseHeaders(extra),
      content: { "application/problem+json": { schema: problemResponse } },
      "x-problem-codes": statusCodes,
    };
  }
  return responses;
}

type StatusKey = `${1 | 2 | 3 | 4 | 5}${string}`;

/** A status as a key of an OpenAPI responses object. */
function statusKey(status: number): StatusKey {
  const key = String(status);
  if (!isStatusKey(key)) throw new Error(`${status} is not an HTTP status`);
  return key;
}

function isStatusKey(key: string): key is StatusKey {
  return /^[1-5]\d\d$/.test(key);
}

function responseHeaders(names: readonly ResponseHeader[]) {
  return z.object(Object.fromEntries(["X-Request-Id" as const, ...names].map((name) => [name, RESPONSE_HEADERS[name]])));
}

function securityOf(access: RouteAccess): ZodOpenApiOperationObject["security"] {
  if (access.access === "public") return [];
  return access.tokens ? [{ bearerToken: [] }, { sessionCookie: [] }] : [{ sessionCookie: [] }];
}

/** `/api/v1/users/[id]` (Next's file tree) as OpenAPI spells it: `/api/v1/users/{id}`. */
export function openApiPath(template: string): string {
  return template.replace(/\[([^\]]+)\]/g, "{$1}");
}

function operation(name: string, handler: DocumentedHandler): ZodOpenApiOperationObject {
  const { access, definition } = handler;
  const key = `${definition.method} ${definition.path}`;
  const doc = OPERATIONS[key];
  const success: ZodOpenApiResponsesObject = {};
  for (const [status, response] of Object.entries(doc?.responses ?? {})) {
    success[statusKey(Number(status))] = successResponse(response);
  }
  const who =
    access.access === "public"
      ? "Anyone may call it."
      : access.access === "self"
        ? "Any signed-in caller."
        : `Requires the permission \`${access.access}\`.`;
  const tokens = access.access !== "public" && !access.tokens ? " API tokens are refused: browser sessions only." : "";
  return {
    operationId: name,
    summary: doc?.summary ?? key,
    description: [
      doc ? doc.description : `Not documented yet: add "${key}" to OPERATIONS in lib/http/openapi.ts.`,
      `${who}${tokens}`,
    ]
      .filter(Boolean)
      .join("\n\n"),
    tags: [doc?.tag ?? "Reference"],
    security: securityOf(access),
    requestParams: {
      ...(definition.params && { path: definition.params }),
      ...(definition.query && { query: definition.query }),
    },
    ...(doc?.requestHeaders && { parameters: doc.requestHeaders.map((header) => REQUEST_HEADERS[header]) }),
    ...(definition.body && {
      requestBody: {
        required: true,
        content: Object.fromEntries((doc?.bodyTypes ?? ["application/json"]).map((type) => [type, { schema: definition.body }])),
      },
    }),
    ...(!definition.body &&
      doc?.rawBodies && {
        requestBody: {
          required: true,
          content: Object.fromEntries(Object.entries(doc.rawBodies).map(([type, schema]) => [type, { schema }])),
        },
      }),
    responses: {
      ...(doc ? success : { default: { description: "Not documented yet" } }),
      ...errorResponses([...new Set([...derivedCodes(handler, doc), ...(doc?.errors ?? [])])]),
    },
  };
}

function successResponse(response: SuccessResponse): ZodOpenApiResponseObject {
  return {
    description: response.description,
    headers: responseHeaders(response.headers ?? []),
    ...(response.schema && { content: { [response.mediaType ?? "application/json"]: { schema: response.schema } } }),
  };
}

function isDocumentedHandler(value: unknown): value is DocumentedHandler {
  return typeof value === "function" && "definition" in value && "access" in value;
}

/**
 * Every handler, by export name (its operationId): the REST API and this document's own. The OpenAPI document
 * and the API's dispatch (lib/http/api-router.ts) are both built from this one list.
 */
export function documentedHandlers(): { name: string; handler: DocumentedHandler }[] {
  const found = Object.entries(handlers).flatMap(([name, value]) => (isDocumentedHandler(value) ? [{ name, handler: value }] : []));
  return [...found, { name: "getOpenApiDocument", handler: getOpenApiDocument }];
}

/** Routes without an entry in {@link OPERATIONS}, and entries naming no route: both should be empty. */
export function operationsCoverage(): { missing: string[]; stale: string[] } {
  const keys = documentedHandlers().map(({ handler }) => `${handler.definition.method} ${handler.definition.path}`);
  return {
    missing: keys.filter((key) => !(key in OPERATIONS)),
    stale: Object.keys(OPERATIONS).filter((key) => !keys.includes(key)),
  };
}

/** The document, built from the handlers as they are when this runs. */
export function buildOpenApiDocument() {
  const paths: ZodOpenApiPathsObject = {};
  // Request bodies as named components (`PatchUserBody`), shown once however many media types accept them.
  const bodies: Record<string, z.ZodType> = {};
  for (const { name, handler } of documentedHandlers()) {
    const path = openApiPath(handler.definition.path);
    const method = methodKey(handler.definition.method);
    paths[path] = { ...paths[path], [method]: operation(name, handler) };
    if (handler.definition.body) bodies[`${name.charAt(0).toUpperCase()}${name.slice(1)}Body`] = handler.definition.body;
  }
  const document: ZodOpenApiObject = {
    openapi: "3.1.0",
    info: {
      title: "User console API",
      version: "1",
      description:
        "The REST API of the user console. Errors are `application/problem+json` (RFC 9457) with a stable `code`; " +
        "every response carries `X-Request-Id`. Call it with an API token (`Authorization: Bearer uct_...`) or " +
        "from the browser with the session cookie (then a change also needs this site's Origin header). An address " +
        "under /api that is no route answers 404 `NOT_FOUND`, a method the route lacks 405 `METHOD_NOT_ALLOWED` with " +
        "`Allow`; every route answers OPTIONS with `Allow`, and HEAD where it answers GET.",
    },
    tags: TAGS.map((tag) => ({ ...tag })),
    paths,
    webhooks: eventWebhooks(),
    components: {
      schemas: bodies,
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "An API token, `uct_...`, created by an ADMIN on the API tokens page; it carries its own role.",
        },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "__Host-uc_session",
          description:
            "The browser session set by POST /api/v1/session (named `uc_session` on http://localhost). A request that " +
            "changes something must also carry this site's Origin and a JSON body or X-Requested-With (CSRF).",
        },
      },
    },
  };
  return createDocument(document, { override: forViewers });
}

/**
 * OpenAPI 3.1's `webhooks`: the domain events (issue 20) the app sends out, one entry per event type, with its
 * message schema (lib/http/event-messages.ts). The same JSON is a NATS message's body.
 */
function eventWebhooks(): ZodOpenApiPathsObject {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const { summary, schema } = EVENT_MESSAGES[type];
      const post: ZodOpenApiOperationObject = {
        summary,
        description:
          "Sent at least once, after the change committed, in the order of the subject's `sequence`; a receiver drops " +
          "an `id` it has seen. To each webhook endpoint that wants the type it is POSTed signed per the Standard " +
          "Webhooks spec (`webhook-id`: the event's id; `webhook-timestamp`; `webhook-signature` with the endpoint's " +
          "secret), one delivery at a time per endpoint, retried for up to a day (docs/decisions/017-webhooks.md). " +
          "The same JSON is published on NATS JetStream as `user-console." + type + "` when NATS_URL is set.",
        tags: ["Events"],
        requestBody: { required: true, content: { "application/json": { schema } } },
        responses: { "2XX": { description: "Taken: not sent again" } },
      };
      return [type, { post }];
    }),
  );
}

/**
 * Spellings zod chooses that mean the same in JSON Schema but that Scalar's document store (1.46) rejects,
 * logging "document validation errors" and dropping those schemas' examples: a nullable string or number as
 * `anyOf: [{ type: T, ... }, { type: "null" }]` (becomes `type: [T, "null"]`, the form zod itself uses for a
 * plain nullable string), and a record of anything as `additionalProperties: {}` (becomes `true`; the
 * `propertyNames: { type: "string" }` beside it says nothing about JSON, whose keys are strings anyway).
 */
function forViewers({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  // A union without a type of its own (a flag's variations: boolean or string; a rule: a variation or a rollout)
  // gets its members' types, which it has anyway: Scalar's store wants every schema to name one.
  const members = ["anyOf", "oneOf", "allOf"].flatMap((key) => (Array.isArray(jsonSchema[key]) ? [jsonSchema[key]] : []))[0];
  if (members && jsonSchema.type === undefined && !("$ref" in jsonSchema)) {
    const types = new Set(members.map((member: unknown) => (isRecord(member) && typeof member.type === "string" && !("$ref" in member) ? member.type : null)));
    if (!types.has(null) && types.size > 0) jsonSchema.type = types.size === 1 ? [...types][0] : [...types];
  }
  const [first, second, ...rest] = Array.isArray(jsonSchema.anyOf) ? jsonSchema.anyOf : [];
  if (rest.length === 0 && isRecord(first) && typeof first.type === "string" && !("$ref" in first) && isNullType(second)) {
    delete jsonSchema.anyOf;
    Object.assign(jsonSchema, { ...first, ...jsonSchema, type: [first.type, "null"] });
  }
  if (isRecord(jsonSchema.additionalProperties) && Object.keys(jsonSchema.additionalProperties).length === 0) {
    jsonSchema.additionalProperties = true;
    delete jsonSchema.propertyNames;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNullType(value: unknown): boolean {
  return isRecord(value) && value.type === "null" && Object.keys(value).length === 1;
}

function methodKey(method: string): "get" | "post" | "put" | "patch" | "delete" {
  switch (method) {
    case "GET":
      return "get";
    case "POST":
      return "post";
    case "PUT":
      return "put";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      throw new Error(`${method} has no place in an OpenAPI path item`);
  }
}

/** Built once per process (the handlers do not change while it runs), with its ETag. */
let served: { body: string; etag: string } | undefined;

function servedDocument(): { body: string; etag: string } {
  if (!served) {
    const body = JSON.stringify(buildOpenApiDocument());
    served = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
  }
  return served;
}

/** GET /api/openapi.json: public, cacheable, revalidated by ETag. */
export const getOpenApiDocument = route({
  method: "GET",
  path: "/api/openapi.json",
  async handler({ request }) {
    const { body, etag } = servedDocument();
    const headers = { etag, "cache-control": "public, max-age=300" };
    if (noneMatchHits(request, etag)) return new Response(null, { status: 304, headers });
    return new Response(body, { headers: { ...headers, "content-type": "application/json" } });
  },
});
