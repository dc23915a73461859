/**
 * The WebhookRepository port (issue 20, item 3): part of the one database contract (user-repository.contract.ts
 * calls this inside its describe), so in-memory, PGlite and PostgreSQL all run it. What the publisher and the
 * delivery worker rely on: a batch queues each event once per enabled endpoint that wants it, in the batch's order;
 * only the head of an endpoint's queue is ever due; an attempt recorded against a stale read is refused; requeued
 * deliveries keep their place; only finished deliveries are pruned.
 */
import { beforeEach, expect, it } from "vitest";

import type { EventType } from "../../lib/domain/events";
import type { NewWebhookEndpoint, WebhookAttemptRecord, WebhookMessage } from "../../lib/domain/webhooks";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";

const T0 = new Date("2026-12-09T09:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1_000);
const ADA = "0190a000-0000-7000-8000-00000000000a";
const BOB = "0190a000-0000-7000-8000-00000000000b";
const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";

function endpoint(url: string, eventTypes: EventType[] = [], createdAt = T0): NewWebhookEndpoint {
  return { url, description: `to ${url}`, eventTypes, secret: `whsec_${Buffer.from(url).toString("base64")}`, createdBy: "admin@example.com", createdAt };
}

let eventNumber = 0;
function message(type: EventType, subjectId: string, sequence: number): WebhookMessage {
  const eventId = `0190b000-0000-7000-8000-${String(++eventNumber).padStart(12, "0")}`;
  return { eventId, eventType: type, subject: { type: "user", id: subjectId }, sequence, body: JSON.stringify({ id: eventId, type }) };
}

const succeeded = (attempts: number, when: Date): WebhookAttemptRecord => ({
  status: "succeeded",
  attempts,
  nextAttemptAt: null,
  responseCode: 204,
  latencyMs: 12,
  error: null,
  deliveredAt: when,
});

export function webhookRepositoryContract(currentUnitOfWork: () => UnitOfWork): void {
  let unitOfWork: UnitOfWork;
  beforeEach(() => {
    unitOfWork = currentUnitOfWork();
  });
  const inUnit = <T>(work: (repos: Repositories) => Promise<T>) => unitOfWork.run(work);
  /** The due heads, as `url: type #sequence`. */
  const due = async (now: Date, limit = 10, exclude: string[] = []) =>
    (await inUnit(({ webhooks }) => webhooks.dueHeads(now, limit, exclude))).map(
      ({ delivery, endpoint }) => `${endpoint.url}: ${delivery.eventType} ${delivery.subject.id.slice(-1)}#${delivery.sequence}`,
    );

  it("webhooks: endpoints are created enabled at version 1, read without their secret, listed oldest first", async () => {
    const first = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example/hook", ["user.created", "user.deleted"])));
    expect(first).toEqual({
      id: expect.any(String),
      url: "https://a.example/hook",
      description: "to https://a.example/hook",
      eventTypes: ["user.created", "user.deleted"],
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      createdBy: "admin@example.com",
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
    await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://b.example/hook", [], at(1))));
    expect(await inUnit(({ webhooks }) => webhooks.getEndpoint(first.id))).toEqual(first);
    expect((await inUnit(({ webhooks }) => webhooks.listEndpoints())).map((e) => e.url)).toEqual(["https://a.example/hook", "https://b.example/hook"]);
    expect(await inUnit(({ webhooks }) => webhooks.getEndpoint(NO_SUCH_ID))).toBeNull();
    expect(await inUnit(({ webhooks }) => webhooks.getEndpoint("not-a-uuid"))).toBeNull();
  });

  it("webhooks: an update sees the current endpoint, bumps the version and sets only what it names; a missing one is null", async () => {
    const created = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example/hook")));
    const updated = await inUnit(({ webhooks }) =>
      webhooks.updateEndpoint(
        created.id,
        (current) => {
          expect(current).toEqual(created);
          return { enabled: false, disabledReason: "paused by an admin", disabledAt: at(5), eventTypes: ["flag.changed"] };
        },
        at(5),
      ),
    );
    expect(updated).toEqual({
      ...created,
      eventTypes: ["flag.changed"],
      enabled: false,
      disabledReason: "paused by an admin",
      disabledAt: at(5),
      updatedAt: at(5),
      version: 2,
    });
    const again = await inUnit(({ webhooks }) => webhooks.updateEndpoint(created.id, () => ({ enabled: true, disabledReason: null, disabledAt: null }), at(6)));
    expect(again).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, eventTypes: ["flag.changed"], version: 3 });
    expect(await inUnit(({ webhooks }) => webhooks.updateEndpoint(NO_SUCH_ID, () => ({ url: "https://x.example" }), at(7)))).toBeNull();
  });

  it("webhooks: a batch queues each event to every enabled endpoint that wants it, once, in the batch's order", async () => {
    const all = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://all.example")));
    await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://deleted-only.example", ["user.deleted"], at(1))));
    const off = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://off.example", [], at(2))));
    await inUnit(({ webhooks }) => webhooks.updateEndpoint(off.id, () => ({ enabled: false, disabledReason: "off", disabledAt: T0 }), T0));
    const batch = [message("user.created", ADA, 1), message("user.deleted", ADA, 2), message("user.created", BOB, 1)];
    expect(await inUnit(({ webhooks }) => webhooks.enqueue(batch, T0))).toBe(4);
    // The relay sent the batch again (a failure after this publisher took it): nothing is queued twice.
    expect(await inUnit(({ webhooks }) => webhooks.enqueue(batch, at(1)))).toBe(0);
    expect(await inUnit(({ webhooks }) => webhooks.enqueue([], at(1)))).toBe(0);
    const log = await inUnit(({ webhooks }) => webhooks.listDeliveries(all.id, { limit: 10 }));
    // Newest first, as the log shows them.
    expect(log.items.map((d) => `${d.eventType} ${d.subject.id.slice(-1)}#${d.sequence}`)).toEqual([
      "user.created b#1",
      "user.deleted a#2",
      "user.created a#1",
    ]);
    expect(log.items[2]).toEqual({
      id: expect.any(String),
      endpointId: all.id,
      eventId: batch[0]?.eventId,
      eventType: "user.created",
      subject: { type: "user", id: ADA },
      sequence: 1,
      body: batch[0]?.body,
      status: "pending",
      attempts: 0,
      nextAttemptAt: T0,
      lastResponseCode: null,
      lastLatencyMs: null,
      lastError: null,
      createdAt: T0,
      deliveredAt: null,
    });
    expect(await inUnit(({ webhooks }) => webhooks.listDeliveries(off.id, { limit: 10 }))).toEqual({ items: [], nextCursor: null });
  });

  it("webhooks: only the head of an enabled endpoint's queue is due, once its time has come, with the endpoint's URL and secret", async () => {
    const a = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example")));
    const b = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://b.example", [], at(1))));
    await inUnit(({ webhooks }) => webhooks.enqueue([message("user.created", ADA, 1), message("user.updated", ADA, 2)], T0));
    expect(await due(T0)).toEqual(["https://a.example: user.created a#1", "https://b.example: user.created a#1"]);
    expect(await due(T0, 1)).toEqual(["https://a.example: user.created a#1"]);
    expect(await due(T0, 10, [a.id])).toEqual(["https://b.example: user.created a#1"]);
    const [head] = await inUnit(({ webhooks }) => webhooks.dueHeads(T0, 1, []));
    expect(head?.endpoint).toEqual({ id: a.id, url: "https://a.example", secret: endpoint("https://a.example").secret });
    if (!head) throw new Error("no head");

    // a's head fails once and waits: a's next delivery is not due in its place, and a is not due until then.
    const retry: WebhookAttemptRecord = { status: "pending", attempts: 1, nextAttemptAt: at(30), responseCode: 500, latencyMs: 40, error: "HTTP 500", deliveredAt: null };
    expect(await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 0, retry))).toBe(true);
    // Recorded against a stale read (another attempt, or a resend, came first): refused.
    expect(await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 0, retry))).toBe(false);
    expect(await due(at(29))).toEqual(["https://b.example: user.created a#1"]);
    // One endpoint's head: not due until its retry, and the delivery queued after it never in its place.
    expect(await inUnit(({ webhooks }) => webhooks.dueHead(a.id, at(29)))).toBeNull();
    expect(await inUnit(({ webhooks }) => webhooks.dueHead(a.id, at(30)))).toMatchObject({ endpoint: head.endpoint, delivery: { id: head.delivery.id, attempts: 1 } });
    expect(await inUnit(({ webhooks }) => webhooks.dueHead(b.id, at(29)))).toMatchObject({ endpoint: { id: b.id, url: "https://b.example" }, delivery: { sequence: 1 } });
    expect(await inUnit(({ webhooks }) => webhooks.dueHead("not-a-uuid", at(29)))).toBeNull();
    expect(await inUnit(({ webhooks }) => webhooks.nextDueAt([]))).toEqual(T0);
    expect(await inUnit(({ webhooks }) => webhooks.nextDueAt([b.id]))).toEqual(at(30));
    expect(await due(at(30))).toEqual(["https://a.example: user.created a#1", "https://b.example: user.created a#1"]);
    expect(await inUnit(({ webhooks }) => webhooks.getDelivery(a.id, head.delivery.id))).toMatchObject({
      status: "pending",
      attempts: 1,
      nextAttemptAt: at(30),
      lastResponseCode: 500,
      lastLatencyMs: 40,
      lastError: "HTTP 500",
    });

    // Delivered: the next one becomes the head.
    expect(await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 1, succeeded(2, at(30))))).toBe(true);
    expect(await due(at(30), 10, [b.id])).toEqual(["https://a.example: user.updated a#2"]);
    expect(await inUnit(({ webhooks }) => webhooks.dueHead(a.id, at(30)))).toMatchObject({ delivery: { eventType: "user.updated", sequence: 2 } });
    expect(await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 2, succeeded(3, at(31))))).toBe(false);

    // A disabled endpoint's queue waits, and counts for nothing in nextDueAt.
    await inUnit(({ webhooks }) => webhooks.updateEndpoint(b.id, () => ({ enabled: false, disabledReason: "off", disabledAt: at(30) }), at(30)));
    expect(await due(at(30))).toEqual(["https://a.example: user.updated a#2"]);
    await inUnit(({ webhooks }) => webhooks.updateEndpoint(a.id, () => ({ enabled: false, disabledReason: "off", disabledAt: at(30) }), at(30)));
    expect(await due(at(30))).toEqual([]);
    expect(await inUnit(({ webhooks }) => webhooks.dueHead(a.id, at(30)))).toBeNull();
    expect(await inUnit(({ webhooks }) => webhooks.nextDueAt([]))).toBeNull();
  });

  it("webhooks: requeued deliveries keep their place in the queue: pending again, attempts from zero, due at once", async () => {
    const a = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example")));
    await inUnit(({ webhooks }) => webhooks.enqueue([message("user.created", ADA, 1), message("user.updated", ADA, 2)], T0));
    const [head] = await inUnit(({ webhooks }) => webhooks.dueHeads(T0, 1, []));
    if (!head) throw new Error("no head");
    const failed: WebhookAttemptRecord = { status: "failed", attempts: 7, nextAttemptAt: null, responseCode: 503, latencyMs: 9, error: "HTTP 503", deliveredAt: null };
    await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 0, failed));
    expect(await due(at(1))).toEqual(["https://a.example: user.updated a#2"]);

    const requeued = await inUnit(({ webhooks }) => webhooks.requeue({ failedOf: a.id }, at(2)));
    expect(requeued.map((d) => d.id)).toEqual([head.delivery.id]);
    expect(requeued[0]).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: at(2), lastError: "HTTP 503" });
    // Back at the head, before the delivery that was queued after it.
    expect(await due(at(2))).toEqual(["https://a.example: user.created a#1"]);
    expect(await inUnit(({ webhooks }) => webhooks.requeue({ failedOf: a.id }, at(3)))).toEqual([]);

    await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 0, succeeded(1, at(3))));
    const resent = await inUnit(({ webhooks }) => webhooks.requeue({ endpointId: a.id, ids: [head.delivery.id] }, at(4)));
    expect(resent).toMatchObject([{ id: head.delivery.id, status: "pending", attempts: 0, deliveredAt: null }]);
    // Another endpoint's id, or no uuid at all, requeues nothing.
    expect(await inUnit(({ webhooks }) => webhooks.requeue({ endpointId: NO_SUCH_ID, ids: [head.delivery.id] }, at(4)))).toEqual([]);
    expect(await inUnit(({ webhooks }) => webhooks.requeue({ endpointId: a.id, ids: ["nope"] }, at(4)))).toEqual([]);
    expect(await inUnit(({ webhooks }) => webhooks.getDelivery(NO_SUCH_ID, head.delivery.id))).toBeNull();
  });

  it("webhooks: the delivery log pages newest first; a foreign cursor is refused", async () => {
    const a = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example")));
    await inUnit(({ webhooks }) => webhooks.enqueue([1, 2, 3, 4, 5].map((n) => message("user.updated", ADA, n)), T0));
    const first = await inUnit(({ webhooks }) => webhooks.listDeliveries(a.id, { limit: 2 }));
    expect(first.items.map((d) => d.sequence)).toEqual([5, 4]);
    const second = await inUnit(({ webhooks }) => webhooks.listDeliveries(a.id, { limit: 2, cursor: first.nextCursor ?? "" }));
    expect(second.items.map((d) => d.sequence)).toEqual([3, 2]);
    const third = await inUnit(({ webhooks }) => webhooks.listDeliveries(a.id, { limit: 2, cursor: second.nextCursor ?? "" }));
    expect(third).toMatchObject({ nextCursor: null });
    expect(third.items.map((d) => d.sequence)).toEqual([1]);
    await expect(inUnit(({ webhooks }) => webhooks.listDeliveries(a.id, { limit: 2, cursor: "users:abc" }))).rejects.toMatchObject({ code: "INVALID_CURSOR" });
  });

  it("webhooks: deleting an endpoint deletes its log; pruning takes finished deliveries before the cut-off only, `limit` at a time", async () => {
    const a = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example")));
    const b = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://b.example", [], at(1))));
    await inUnit(({ webhooks }) => webhooks.enqueue([message("user.created", ADA, 1), message("user.created", BOB, 1)], T0));
    await inUnit(({ webhooks }) => webhooks.enqueue([message("user.updated", BOB, 2)], at(100)));
    // a's two old deliveries succeed; the third stays pending.
    for (let i = 0; i < 2; i++) {
      const [head] = await inUnit(({ webhooks }) => webhooks.dueHeads(at(100), 10, [b.id]));
      if (!head) throw new Error("no head");
      await inUnit(({ webhooks }) => webhooks.recordAttempt(head.delivery.id, 0, succeeded(1, at(100))));
    }
    expect(await inUnit(({ webhooks }) => webhooks.pruneDeliveries(at(50), 1))).toBe(1);
    expect(await inUnit(({ webhooks }) => webhooks.pruneDeliveries(at(50), 10))).toBe(1);
    // Pending (all of b's) and newer ones stay.
    expect(await inUnit(({ webhooks }) => webhooks.pruneDeliveries(at(50), 10))).toBe(0);
    expect((await inUnit(({ webhooks }) => webhooks.listDeliveries(a.id, { limit: 10 }))).items).toHaveLength(1);
    expect((await inUnit(({ webhooks }) => webhooks.listDeliveries(b.id, { limit: 10 }))).items).toHaveLength(3);

    expect(await inUnit(({ webhooks }) => webhooks.deleteEndpoint(b.id))).toBe(true);
    expect(await inUnit(({ webhooks }) => webhooks.deleteEndpoint(b.id))).toBe(false);
    expect(await inUnit(({ webhooks }) => webhooks.listDeliveries(b.id, { limit: 10 }))).toEqual({ items: [], nextCursor: null });
    expect(await due(at(100))).toEqual(["https://a.example: user.updated b#2"]);
  });

  it("webhooks: endpoints and queued deliveries roll back with their unit", async () => {
    await expect(
      inUnit(async ({ webhooks }) => {
        await webhooks.createEndpoint(endpoint("https://a.example"));
        throw new Error("refused after the change");
      }),
    ).rejects.toThrow("refused after the change");
    expect(await inUnit(({ webhooks }) => webhooks.listEndpoints())).toEqual([]);
    const a = await inUnit(({ webhooks }) => webhooks.createEndpoint(endpoint("https://a.example")));
    await expect(
      inUnit(async ({ webhooks }) => {
        await webhooks.enqueue([message("user.created", ADA, 1)], T0);
        throw new Error("the batch failed");
      }),
    ).rejects.toThrow("the batch failed");
    expect((await inUnit(({ webhooks }) => webhooks.listDeliveries(a.id, { limit: 10 }))).items).toEqual([]);
  });
}
