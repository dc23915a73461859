/**
 * Request schemas of the REST API, next to nothing else: handlers validate with them, the client forms
 * validate with them, and the OpenAPI document will be generated from them. Objects are strict: an unknown
 * field is an error, not silently dropped.
 */
import { z } from "zod";

import { AUDIT_TARGET_TYPES, MAX_AUDIT_PAGE_SIZE } from "../domain/audit";
import { EVENT_TYPES } from "../domain/events";
import { MAX_WEBHOOK_DELIVERY_PAGE, MAX_WEBHOOK_URL_LENGTH, webhookUrlProblem } from "../domain/webhooks";
import { flagChangeSchema } from "../domain/feature-flags";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../domain/auth";
import { ROLES, USER_STATUSES } from "../domain/user";
import { BULK_ACTIONS, MAX_BULK_IDS, type BulkAction, type BulkCommand, type BulkSelection } from "../domain/user-bulk";

export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((value) => value.trim().length >= PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters besides spaces`);

const email = z.email("Enter an email address").max(320);
const name = z.string().trim().min(1, "Enter a name").max(200);
const role = z.enum(ROLES);

export const signInBody = z.strictObject({
  email: z.string().min(1, "Enter your email").max(320),
  // Not the new-password rules: a sign-in checks whatever the password is.
  password: z.string().min(1, "Enter your password").max(PASSWORD_MAX_LENGTH),
});

export const changePasswordBody = z
  .strictObject({
    currentPassword: z.string().min(1, "Enter your current password").max(PASSWORD_MAX_LENGTH),
    newPassword: password,
  })
  // Above all for the one-time password, which was printed on a console and may sit in its scrollback.
  .refine((body) => body.newPassword !== body.currentPassword, {
    path: ["newPassword"],
    message: "Choose a password different from the current one",
  });

export const idParams = z.strictObject({ id: z.string().min(1).max(100) });

export const inviteBody = z.strictObject({ email, name, role });

export const acceptInvitationBody = z.strictObject({
  token: z.string().min(1).max(200),
  password,
});

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1, "Name the token").max(100),
  role,
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .default(null)
    .transform((value) => (value === null ? null : new Date(value)))
    .refine((value) => value === null || value.getTime() > Date.now(), "The expiry must be in the future"),
});

export const createUserBody = z
  .strictObject({
    email,
    name,
    role: role.default("VIEWER"),
    // INVITED is where invitations put people, not a status anyone sets.
    status: z.enum(["ACTIVE", "DISABLED"]).default("ACTIVE"),
  })
  .meta({ example: { email: "grace@example.com", name: "Grace Hopper", role: "VIEWER" } });

/** Idempotency-Key: any printable ASCII (a UUID, say), as Stripe and the IETF draft allow. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces");

/** A JSON merge patch (RFC 7396) of a user. `null` would remove a field, and every field is required: 422. */
export const patchUserBody = z
  // INVITED is where invitations put people, not a status anyone sets.
  .strictObject({ name, role, status: z.enum(["ACTIVE", "DISABLED"]) })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one of name, role, status")
  .meta({ example: { status: "DISABLED" } });

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE_SIZE).default(50),
  cursor: z.string().min(1).max(500).optional(),
  action: z.string().min(1).max(64).optional(),
  actor: z.string().min(1).max(320).optional(),
  targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
  targetId: z.string().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
});

const bulkIds = z
  .array(z.uuid("Each id must be a user id (a UUID)"))
  .min(1, "Send at least one id")
  .max(MAX_BULK_IDS, `Send at most ${MAX_BULK_IDS} ids; select more with filter`)
  .meta({ description: `The users' ids, 1 to ${MAX_BULK_IDS}` });

/** The filters of GET /api/v1/users (lib/http/list-users-params.ts), as JSON: arrays and a boolean. */
const bulkFilter = z
  .strictObject({
    q: z.string().max(200, "q must be at most 200 characters").optional(),
    role: z.array(role).max(10).optional(),
    status: z.array(z.enum(USER_STATUSES)).max(10).optional(),
    includeDeleted: z.boolean().optional().meta({ description: "Needs users:read-deleted, as for the listing" }),
  })
  .meta({ description: "Every user GET /api/v1/users would list with these filters, across all pages" });

const plainBulkAction = z.enum(["disable", "enable", "delete", "restore"] as const satisfies readonly Exclude<BulkAction, "set-role">[]);
const ROLE_ONLY_FOR_SET_ROLE = "role goes with the action set-role only";
/** A stray `role` leaves only this alternative in the running, so zod reports its own issue: make it say why. */
const plainBulkBody = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" && issue.keys.includes("role") ? ROLE_ONLY_FOR_SET_ROLE : undefined),
  });

/**
 * POST /api/v1/users/bulk: an action and either `ids` or `filter`; `role` with set-role only. Four exact
 * alternatives, so the OpenAPI document (and anything generated from it) says precisely what is accepted; a
 * body matching none is answered with what is wrong with it in the alternative it was closest to.
 */
export const bulkUsersBody = z
  .union(
    [
      plainBulkBody({ action: plainBulkAction, ids: bulkIds }),
      plainBulkBody({ action: plainBulkAction, filter: bulkFilter }),
      z.strictObject({ action: z.literal("set-role"), role, ids: bulkIds }),
      z.strictObject({ action: z.literal("set-role"), role, filter: bulkFilter }),
    ],
    { error: (issue) => (issue.code === "invalid_union" ? bulkBodyProblem(issue.input, issue.errors) : undefined) },
  );

/**
 * A bulk body as the use case takes it. Not a `.transform` of the schema: the OpenAPI document names request
 * bodies as components, which zod-openapi cannot render from a transform.
 */
export function bulkRequestOf(body: z.infer<typeof bulkUsersBody>): { command: BulkCommand; selection: BulkSelection } {
  return {
    command: body.action === "set-role" ? { action: body.action, role: body.role } : { action: body.action },
    selection:
      "ids" in body
        ? { ids: body.ids }
        : {
            filter: {
              search: body.filter.q,
              roles: body.filter.role,
              statuses: body.filter.status,
              includeDeleted: body.filter.includeDeleted,
            },
          },
  };
}

/** What is wrong with a bulk body that fits none of the alternatives (zod's own message would be "Invalid input"). */
function bulkBodyProblem(input: unknown, alternatives: readonly (readonly z.core.$ZodIssue[])[]): string {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return 'Send an object: {"action": ..., "ids": [...]} or {"action": ..., "filter": {...}}';
  }
  const action = "action" in input ? input.action : undefined;
  if (!BULK_ACTIONS.some((known) => known === action)) return `action must be one of ${BULK_ACTIONS.join(", ")}`;
  const byIds = "ids" in input;
  if (byIds === ("filter" in input)) {
    return byIds
      ? "Send ids or filter, not both"
      : "Send ids (the users' ids) or filter (the filters of GET /api/v1/users: q, role, status, includeDeleted)";
  }
  if (action === "set-role" && !("role" in input)) return `set-role needs role: one of ${ROLES.join(", ")}`;
  if (action !== "set-role" && "role" in input) return ROLE_ONLY_FOR_SET_ROLE;
  const closest = alternatives[(action === "set-role" ? 2 : 0) + (byIds ? 0 : 1)] ?? [];
  const problems = closest.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message));
  return problems.length > 0 ? problems.join("; ") : "Invalid body";
}

export const flagKeyParams = z.strictObject({ key: z.string().min(1).max(100) });

/** PATCH /api/v1/flags/{key}: a JSON merge patch of the flag's editable fields (lib/domain/feature-flags.ts). */
export const patchFlagBody = flagChangeSchema
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one of on, offVariation, fallthrough, targets, rules")
  .meta({ example: { on: false } });

export const revertFlagBody = z
  .strictObject({ version: z.int().min(1).meta({ description: "The version in the flag's history to put back" }) })
  .meta({ example: { version: 3 } });

export const flagHistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE_SIZE).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Webhooks (issue 20, item 3)

const webhookUrl = z
  .string()
  .trim()
  .min(1, "Enter the URL the events go to")
  .max(MAX_WEBHOOK_URL_LENGTH)
  .superRefine((url, context) => {
    const problem = webhookUrlProblem(url);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  // The same rule's shape, for the OpenAPI document and the generators that read it (test/api/hostile-input).
  .regex(/^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?][^\s#]*)?$/, "Enter an http(s) URL such as https://example.com/webhooks")
  .meta({ description: "http(s) only, no credentials; where it points is checked when each request connects (SSRF)", example: "https://example.com/webhooks" });
const webhookDescription = z.string().trim().max(500);
const webhookEventTypes = z
  .array(z.enum(EVENT_TYPES))
  .max(EVENT_TYPES.length)
  .meta({ description: "The event types the endpoint wants; empty (the default) for all, including types added later" });

export const createWebhookBody = z
  .strictObject({ url: webhookUrl, description: webhookDescription.default(""), eventTypes: webhookEventTypes.default([]) })
  .meta({ example: { url: "https://example.com/webhooks", description: "CRM sync", eventTypes: ["user.created", "user.deleted"] } });

/** A JSON merge patch of an endpoint: `enabled: true` also queues again the delivery whose retries ran out. */
export const patchWebhookBody = z
  .strictObject({ url: webhookUrl, description: webhookDescription, eventTypes: webhookEventTypes, enabled: z.boolean() })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one of url, description, eventTypes, enabled")
  .meta({ example: { enabled: true } });

export const webhookDeliveryParams = z.strictObject({ id: z.string().min(1).max(100), deliveryId: z.string().min(1).max(100) });

export const webhookDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_WEBHOOK_DELIVERY_PAGE).default(50),
  cursor: z.string().min(1).max(100).optional(),
});
