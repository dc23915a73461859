/**
 * The EventOutbox port (issue 20): part of the one database contract (user-repository.contract.ts calls this inside
 * its describe), so in-memory, PGlite and PostgreSQL all run it. What the relay relies on: events commit and roll
 * back with their unit, each subject is numbered 1, 2, 3, ... in commit order, `pending` lists in outbox order,
 * and only delivered events are ever pruned.
 */
import { beforeEach, expect, it } from "vitest";

import type { Actor } from "../../lib/domain/auth";
import type { EventSubject, EventType, NewDomainEvent } from "../../lib/domain/events";
import type { Repositories, UnitOfWork } from "../../lib/ports/unit-of-work";

const ADA = "0190a000-0000-7000-8000-00000000000a";
const BOB = "0190a000-0000-7000-8000-00000000000b";
const ACTOR: Actor = { type: "user", id: "0190a000-0000-7000-8000-0000000000ad", label: "admin@example.com" };
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function event(type: EventType, subject: EventSubject, payload: Record<string, unknown> = {}): NewDomainEvent {
  return { type, subject, actor: ACTOR, requestId: "req-1", traceId: "0af7651916cd43dd8448eb211c80319c", payload };
}
const user = (id: string): EventSubject => ({ type: "user", id });

export function eventOutboxContract(currentUnitOfWork: () => UnitOfWork): void {
  let unitOfWork: UnitOfWork;
  beforeEach(() => {
    unitOfWork = currentUnitOfWork();
  });
  const inUnit = <T>(work: (repos: Repositories) => Promise<T>) => unitOfWork.run(work);
  const pending = async (limit = 100) =>
    (await inUnit(({ events }) => events.pending(limit))).map((e) => `${e.type} ${e.subject.id.slice(-1)}#${e.sequence}`);

  it("events: appended with an id, time and per-subject sequence, and listed undelivered in the order they committed", async () => {
    const [created] = await inUnit(({ events }) =>
      events.append([event("user.created", user(ADA), { user: { email: "ada@example.com", at: new Date("2026-12-01T00:00:00Z") } })]),
    );
    expect(created).toMatchObject({
      type: "user.created",
      subject: user(ADA),
      sequence: 1,
      actor: ACTOR,
      requestId: "req-1",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      payloadVersion: 1,
      // JSON, as every consumer will see it: the date is a string.
      payload: { user: { email: "ada@example.com", at: "2026-12-01T00:00:00.000Z" } },
    });
    expect(created?.id).toMatch(UUID_V7);
    expect(created?.occurredAt).toBeInstanceOf(Date);
    // Two events of one subject in one append, and another subject in between: each subject counts on its own.
    const numbered = await inUnit(({ events }) =>
      events.append([event("user.updated", user(ADA)), event("user.created", user(BOB)), event("user.role_changed", user(ADA))]),
    );
    expect(numbered.map((e) => e.sequence)).toEqual([2, 1, 3]);
    await inUnit(({ events }) => events.append([event("user.deleted", user(BOB))]));
    expect(await pending()).toEqual(["user.created a#1", "user.updated a#2", "user.created b#1", "user.role_changed a#3", "user.deleted b#2"]);
    expect(await pending(2)).toEqual(["user.created a#1", "user.updated a#2"]);
    // Read back as they were returned.
    const [read] = await inUnit(({ events }) => events.pending(1));
    expect(read).toEqual(created);
  });

  it("events: a system change's event (no actor id, request or trace id) is stored and read back with its nulls", async () => {
    const system: NewDomainEvent = {
      type: "import.finished",
      subject: { type: "import", id: "0190a000-0000-7000-8000-0000000000f1" },
      actor: { type: "system", id: null, label: "system" },
      requestId: null,
      traceId: null,
      payload: {},
    };
    const [appended] = await inUnit(({ events }) => events.append([system]));
    expect(appended).toMatchObject({ ...system, sequence: 1 });
    expect(await inUnit(({ events }) => events.pending(1))).toEqual([appended]);
  });

  it("events: an append of thousands (an import's batch) keeps its order and each subject's numbers, across the adapter's statements", async () => {
    await inUnit(({ events }) => events.append([event("user.created", user(BOB))]));
    const many = Array.from({ length: 2_500 }, (_, n) => event("user.updated", user(n % 3 === 0 ? BOB : ADA), { n }));
    const appended = await inUnit(({ events }) => events.append(many));
    expect(appended.map((e) => e.payload)).toEqual(many.map((e) => e.payload));
    const numbers = (id: string) => appended.filter((e) => e.subject.id === id).map((e) => e.sequence);
    expect(numbers(BOB)).toEqual(Array.from({ length: 834 }, (_, n) => n + 2));
    expect(numbers(ADA)).toEqual(Array.from({ length: 1_666 }, (_, n) => n + 1));
    const listed = await inUnit(({ events }) => events.pending(3_000));
    expect(listed.map((e) => e.id)).toEqual([expect.any(String), ...appended.map((e) => e.id)]);
  });

  it("events: roll back with their unit, numbers and all (the next event of the subject takes the number)", async () => {
    await inUnit(({ events }) => events.append([event("user.created", user(ADA))]));
    await expect(
      inUnit(async ({ events }) => {
        await events.append([event("user.updated", user(ADA))]);
        throw new Error("refused after the change");
      }),
    ).rejects.toThrow("refused after the change");
    expect(await pending()).toEqual(["user.created a#1"]);
    const [next] = await inUnit(({ events }) => events.append([event("user.deleted", user(ADA))]));
    expect(next?.sequence).toBe(2);
    expect(await inUnit(({ events }) => events.append([]))).toEqual([]);
  });

  it("events: marked delivered once (unknown and delivered ids ignored), then out of the backlog and the pending list", async () => {
    expect(await inUnit(({ events }) => events.backlog())).toEqual({ rows: 0, oldestOccurredAt: null });
    const appended = await inUnit(({ events }) =>
      events.append([event("user.created", user(ADA)), event("user.created", user(BOB)), event("user.updated", user(ADA))]),
    );
    const [first, second, third] = appended.map((e) => e.id);
    if (!first || !second || !third) throw new Error("three events appended");
    const backlog = await inUnit(({ events }) => events.backlog());
    expect(backlog).toEqual({ rows: 3, oldestOccurredAt: appended[0]?.occurredAt });
    const at = new Date("2026-12-01T10:00:00Z");
    expect(await inUnit(({ events }) => events.markDelivered([first, "0190a000-0000-7000-8000-0000000000ff"], at))).toBe(1);
    expect(await inUnit(({ events }) => events.markDelivered([first, third], at))).toBe(1);
    expect(await inUnit(({ events }) => events.markDelivered([], at))).toBe(0);
    expect(await pending()).toEqual(["user.created b#1"]);
    expect(await inUnit(({ events }) => events.backlog())).toMatchObject({ rows: 1 });
  });

  it("events: pruned only once delivered before the cut-off, at most `limit` at a time; numbering goes on after", async () => {
    const appended = await inUnit(({ events }) =>
      events.append([event("user.created", user(ADA)), event("user.updated", user(ADA)), event("user.deleted", user(ADA)), event("user.created", user(BOB))]),
    );
    const ids = appended.map((e) => e.id);
    await inUnit(({ events }) => events.markDelivered(ids.slice(0, 2), new Date("2026-12-01T10:00:00Z")));
    await inUnit(({ events }) => events.markDelivered(ids.slice(2, 3), new Date("2026-12-03T10:00:00Z")));
    const cutOff = new Date("2026-12-02T00:00:00Z");
    expect(await inUnit(({ events }) => events.prune(cutOff, 1))).toBe(1);
    expect(await inUnit(({ events }) => events.prune(cutOff, 10))).toBe(1);
    // Delivered after the cut-off, and never delivered: kept.
    expect(await inUnit(({ events }) => events.prune(cutOff, 10))).toBe(0);
    expect(await pending()).toEqual(["user.created b#1"]);
    expect(await inUnit(({ events }) => events.prune(new Date("2026-12-04T00:00:00Z"), 10))).toBe(1);
    expect(await pending()).toEqual(["user.created b#1"]);
    // Pruning forgets events, not their subjects' numbers: a consumer never sees a number twice.
    const [next] = await inUnit(({ events }) => events.append([event("user.restored", user(ADA))]));
    expect(next?.sequence).toBe(4);
  });
}
