/**
 * Webhook endpoints through the API on the in-memory app (issue 20, item 3): the secret leaves the server once and
 * is in no listing or audit entry; the relay's publisher queues each event for the endpoints whose filter wants it;
 * re-enabling an endpoint whose retries ran out queues that delivery again first; only browser sessions of ADMINs
 * manage webhooks. DNS is stubbed to a private address, so the worker's attempts are refused before any connection.
 */
import { afterEach, describe, expect, it } from "vitest";

import { EVENT_MESSAGES } from "../../lib/api-contract/events";
import { createApiHarness, fastTestHasher } from "../support/api-harness";

const PASSWORD = "correct horse battery";
const open: Awaited<ReturnType<typeof createApiHarness>>[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) {
    await harness.app.eventRelay.stop();
    await harness.close();
  }
});

async function harness() {
  const api = await createApiHarness({
    hasher: fastTestHasher,
    config: { EVENTS_POLL_MS: 20, WEBHOOK_RETRY_SCHEDULE: [3_600_000] },
    // Every name resolves to a private address: refused by the address policy, so nothing is ever sent.
    webhookResolve: async () => [{ address: "10.0.0.9", family: 4 }],
  });
  open.push(api);
  await api.createUser({ email: "admin@staff.example", role: "ADMIN", password: PASSWORD });
  const admin = await api.signIn("admin@staff.example", PASSWORD);
  return { api, admin };
}

describe("webhooks through the API", () => {
  it("show the secret once: not in the listing, the endpoint, the audit log; rotating gives a new one once", async () => {
    const { api, admin } = await harness();
    const created = await api.call("POST", "/api/v1/webhooks", { cookie: admin, body: { url: "https://hooks.example.com/in", description: "CRM" } });
    expect(created.status).toBe(201);
    const { endpoint, secret } = (await created.json()) as { endpoint: { id: string }; secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const listed = await (await api.call("GET", "/api/v1/webhooks", { cookie: admin })).text();
    expect(listed).toContain(endpoint.id);
    expect(listed).not.toContain(secret.slice(6));
    const rotated = (await (await api.call("POST", `/api/v1/webhooks/${endpoint.id}/rotate-secret`, { cookie: admin })).json()) as { secret: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    const audit = await api.unitOfWork.run(({ audit: entries }) => entries.list({ limit: 10, targetType: "webhook" }));
    expect(audit.items.map((entry) => entry.action)).toEqual(["webhook.secret_rotated", "webhook.created"]);
    const written = JSON.stringify(audit.items);
    expect(written).not.toContain(secret.slice(6));
    expect(written).not.toContain(rotated.secret.slice(6));
    expect(audit.items[1]?.data).toEqual({ after: { url: "https://hooks.example.com/in", description: "CRM", eventTypes: [], enabled: true } });
  });

  it("queue each event, through the relay, for the enabled endpoints that want its type; only the head of the queue is tried, and a private address is refused", async () => {
    const { api, admin } = await harness();
    const add = async (body: object) =>
      ((await (await api.call("POST", "/api/v1/webhooks", { cookie: admin, body })).json()) as { endpoint: { id: string } }).endpoint.id;
    const all = await add({ url: "https://all.example.com/in" });
    const deletions = await add({ url: "https://deletions.example.com/in", eventTypes: ["user.deleted"] });
    const off = await add({ url: "https://off.example.com/in" });
    await api.call("PATCH", `/api/v1/webhooks/${off}`, { cookie: admin, body: { enabled: false } });
    api.app.eventRelay.start();
    const user = (await (await api.call("POST", "/api/v1/users", { cookie: admin, body: { email: "ada@example.com", name: "Ada" } })).json()) as { id: string };

    const log = async (id: string) =>
      ((await (await api.call("GET", `/api/v1/webhooks/${id}/deliveries`, { cookie: admin })).json()) as {
        items: { eventType: string; subject: { id: string }; attempts: number; lastError: string | null; status: string; event: unknown }[];
      }).items;
    // Queued behind what the relay still had when the endpoint was added (the flags stored at start-up).
    await expect.poll(async () => (await log(all)).some((d) => d.eventType === "user.created" && d.subject.id === user.id)).toBe(true);
    // Only the head of the queue is tried, and refused (a private address), to be retried in an hour; the rest wait.
    await expect.poll(async () => (await log(all)).at(-1)?.attempts).toBe(1);
    const queue = await log(all);
    expect(queue.at(-1)).toMatchObject({ status: "pending", lastError: expect.stringMatching(/resolves to 10\.0\.0\.9 is a private address, refused/) });
    expect(queue.slice(0, -1).map((d) => d.attempts)).toEqual(queue.slice(0, -1).map(() => 0));
    // The body sent is the event as the OpenAPI document's `webhooks` describe it.
    const sent = queue.find((d) => d.eventType === "user.created")?.event;
    expect(EVENT_MESSAGES["user.created"].schema.parse(sent)).toMatchObject({ type: "user.created", subject: { type: "user", id: user.id }, sequence: 1, payloadVersion: 1 });
    expect(await log(deletions)).toEqual([]);
    expect(await log(off)).toEqual([]);
  });

  it("re-enabling an endpoint disabled by its retries running out queues the failed delivery again, first", async () => {
    const { api, admin } = await harness();
    const { endpoint } = (await (await api.call("POST", "/api/v1/webhooks", { cookie: admin, body: { url: "https://hooks.example.com/in" } })).json()) as {
      endpoint: { id: string };
    };
    const failedId = await api.unitOfWork.run(async ({ webhooks }) => {
      const at = new Date();
      await webhooks.enqueue([{ eventId: "0190b000-0000-7000-8000-000000000001", eventType: "user.created", subject: { type: "user", id: "u1" }, sequence: 1, body: "{}" }], at);
      const [head] = await webhooks.dueHeads(at, 1, []);
      if (!head) throw new Error("nothing queued");
      await webhooks.recordAttempt(head.delivery.id, 0, { status: "failed", attempts: 7, nextAttemptAt: null, responseCode: 500, latencyMs: 3, error: "HTTP 500", deliveredAt: null });
      await webhooks.updateEndpoint(endpoint.id, () => ({ enabled: false, disabledReason: "Disabled after 7 failed attempts", disabledAt: at }), at);
      return head.delivery.id;
    });
    const enabled = await api.call("PATCH", `/api/v1/webhooks/${endpoint.id}`, { cookie: admin, body: { enabled: true } });
    expect(await enabled.json()).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const delivery = await api.unitOfWork.run(({ webhooks }) => webhooks.getDelivery(endpoint.id, failedId));
    expect(delivery).toMatchObject({ status: "pending", attempts: 0 });
    const [entry] = (await api.unitOfWork.run(({ audit }) => audit.list({ limit: 1, targetType: "webhook" }))).items;
    expect(entry).toMatchObject({ action: "webhook.updated", data: { before: { enabled: false }, after: { enabled: true }, requeued: 1 } });
  });

  it("are managed by ADMINs in a browser session only: an EDITOR and an ADMIN's API token are refused", async () => {
    const { api, admin } = await harness();
    await api.createUser({ email: "editor@staff.example", role: "EDITOR", password: PASSWORD });
    const editor = await api.signIn("editor@staff.example", PASSWORD);
    expect(await (await api.call("GET", "/api/v1/webhooks", { cookie: editor })).json()).toMatchObject({ code: "FORBIDDEN" });
    const token = (await (await api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "ci", role: "ADMIN" } })).json()) as { secret: string };
    const byToken = await api.call("POST", "/api/v1/webhooks", { bearer: token.secret, body: { url: "https://exfiltrate.example.com/in" } });
    expect(byToken.status).toBe(403);
  });
});
