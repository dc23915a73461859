/**
 * Webhook endpoints (issue 20, item 3): create (the secret is returned once), list, read, change, delete, rotate the
 * secret; the delivery log and resending. One file for the verbs, as manage-api-tokens.ts: they share the
 * permission check, the URL rules and the audit shape, and nothing else would read them apart.
 *
 * From a browser session only (webhooks:manage is never held by a token): an endpoint receives every user's
 * changes, so a leaked token that could add one would leave behind a feed of them that outlives the token.
 */
import { randomBytes } from "node:crypto";

import type { UserPrincipal } from "../domain/auth";
import { ForbiddenError, WebhookDeliveryNotFoundError, WebhookNotFoundError, WebhookUrlRefusedError } from "../domain/errors";
import type { EventType } from "../domain/events";
import { principalHas } from "../domain/permissions";
import { webhookUrlProblem, type WebhookDelivery, type WebhookEndpoint, type WebhookEndpointChange } from "../domain/webhooks";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { WebhookSender } from "../ports/webhooks";
import { auditBy, type CallContext } from "./call-context";

export interface WebhookInput {
  url: string;
  description: string;
  eventTypes: EventType[];
}
export type WebhookPatch = Partial<WebhookInput> & { enabled?: boolean };

export type CreateWebhook = (input: WebhookInput, context: CallContext) => Promise<{ endpoint: WebhookEndpoint; secret: string }>;
export type ListWebhooks = (context: CallContext) => Promise<WebhookEndpoint[]>;
export type GetWebhook = (id: string, context: CallContext) => Promise<WebhookEndpoint>;
export type UpdateWebhook = (id: string, patch: WebhookPatch, context: CallContext) => Promise<WebhookEndpoint>;
export type DeleteWebhook = (id: string, context: CallContext) => Promise<void>;
export type RotateWebhookSecret = (id: string, context: CallContext) => Promise<{ endpoint: WebhookEndpoint; secret: string }>;
export type ListWebhookDeliveries = (
  id: string,
  page: { limit: number; cursor?: string },
  context: CallContext,
) => Promise<{ items: WebhookDelivery[]; nextCursor: string | null }>;
export type ResendWebhookDelivery = (id: string, deliveryId: string, context: CallContext) => Promise<WebhookDelivery>;

export interface WebhookUseCases {
  createWebhook: CreateWebhook;
  listWebhooks: ListWebhooks;
  getWebhook: GetWebhook;
  updateWebhook: UpdateWebhook;
  deleteWebhook: DeleteWebhook;
  rotateWebhookSecret: RotateWebhookSecret;
  listWebhookDeliveries: ListWebhookDeliveries;
  resendWebhookDelivery: ResendWebhookDelivery;
}

/** The Standard Webhooks secret format: `whsec_` and base64 of 24 random bytes (192 bits, Svix's length). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** The caller, who must be a person allowed to manage webhooks (never a token). */
function manager(context: CallContext): UserPrincipal {
  const principal = context.principal;
  if (principal.kind !== "user" || !principalHas(principal, "webhooks:manage")) {
    throw new ForbiddenError("Your role may not manage webhooks");
  }
  return principal;
}

const AUDITED_FIELDS = ["url", "description", "eventTypes", "enabled"] as const;

/** The fields of an endpoint the audit log records (never the secret). */
function audited(endpoint: WebhookEndpoint): Record<(typeof AUDITED_FIELDS)[number], unknown> {
  return { url: endpoint.url, description: endpoint.description, eventTypes: [...endpoint.eventTypes], enabled: endpoint.enabled };
}

export function makeWebhookUseCases({
  unitOfWork,
  clock,
  destinations,
  queued,
}: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  /** The sender's refusal of address literals it will never send to (SSRF), told at once rather than at delivery. */
  destinations: Pick<WebhookSender, "refusal">;
  /** Deliveries were queued again (resent, endpoint re-enabled): the worker looks at once. */
  queued: () => void;
}): WebhookUseCases {
  function checkUrl(url: string): void {
    const problem = webhookUrlProblem(url) ?? destinations.refusal(url);
    if (problem) throw new WebhookUrlRefusedError(problem);
  }

  async function found(id: string, get: (id: string) => Promise<WebhookEndpoint | null>): Promise<WebhookEndpoint> {
    const endpoint = await get(id);
    if (!endpoint) throw new WebhookNotFoundError(id);
    return endpoint;
  }

  return {
    createWebhook(input, context) {
      const principal = manager(context);
      checkUrl(input.url);
      const secret = newWebhookSecret();
      return unitOfWork.run(
        async ({ webhooks, audit }) => {
          const endpoint = await webhooks.createEndpoint({
            url: input.url,
            description: input.description,
            eventTypes: [...new Set(input.eventTypes)],
            secret,
            createdBy: principal.email,
            createdAt: clock.now(),
          });
          await audit.append({ action: "webhook.created", ...auditBy(context), target: { type: "webhook", id: endpoint.id }, data: { after: audited(endpoint) } });
          return { endpoint, secret };
        },
        { signal: context.signal },
      );
    },

    listWebhooks(context) {
      manager(context);
      return unitOfWork.run(({ webhooks }) => webhooks.listEndpoints(), { signal: context.signal });
    },

    getWebhook(id, context) {
      manager(context);
      return unitOfWork.run(({ webhooks }) => found(id, (key) => webhooks.getEndpoint(key)), { signal: context.signal });
    },

    async updateWebhook(id, patch, context) {
      const principal = manager(context);
      if (patch.url !== undefined) checkUrl(patch.url);
      const endpoint = await unitOfWork.run(
        async ({ webhooks, audit }) => {
          const now = clock.now();
          let before: WebhookEndpoint | undefined;
          const endpoint = await webhooks.updateEndpoint(
            id,
            (current) => {
              before = current;
              const change: WebhookEndpointChange = {
                url: patch.url,
                description: patch.description,
                eventTypes: patch.eventTypes ? [...new Set(patch.eventTypes)] : undefined,
              };
              if (patch.enabled === false && current.enabled) {
                Object.assign(change, { enabled: false, disabledReason: `Disabled by ${principal.email}`, disabledAt: now });
              } else if (patch.enabled === true && !current.enabled) {
                Object.assign(change, { enabled: true, disabledReason: null, disabledAt: null });
              }
              return change;
            },
            now,
          );
          if (!endpoint || !before) throw new WebhookNotFoundError(id);
          // Enabled again: the delivery whose retries ran out goes first, then the rest of the queue, in order.
          const requeued = endpoint.enabled && !before.enabled ? await webhooks.requeue({ failedOf: id }, now) : [];
          const was = audited(before);
          const is = audited(endpoint);
          const changed = AUDITED_FIELDS.filter((field) => JSON.stringify(was[field]) !== JSON.stringify(is[field]));
          if (changed.length > 0) {
            await audit.append({
              action: "webhook.updated",
              ...auditBy(context),
              target: { type: "webhook", id },
              data: {
                before: Object.fromEntries(changed.map((field) => [field, was[field]])),
                after: Object.fromEntries(changed.map((field) => [field, is[field]])),
                ...(requeued.length > 0 && { requeued: requeued.length }),
              },
            });
          }
          return endpoint;
        },
        { signal: context.signal },
      );
      if (endpoint.enabled) queued();
      return endpoint;
    },

    deleteWebhook(id, context) {
      manager(context);
      return unitOfWork.run(
        async ({ webhooks, audit }) => {
          const endpoint = await found(id, (key) => webhooks.getEndpoint(key));
          await webhooks.deleteEndpoint(id);
          await audit.append({ action: "webhook.deleted", ...auditBy(context), target: { type: "webhook", id }, data: { before: audited(endpoint) } });
        },
        { signal: context.signal },
      );
    },

    rotateWebhookSecret(id, context) {
      manager(context);
      const secret = newWebhookSecret();
      return unitOfWork.run(
        async ({ webhooks, audit }) => {
          const endpoint = await webhooks.updateEndpoint(id, () => ({ secret }), clock.now());
          if (!endpoint) throw new WebhookNotFoundError(id);
          await audit.append({ action: "webhook.secret_rotated", ...auditBy(context), target: { type: "webhook", id } });
          return { endpoint, secret };
        },
        { signal: context.signal },
      );
    },

    listWebhookDeliveries(id, page, context) {
      manager(context);
      return unitOfWork.run(
        async ({ webhooks }) => {
          await found(id, (key) => webhooks.getEndpoint(key));
          return webhooks.listDeliveries(id, page);
        },
        { signal: context.signal },
      );
    },

    async resendWebhookDelivery(id, deliveryId, context) {
      manager(context);
      const delivery = await unitOfWork.run(
        async ({ webhooks, audit }) => {
          await found(id, (key) => webhooks.getEndpoint(key));
          const [requeued] = await webhooks.requeue({ endpointId: id, ids: [deliveryId] }, clock.now());
          if (!requeued) throw new WebhookDeliveryNotFoundError(deliveryId);
          await audit.append({
            action: "webhook.delivery_resent",
            ...auditBy(context),
            target: { type: "webhook", id },
            data: { deliveryId, eventId: requeued.eventId, eventType: requeued.eventType },
          });
          return requeued;
        },
        { signal: context.signal },
      );
      queued();
      return delivery;
    },
  };
}
