/** Webhooks (issue 20, item 3): endpoints, their secrets and their delivery logs under /api/v1/webhooks. */
import * as z from "../domain/zod";

import { EVENT_SUBJECT_TYPES, EVENT_TYPES } from "../domain/events";
import { MAX_WEBHOOK_DELIVERY_PAGE, MAX_WEBHOOK_URL_LENGTH, WEBHOOK_DELIVERY_STATUSES, webhookUrlProblem } from "../domain/webhooks";
import { timestamp } from "./common";

const webhookUrl = z.string().check(
  z.trim(),
  z.minLength(1, "Enter the URL the events go to"),
  z.maxLength(MAX_WEBHOOK_URL_LENGTH),
  z.superRefine((url, context) => {
    const problem = webhookUrlProblem(url);
    if (problem) context.addIssue({ code: "custom", message: problem });
  }),
  // The same rule's shape, for the OpenAPI document and the generators that read it (test/api/hostile-input).
  z.regex(/^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?][^\s#]*)?$/, "Enter an http(s) URL such as https://example.com/webhooks"),
  z.meta({ description: "http(s) only, no credentials; where it points is checked when each request connects (SSRF)", example: "https://example.com/webhooks" }),
);
const webhookDescription = z.string().check(z.trim(), z.maxLength(500));
const webhookEventTypes = z
  .array(z.enum(EVENT_TYPES))
  .check(
    z.maxLength(EVENT_TYPES.length),
    z.meta({ description: "The event types the endpoint wants; empty (the default) for all, including types added later" }));

export const createWebhookBody = z
  .strictObject({ url: webhookUrl, description: z._default(webhookDescription, ""), eventTypes: z._default(webhookEventTypes, []) })
  .check(z.meta({ example: { url: "https://example.com/webhooks", description: "CRM sync", eventTypes: ["user.created", "user.deleted"] } }));

/** An endpoint's URL, description and event types as the console's form sends them, to create or to change one. */
export type WebhookBody = z.input<typeof createWebhookBody>;

/** A JSON merge patch of an endpoint: `enabled: true` also queues again the delivery whose retries ran out. */
export const patchWebhookBody = z
  .partial(z.strictObject({ url: webhookUrl, description: webhookDescription, eventTypes: webhookEventTypes, enabled: z.boolean() }))
  .check(
    z.refine((patch) => Object.keys(patch).length > 0, "Send at least one of url, description, eventTypes, enabled"),
    z.meta({ example: { enabled: true } }),
  );

export const webhookDeliveryParams = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(100)),
  deliveryId: z.string().check(z.minLength(1), z.maxLength(100)),
});

export const webhookDeliveriesQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_WEBHOOK_DELIVERY_PAGE)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
});

export const webhookResponse = z
  .strictObject({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(EVENT_TYPES)).check(z.meta({ description: "Empty: every event type" })),
    enabled: z.boolean(),
    disabledReason: z
      .nullable(z.string())
      .check(z.meta({ description: "Why it is disabled: by whom, or the delivery whose retries ran out and its last error" })),
    disabledAt: z.nullable(timestamp),
    createdBy: z.string().check(z.meta({ description: "Email of the ADMIN who created it, as it was then" })),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: z.int().check(z.minimum(1)),
  })
  .check(z.meta({ id: "WebhookEndpoint", description: "A webhook endpoint, without its secret" }));

export const webhookListResponse = z.strictObject({ items: z.array(webhookResponse) }).check(z.meta({ id: "WebhookEndpointList" }));

export const webhookWithSecretResponse = z
  .strictObject({
    endpoint: webhookResponse,
    secret: z.string().check(z.meta({
      description: "`whsec_...`: verify each request's `webhook-signature` with it. Shown in this response only, never again",
    })),
  })
  .check(z.meta({ id: "WebhookEndpointWithSecret" }));

export const webhookDeliveryResponse = z
  .strictObject({
    id: z.string(),
    eventId: z.string().check(z.meta({ description: "Sent as `webhook-id`, the same on every attempt" })),
    eventType: z.enum(EVENT_TYPES),
    subject: z.strictObject({ type: z.enum(EVENT_SUBJECT_TYPES), id: z.string() }),
    sequence: z.int().check(z.minimum(1)),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.int().check(z.minimum(0), z.meta({ description: "Attempts since it was queued (or queued again)" })),
    nextAttemptAt: z.nullable(timestamp).check(z.meta({ description: "When it is tried next; null once it succeeded or failed" })),
    lastResponseCode: z.nullable(z.int()),
    lastLatencyMs: z.nullable(z.int()),
    lastError: z.nullable(z.string()),
    createdAt: timestamp,
    deliveredAt: z.nullable(timestamp),
    event: z.record(z.string(), z.unknown()).check(z.meta({ description: "The request body, as sent: the event" })),
  })
  .check(z.meta({ id: "WebhookDelivery" }));

export const webhookDeliveryPageResponse = z
  .strictObject({ items: z.array(webhookDeliveryResponse), nextCursor: z.nullable(z.string()) })
  .check(z.meta({ id: "WebhookDeliveryPage" }));

export type WebhookJson = z.output<typeof webhookResponse>;
export type WebhookDeliveryJson = z.output<typeof webhookDeliveryResponse>;
