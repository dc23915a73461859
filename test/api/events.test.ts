/**
 * Domain events (issue 20) end to end in memory: changes made through the REST API raise their events in the
 * outbox, in the change's unit of work, and the relay delivers them in order to the publisher.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { AUDIT_ACTION_EVENTS, EVENT_TYPES, toEventMessage, UnmappedAuditActionError } from "../../lib/domain/events";
import { FLAG_KEYS } from "../../lib/domain/feature-flags";
import { EVENT_MESSAGES } from "../../lib/api-contract/events";
import { SYSTEM_ACTOR } from "../../lib/domain/auth";
import { createInMemoryEventPublisher } from "../../lib/adapters/memory/in-memory-event-publisher";
import { createApiHarness, fastTestHasher, ROOT } from "../support/api-harness";

const PASSWORD = "correct horse battery";
const open: { close(): Promise<void>; app: { eventRelay: { stop(): Promise<void> } } }[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) {
    await harness.app.eventRelay.stop();
    await harness.close();
  }
});

async function harness() {
  // An hour between polls: within a test, only the nudge of a committed unit can wake the relay.
  const publisher = createInMemoryEventPublisher();
  const api = await createApiHarness({ hasher: fastTestHasher, config: { EVENTS_POLL_MS: 3_600_000 }, eventPublisher: publisher });
  open.push(api);
  await api.createUser({ email: "admin@staff.example", role: "ADMIN", password: PASSWORD });
  const admin = await api.signIn("admin@staff.example", PASSWORD);
  return { api, admin, publisher };
}

describe("domain events through the API", () => {
  it("raise an event per change, numbered per subject, with actor and request id, delivered in order by the relay", async () => {
    const { api, admin, publisher } = await harness();
    // Start-up stored the declared flags: their flag.changed events are already waiting.
    const atStart = (await api.unitOfWork.run(({ events }) => events.backlog())).rows;
    expect(atStart).toBeGreaterThan(0);
    api.app.eventRelay.start();
    const created = await api.call("POST", "/api/v1/users", {
      cookie: admin,
      body: { email: "ada@example.com", name: "Ada", role: "VIEWER" },
      headers: { "x-request-id": "req-create-ada" },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const url = `/api/v1/users/${id}`;
    expect((await api.call("PATCH", url, { cookie: admin, body: { role: "EDITOR", name: "Ada L." }, headers: { "if-match": '"1"' } })).status).toBe(200);
    expect((await api.call("DELETE", url, { cookie: admin, headers: { "if-match": '"2"' } })).status).toBe(204);
    expect((await api.call("POST", `${url}/restore`, { cookie: admin })).status).toBe(200);

    await publisher.receivedAtLeast(atStart + 5);
    const events = publisher.received.filter((event) => event.subject.id === id);
    expect(events.map((event) => [event.type, event.sequence])).toEqual([
      ["user.created", 1],
      ["user.updated", 2],
      ["user.role_changed", 3],
      ["user.deleted", 4],
      ["user.restored", 5],
    ]);
    expect(events[0]).toMatchObject({
      subject: { type: "user", id },
      actor: { type: "user", label: "admin@staff.example" },
      requestId: "req-create-ada",
      payloadVersion: 1,
      payload: { user: { email: "ada@example.com", name: "Ada", role: "VIEWER", status: "ACTIVE" } },
    });
    expect(events[1]?.payload).toEqual({ before: { name: "Ada", role: "VIEWER" }, after: { name: "Ada L.", role: "EDITOR" } });
    expect(events[2]?.payload).toEqual({ before: "VIEWER", after: "EDITOR" });
    // Delivered once each, and then marked so (just after the publisher took them): nothing waits in the outbox.
    await expect.poll(() => api.unitOfWork.run(({ events: outbox }) => outbox.backlog())).toEqual({ rows: 0, oldestOccurredAt: null });
    expect(new Set(publisher.received.map((event) => event.id)).size).toBe(atStart + 5);
    expect(publisher.received).toHaveLength(atStart + 5);
  });

  it("announce an import's users, then the import's end with its counts, after its last batch", async () => {
    const { api, admin, publisher } = await harness();
    api.app.eventRelay.start();
    const csv = "email,name\nimp1@example.com,One\nnot-an-email,Bad\nimp2@example.com,Two\n";
    const upload = await api.call("POST", "/api/v1/imports", { cookie: admin, rawBody: csv, headers: { "content-type": "text/csv" } });
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };
    await api.app.importJobs.idle();

    await expect.poll(() => publisher.received.some((event) => event.type === "import.finished")).toBe(true);
    const finished = publisher.received.filter((event) => event.type === "import.finished");
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      subject: { type: "import", id },
      sequence: 1,
      actor: { type: "user", label: "admin@staff.example" },
      payload: { status: "succeeded", totalRows: 3, rowsDone: 3, created: 2, failed: 1, error: null },
    });
    // Each imported user was announced, naming its import, before the import's end.
    const created = publisher.received.filter((event) => event.type === "user.created" && event.payload["importId"] === id);
    expect(created.map((event) => (event.payload["user"] as { email: string }).email).sort()).toEqual(["imp1@example.com", "imp2@example.com"]);
    expect(EVENT_MESSAGES["import.finished"].schema.safeParse(toEventMessage(finished[0]!)).error?.issues ?? []).toEqual([]);
    const position = (event: (typeof publisher.received)[number]) => publisher.received.indexOf(event);
    expect(Math.max(...created.map(position))).toBeLessThan(position(finished[0]!));
  });

  it("send every type of event as the OpenAPI document's webhooks section describes it", async () => {
    const { api, admin, publisher } = await harness();
    api.app.eventRelay.start();
    const ok = async (response: Promise<Response>, status: number) => {
      const answered = await response;
      expect(answered.status, await answered.clone().text()).toBe(status);
      return answered;
    };
    // Users: created, updated with a new role, deleted, restored (and the import's in the test above).
    const { id } = await (await ok(api.call("POST", "/api/v1/users", { cookie: admin, body: { email: "eve@example.com", name: "Eve", role: "VIEWER" } }), 201)).json();
    await ok(api.call("PATCH", `/api/v1/users/${id}`, { cookie: admin, body: { role: "EDITOR" }, headers: { "if-match": '"1"' } }), 200);
    await ok(api.call("DELETE", `/api/v1/users/${id}`, { cookie: admin, headers: { "if-match": '"2"' } }), 204);
    await ok(api.call("POST", `/api/v1/users/${id}/restore`, { cookie: admin }), 200);
    // An invitation, accepted; a token, revoked; a flag changed; the admin's own password.
    const invitation = await (await ok(api.call("POST", "/api/v1/invitations", { cookie: admin, body: { email: "ivy@example.com", name: "Ivy", role: "VIEWER" } }), 201)).json();
    const token = decodeURIComponent(new URL(invitation.invitationUrl).pathname.split("/").pop() ?? "");
    await ok(api.call("POST", "/api/v1/invitations/accept", { body: { token, password: "another horse battery" } }), 200);
    const created = await (await ok(api.call("POST", "/api/v1/tokens", { cookie: admin, body: { name: "ci", role: "VIEWER" } }), 201)).json();
    await ok(api.call("DELETE", `/api/v1/tokens/${created.token.id}`, { cookie: admin }), 204);
    const flag = FLAG_KEYS[0]!;
    const current = await ok(api.call("GET", `/api/v1/flags/${flag}`, { cookie: admin }), 200);
    await ok(api.call("PATCH", `/api/v1/flags/${flag}`, { cookie: admin, body: { on: true }, headers: { "if-match": current.headers.get("etag") ?? "" } }), 200);
    await ok(api.call("PUT", "/api/v1/session/password", { cookie: admin, body: { currentPassword: PASSWORD, newPassword: "a new horse battery" } }), 204);

    await expect.poll(() => new Set(publisher.received.map((event) => event.type)).size).toBe(EVENT_TYPES.length - 1);
    for (const event of publisher.received) {
      const checked = EVENT_MESSAGES[event.type].schema.safeParse(toEventMessage(event));
      expect(checked.error?.issues ?? [], `${event.type}: ${JSON.stringify(toEventMessage(event))}`).toEqual([]);
    }
    // The one type this test does not make: import.finished (the test above, checked here against its schema too).
    expect(EVENT_TYPES.filter((type) => !publisher.received.some((event) => event.type === type))).toEqual(["import.finished"]);
  });

  it("raise nothing when the change does not commit (its audit entry refused)", async () => {
    const { api, admin } = await harness();
    api.failAuditAppends(true);
    const refused = await api.call("POST", "/api/v1/users", { cookie: admin, body: { email: "bob@example.com", name: "Bob", role: "VIEWER" } });
    expect(refused.status).toBe(500);
    api.failAuditAppends(false);
    const pending = await api.unitOfWork.run(({ events }) => events.pending(100));
    expect(pending.length).toBeGreaterThan(0); // the flags' events from start-up: the outbox is being read
    expect(pending.filter((event) => event.subject.type === "user")).toEqual([]);
  });

  it("fail the unit of an audit action nobody mapped, before anything is written", async () => {
    const { api } = await harness();
    const unit = api.unitOfWork.run(async ({ users, audit }) => {
      const user = await users.create({ email: "cy@example.com", name: "Cy", role: "VIEWER", status: "ACTIVE" });
      await audit.append({ action: "user.teleported", actor: SYSTEM_ACTOR, target: { type: "user", id: user.id } });
    });
    await expect(unit).rejects.toBeInstanceOf(UnmappedAuditActionError);
    expect(await api.unitOfWork.read(({ users }) => users.list({ limit: 10, sort: { field: "email", direction: "asc" } }))).toMatchObject({ items: [{ email: "admin@staff.example" }] });
  });
});

describe("the audit action table", () => {
  it("names every audit action the code writes, so none can raise its event by accident or miss it", async () => {
    // Every `action: "..."` literal in lib/ (the actions are strings, not a closed type), plus the flag actions.
    const written = new Set<string>(["flag.created", "flag.updated", "flag.reverted"]);
    for (const file of await sourceFiles(path.join(ROOT, "lib"))) {
      for (const match of (await readFile(file, "utf8")).matchAll(/\baction: "([a-z_]+\.[a-z_]+)"/g)) {
        if (match[1]) written.add(match[1]);
      }
    }
    expect(written.size).toBeGreaterThan(15);
    const unmapped = [...written].filter((action) => !Object.hasOwn(AUDIT_ACTION_EVENTS, action));
    expect(unmapped).toEqual([]);
  });
});

async function sourceFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated") found.push(...(await sourceFiles(full)));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      found.push(full);
    }
  }
  return found;
}
