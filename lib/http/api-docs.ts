/**
 * What a route's definition says for the OpenAPI document (lib/http/openapi.ts builds the document from the
 * handlers' definitions): its summary, tag, success responses, the error codes its use case may answer, and the
 * headers it reads or sets. Here rather than in openapi.ts so that handlers can import it without importing the
 * document that imports them.
 */
import { z } from "zod";

import type { ProblemCode } from "./problem";
import { idempotencyKey } from "../api-contract";

export const TAGS = [
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
export type Tag = (typeof TAGS)[number]["name"];

export const RESPONSE_HEADERS = {
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

export const REQUEST_HEADERS = {
  "If-Match": z.string().meta({
    param: { in: "header", name: "If-Match", id: "IfMatch", description: "The ETag from your last read (required: 428 without it)" },
    examples: ['"3"'],
  }),
  "If-None-Match": z
    .string()
    .optional()
    .meta({ param: { in: "header", name: "If-None-Match", id: "IfNoneMatch", description: "ETags you hold; 304 when one is current" } }),
  "Idempotency-Key": z.optional(idempotencyKey).meta({
    param: {
      in: "header",
      name: "Idempotency-Key",
      id: "IdempotencyKey",
      description: "Any unique value (a UUID) per intended request: retries with it cannot create twice",
    },
  }),
};

export type ResponseHeader = keyof typeof RESPONSE_HEADERS;
export type RequestHeader = keyof typeof REQUEST_HEADERS;

export interface SuccessResponse {
  description: string;
  /** The JSON body's schema; none for 204 and 304. */
  schema?: z.core.$ZodType;
  /** The body's media type when it is not application/json (the CSV export). */
  mediaType?: string;
  headers?: ResponseHeader[];
}

/** What a route says about itself for the reference, beside its schemas and access. */
export interface OperationDoc {
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
  rawBodies?: Record<string, z.core.$ZodType>;
}

/** Issue 18: what a leaked token must not leave behind (users:grant-admin, never held by a token). */
export const NO_ADMIN_BY_TOKEN =
  "An API token never gives the role ADMIN, nor enables or restores an ADMIN (403 `FORBIDDEN`): that takes an " +
  "ADMIN signed in.";

export const IF_MATCH_NOTE =
  "Send `If-Match` with the ETag from your last read of the user: without it the answer is 428, and 412 when " +
  "someone changed the user since (read it again, reapply your change, retry). `If-Match: *` takes the current " +
  "version, and is 412 too if the user changes while the request runs: the rules are checked on the version written.";
