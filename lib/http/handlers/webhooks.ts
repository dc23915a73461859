import { webhookDeliveryJson, webhookJson } from "../representations";
import { json, noContent, route } from "../route";
import {
  createWebhookBody,
  idParams,
  patchWebhookBody,
  webhookDeliveriesQuery,
  webhookDeliveryPageResponse,
  webhookDeliveryParams,
  webhookDeliveryResponse,
  webhookListResponse,
  webhookResponse,
  webhookWithSecretResponse,
} from "../../api-contract";

/** GET /api/v1/webhooks: every endpoint, disabled ones with why; never a secret. */
export const listWebhooks = route({
  method: "GET",
  path: "/api/v1/webhooks",
  // Webhooks are managed from a browser session only (issue 20): see webhooks:manage.
  access: "webhooks:manage",
  tokens: false,
  summary: "List webhook endpoints",
  description: "Every endpoint, oldest first, with whether it is enabled and, if not, why. Never a secret.",
  tag: "Webhooks",
  responses: { "200": { description: "The endpoints", schema: webhookListResponse } },
  async handler({ app, caller }) {
    return json({ items: (await app.webhooks.listWebhooks(caller())).map(webhookJson) });
  },
});

/** POST /api/v1/webhooks: the secret is in this response and nowhere else, ever. */
export const createWebhook = route({
  method: "POST",
  path: "/api/v1/webhooks",
  access: "webhooks:manage",
  tokens: false,
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
  body: createWebhookBody,
  async handler({ app, body, caller }) {
    const { endpoint, secret } = await app.webhooks.createWebhook(body, caller());
    return json({ endpoint: webhookJson(endpoint), secret }, { status: 201 });
  },
});

/** GET /api/v1/webhooks/{id} */
export const getWebhook = route({
  method: "GET",
  path: "/api/v1/webhooks/[id]",
  access: "webhooks:manage",
  tokens: false,
  summary: "Get a webhook endpoint",
  tag: "Webhooks",
  responses: { "200": { description: "The endpoint", schema: webhookResponse } },
  errors: ["WEBHOOK_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    return json(webhookJson(await app.webhooks.getWebhook(params.id, caller())));
  },
});

/** PATCH /api/v1/webhooks/{id}: URL, description, event types, enabled. */
export const updateWebhook = route({
  method: "PATCH",
  path: "/api/v1/webhooks/[id]",
  access: "webhooks:manage",
  tokens: false,
  summary: "Change a webhook endpoint",
  description:
    "A JSON merge patch of `url`, `description`, `eventTypes` and `enabled`. Disabling stops deliveries (events " +
    "meanwhile are not queued for it); enabling again first retries the delivery whose retries ran out, if that " +
    "is why it was disabled, then the rest of its queue, in order.",
  tag: "Webhooks",
  responses: { "200": { description: "The endpoint as changed", schema: webhookResponse } },
  errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_URL_REFUSED"],
  params: idParams,
  body: patchWebhookBody,
  async handler({ app, params, body, caller }) {
    return json(webhookJson(await app.webhooks.updateWebhook(params.id, body, caller())));
  },
});

/** DELETE /api/v1/webhooks/{id}: with its delivery log; nothing more is sent to it. */
export const deleteWebhook = route({
  method: "DELETE",
  path: "/api/v1/webhooks/[id]",
  access: "webhooks:manage",
  tokens: false,
  summary: "Remove a webhook endpoint",
  description: "With its delivery log; nothing more is sent to it.",
  tag: "Webhooks",
  responses: { "204": { description: "Removed" } },
  errors: ["WEBHOOK_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    await app.webhooks.deleteWebhook(params.id, caller());
    return noContent();
  },
});

/** POST /api/v1/webhooks/{id}/rotate-secret: the new secret signs every request from now on; shown once. */
export const rotateWebhookSecret = route({
  method: "POST",
  path: "/api/v1/webhooks/[id]/rotate-secret",
  access: "webhooks:manage",
  tokens: false,
  summary: "Rotate a webhook endpoint's secret",
  description: "Every request from now on is signed with the new secret, shown in this response only.",
  tag: "Webhooks",
  responses: { "200": { description: "The new secret", schema: webhookWithSecretResponse } },
  errors: ["WEBHOOK_NOT_FOUND"],
  params: idParams,
  async handler({ app, params, caller }) {
    const { endpoint, secret } = await app.webhooks.rotateWebhookSecret(params.id, caller());
    return json({ endpoint: webhookJson(endpoint), secret });
  },
});

/** GET /api/v1/webhooks/{id}/deliveries: the endpoint's delivery log, newest first, by cursor. */
export const listWebhookDeliveries = route({
  method: "GET",
  path: "/api/v1/webhooks/[id]/deliveries",
  access: "webhooks:manage",
  tokens: false,
  summary: "A webhook endpoint's delivery log",
  description:
    "Its deliveries newest first, by cursor: status (`pending`, `succeeded`, `failed`), attempts, when it is tried " +
    "next, the last response code, latency and error, and the event sent. Finished deliveries are pruned after " +
    "EVENTS_RETENTION_HOURS.",
  tag: "Webhooks",
  responses: { "200": { description: "A page of deliveries", schema: webhookDeliveryPageResponse } },
  errors: ["WEBHOOK_NOT_FOUND", "INVALID_CURSOR"],
  params: idParams,
  query: webhookDeliveriesQuery,
  async handler({ app, params, query, caller }) {
    const page = await app.webhooks.listWebhookDeliveries(params.id, query, caller());
    return json({ items: page.items.map(webhookDeliveryJson), nextCursor: page.nextCursor });
  },
});

/** POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/resend: queued again, in its place, tried at once. */
export const resendWebhookDelivery = route({
  method: "POST",
  path: "/api/v1/webhooks/[id]/deliveries/[deliveryId]/resend",
  access: "webhooks:manage",
  tokens: false,
  summary: "Resend a delivery",
  description:
    "Queues the delivery again in its place (pending, attempts from zero, due now): the receiver gets it again with " +
    "the same `webhook-id`, before any later delivery still queued for the endpoint.",
  tag: "Webhooks",
  responses: { "202": { description: "Queued again", schema: webhookDeliveryResponse } },
  errors: ["WEBHOOK_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND"],
  params: webhookDeliveryParams,
  async handler({ app, params, caller }) {
    return json(webhookDeliveryJson(await app.webhooks.resendWebhookDelivery(params.id, params.deliveryId, caller())), { status: 202 });
  },
});
