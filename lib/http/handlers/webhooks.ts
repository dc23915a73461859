import { getApp } from "../../app-registry";
import { webhookDeliveryJson, webhookJson } from "../representations";
import { json, noContent, route } from "../route";
import { createWebhookBody, idParams, patchWebhookBody, webhookDeliveriesQuery, webhookDeliveryParams } from "../../api-contract";

/** GET /api/v1/webhooks: every endpoint, disabled ones with why; never a secret. */
export const listWebhooks = route({
  method: "GET",
  path: "/api/v1/webhooks",
  async handler({ caller }) {
    return json({ items: (await getApp().webhooks.listWebhooks(caller())).map(webhookJson) });
  },
});

/** POST /api/v1/webhooks: the secret is in this response and nowhere else, ever. */
export const createWebhook = route({
  method: "POST",
  path: "/api/v1/webhooks",
  body: createWebhookBody,
  async handler({ body, caller }) {
    const { endpoint, secret } = await getApp().webhooks.createWebhook(body, caller());
    return json({ endpoint: webhookJson(endpoint), secret }, { status: 201 });
  },
});

/** GET /api/v1/webhooks/{id} */
export const getWebhook = route({
  method: "GET",
  path: "/api/v1/webhooks/[id]",
  params: idParams,
  async handler({ params, caller }) {
    return json(webhookJson(await getApp().webhooks.getWebhook(params.id, caller())));
  },
});

/** PATCH /api/v1/webhooks/{id}: URL, description, event types, enabled. */
export const updateWebhook = route({
  method: "PATCH",
  path: "/api/v1/webhooks/[id]",
  params: idParams,
  body: patchWebhookBody,
  async handler({ params, body, caller }) {
    return json(webhookJson(await getApp().webhooks.updateWebhook(params.id, body, caller())));
  },
});

/** DELETE /api/v1/webhooks/{id}: with its delivery log; nothing more is sent to it. */
export const deleteWebhook = route({
  method: "DELETE",
  path: "/api/v1/webhooks/[id]",
  params: idParams,
  async handler({ params, caller }) {
    await getApp().webhooks.deleteWebhook(params.id, caller());
    return noContent();
  },
});

/** POST /api/v1/webhooks/{id}/rotate-secret: the new secret signs every request from now on; shown once. */
export const rotateWebhookSecret = route({
  method: "POST",
  path: "/api/v1/webhooks/[id]/rotate-secret",
  params: idParams,
  async handler({ params, caller }) {
    const { endpoint, secret } = await getApp().webhooks.rotateWebhookSecret(params.id, caller());
    return json({ endpoint: webhookJson(endpoint), secret });
  },
});

/** GET /api/v1/webhooks/{id}/deliveries: the endpoint's delivery log, newest first, by cursor. */
export const listWebhookDeliveries = route({
  method: "GET",
  path: "/api/v1/webhooks/[id]/deliveries",
  params: idParams,
  query: webhookDeliveriesQuery,
  async handler({ params, query, caller }) {
    const page = await getApp().webhooks.listWebhookDeliveries(params.id, query, caller());
    return json({ items: page.items.map(webhookDeliveryJson), nextCursor: page.nextCursor });
  },
});

/** POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/resend: queued again, in its place, tried at once. */
export const resendWebhookDelivery = route({
  method: "POST",
  path: "/api/v1/webhooks/[id]/deliveries/[deliveryId]/resend",
  params: webhookDeliveryParams,
  async handler({ params, caller }) {
    return json(webhookDeliveryJson(await getApp().webhooks.resendWebhookDelivery(params.id, params.deliveryId, caller())), { status: 202 });
  },
});
