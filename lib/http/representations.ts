/**
 * How domain objects look in API responses: one function per type, used by every handler and by the pages that
 * render an answer's first paint on the server. Each returns its response schema's type (lib/api-contract), dates
 * already ISO strings, so what a page hands its client component is what a refetch through the API returns, and a
 * field added on one side only fails the typecheck.
 */
import type { AuditEventPageJson } from "../api-contract/audit";
import type { PrincipalJson } from "../api-contract/session";
import type { ApiTokenJson } from "../api-contract/tokens";
import type { UserJson } from "../api-contract/users";
import type { UserOverviewJson } from "../api-contract/users-overview";
import type { WebhookDeliveryJson, WebhookJson } from "../api-contract/webhooks";
import type { AuditEntry } from "../domain/audit";
import type { Principal } from "../domain/auth";
import type { User } from "../domain/user";
import type { UserOverview } from "../use-cases/get-user-overview";
import type { OwnedApiToken } from "../use-cases/manage-api-tokens";
import type { WebhookDelivery, WebhookEndpoint } from "../domain/webhooks";
import { HttpProblem } from "./problem";

/** A date as JSON has it (what `Date.prototype.toJSON` gives). */
const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function userJson(user: User): UserJson {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    version: user.version,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
    deletedAt: isoOrNull(user.deletedAt),
  };
}

/**
 * A page of audit entries, as the overview shows the newest about a user; GET /api/v1/audit-events and a flag's
 * history answer the same shape (their handlers still hand the domain page to JSON as it is).
 */
export function auditEventPageJson(page: { items: readonly AuditEntry[]; nextCursor: string | null }): AuditEventPageJson {
  return {
    items: page.items.map((entry) => ({
      id: entry.id,
      action: entry.action,
      actor: { type: entry.actor.type, id: entry.actor.id, label: entry.actor.label },
      target: { type: entry.target.type, id: entry.target.id },
      data: entry.data,
      requestId: entry.requestId,
      traceId: entry.traceId,
      createdAt: iso(entry.createdAt),
    })),
    nextCursor: page.nextCursor,
  };
}

/**
 * GET /api/v1/users/{id}/overview's body; also what the user's page renders first, so its first paint and its later
 * refetches through the API show the same thing.
 */
export function userOverviewJson(overview: UserOverview): UserOverviewJson {
  return {
    user: userJson(overview.user),
    ...(overview.audit && { audit: auditEventPageJson(overview.audit) }),
    ...(overview.sessions && {
      // No session id: it is the hash the session is looked up by, and nothing here acts on a session.
      sessions: overview.sessions.map((session) => ({
        createdAt: iso(session.createdAt),
        lastSeenAt: iso(session.lastSeenAt),
        expiresAt: iso(session.expiresAt),
        userAgent: session.userAgent,
        ip: session.ip,
      })),
    }),
    ...(overview.flags && { flags: overview.flags }),
    omitted: overview.omitted,
  };
}

/** A user's ETag is its version: every change bumps it. */
/** The ETag of a versioned resource (a user, a flag): its version, quoted. */
export function etagOf(resource: { version: number }): string {
  return `"${resource.version}"`;
}

/**
 * Whether If-None-Match names `etag` (or is `*`): then a GET answers 304. Compared weakly, as RFC 9110 asks
 * for If-None-Match; a list of ETags is allowed.
 */
export function noneMatchHits(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  if (header === null) return false;
  if (header.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => opaque(tag) === opaque(etag));
}

/**
 * The version an If-Match header requires: one of our ETags (`"3"`), or undefined for `*` (any current
 * version: the user must exist). If-Match compares strongly (RFC 9110), so a weak `W/"3"` could never match; it
 * is refused with a hint, as are lists (a user has one version) and unquoted numbers.
 * @throws HttpProblem 428 when the header is missing, 422 when it is not one ETag of this API.
 */
export function expectedVersionOf(request: Request, resource: "user" | "flag" = "user"): number | undefined {
  const header = request.headers.get("if-match")?.trim();
  if (header === undefined) {
    throw new HttpProblem("PRECONDITION_REQUIRED", `Send If-Match with the ETag of the ${resource} you last read`);
  }
  if (header === "*") return undefined;
  const match = /^"(\d{1,9})"$/.exec(header);
  if (match?.[1]) return Number(match[1]);
  const shown = header.slice(0, 50);
  const hint = header.startsWith("W/")
    ? "If-Match compares strongly: send the ETag without W/"
    : /^\d+$/.test(header)
      ? `quote it, as the ETag header does: If-Match: "${header}"`
      : header.includes(",")
        ? "send the one ETag you last read"
        : 'send the ETag header of your last read, e.g. "3"';
  throw new HttpProblem("VALIDATION_FAILED", `If-Match ${shown} is not an ETag of this API: ${hint}`);
}

export function principalJson(principal: Principal): PrincipalJson {
  return principal.kind === "user"
    ? {
        kind: "user",
        user: { id: principal.userId, email: principal.email, name: principal.name, role: principal.role },
        mustChangePassword: principal.mustChangePassword,
      }
    : { kind: "token", token: { id: principal.tokenId, name: principal.name, role: principal.role } };
}

export function tokenJson(token: OwnedApiToken): ApiTokenJson {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    prefix: token.prefix,
    createdAt: iso(token.createdAt),
    createdBy: token.createdBy,
    ownerId: token.ownerId,
    owner: token.owner && { id: token.owner.id, email: token.owner.email, name: token.owner.name },
    expiresAt: iso(token.expiresAt),
    lastUsedAt: isoOrNull(token.lastUsedAt),
    revokedAt: isoOrNull(token.revokedAt),
  };
}

/** An endpoint, never its secret. */
export function webhookJson(endpoint: WebhookEndpoint): WebhookJson {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: [...endpoint.eventTypes],
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    disabledAt: isoOrNull(endpoint.disabledAt),
    createdBy: endpoint.createdBy,
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
    version: endpoint.version,
  };
}

/** A delivery as its endpoint's log shows it: the event it carries is the body as sent, parsed. */
export function webhookDeliveryJson(delivery: WebhookDelivery): WebhookDeliveryJson {
  // The body is the JSON of an event message (lib/api-contract/events.ts), an object by construction.
  const event: Record<string, unknown> = JSON.parse(delivery.body);
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    subject: { ...delivery.subject },
    sequence: delivery.sequence,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: isoOrNull(delivery.nextAttemptAt),
    lastResponseCode: delivery.lastResponseCode,
    lastLatencyMs: delivery.lastLatencyMs,
    lastError: delivery.lastError,
    createdAt: iso(delivery.createdAt),
    deliveredAt: isoOrNull(delivery.deliveredAt),
    event,
  };
}
